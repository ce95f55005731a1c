package models

// socialItemColumns are the columns of social_items that scanSocialItem reads.
const socialItemColumns = `tweet_id, in_reply_to_id, author_handle, author_name, text, status, lang, is_brand,
	created_at, COALESCE(rule_id, 0), COALESCE(thread_id, 0), source_format`

// scanSocialItem reads one row of socialItemColumns: the item and the
// thread it became part of (0 if none).
func scanSocialItem(row interface{ Scan(...any) error }) (socialItem, int64, error) {
	var it socialItem
	var threadID int64
	err := row.Scan(&it.id, &it.parent, &it.handle, &it.name, &it.text, &it.status, &it.lang, &it.brand, &it.created, &it.ruleID, &threadID, &it.format)
	return it, threadID, err
}
