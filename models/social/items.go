package social

// Item is a stored post from X (a row of social_items) as the inbox and
// conversion need it.
type Item struct {
	ID, Parent, Handle, Name, Text, Status, Lang string
	AuthorID                                     string // the X user id, when the source gave one
	Format                                       string // the tweets.Format it was read from
	Brand                                        bool   // the company side of a conversation
	Official                                     bool   // written by one of the brand's own handles
	Created                                      int64
	RuleID                                       int64
	Thread                                       int64 // its thread, when it has one
	Post                                         int64 // its post (a context item's is the question's)
}

// ItemColumns are the columns of social_items that ScanItem reads.
const ItemColumns = `tweet_id, in_reply_to_id, author_handle, author_id, author_name, text, status, lang, is_brand, official,
	created_at, COALESCE(rule_id, 0), COALESCE(thread_id, 0), COALESCE(post_id, 0), source_format`

// ScanItem reads one row of ItemColumns, then into more the columns
// selected after them.
func ScanItem(row interface{ Scan(...any) error }, more ...any) (Item, error) {
	var it Item
	err := row.Scan(append([]any{&it.ID, &it.Parent, &it.Handle, &it.AuthorID, &it.Name, &it.Text, &it.Status, &it.Lang, &it.Brand,
		&it.Official, &it.Created, &it.RuleID, &it.Thread, &it.Post, &it.Format}, more...)...)
	return it, err
}
