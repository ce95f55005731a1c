package models

// socialItem is a stored tweet as conversion needs it.
type socialItem struct {
	id, parent, handle, name, text, status, lang string
	authorID                                     string // the X user id, when the source gave one
	format                                       string // the tweets.Format it was read from
	brand                                        bool   // the company side of a conversation
	official                                     bool   // written by one of the brand's own handles
	created                                      int64
	ruleID                                       int64
	thread                                       int64 // its thread, when it has one
	post                                         int64 // its post (a context item's is the question's)
}

// socialItemColumns are the columns of social_items that scanSocialItem reads.
const socialItemColumns = `tweet_id, in_reply_to_id, author_handle, author_id, author_name, text, status, lang, is_brand, official,
	created_at, COALESCE(rule_id, 0), COALESCE(thread_id, 0), COALESCE(post_id, 0), source_format`

// scanSocialItem reads one row of socialItemColumns, then into more the
// columns selected after them.
func scanSocialItem(row interface{ Scan(...any) error }, more ...any) (socialItem, error) {
	var it socialItem
	err := row.Scan(append([]any{&it.id, &it.parent, &it.handle, &it.authorID, &it.name, &it.text, &it.status, &it.lang, &it.brand,
		&it.official, &it.created, &it.ruleID, &it.thread, &it.post, &it.format}, more...)...)
	return it, err
}
