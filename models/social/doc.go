// Package social is social listening: posts from X imported as items,
// the watch rules that pick them out, the triage inbox, and the pure side
// of turning them into forum content (a post's title, its link back to X
// and the source a thread keeps, the import's filters: ads, the brand's
// audience, suspicious links, the spam score; the rules' matching; the
// languages' codes).
//
// It owns the SQL of the social_items, social_rules and import_jobs
// tables: the items' columns and scanning (Item), the rules' reads and
// writes, the inbox's reads and the triage's status changes, and the
// import jobs' queue (queue, claim with SKIP LOCKED on PostgreSQL, the
// holder's heartbeat, requeue, finish, interrupting the jobs of a dead
// process, which imports an interrupted one left waiting) with what an
// import reports (ImportSummary). It takes the database layer, a
// *db.DB (models/db), and what it needs of the store as Deps (the clock,
// the not-found error, the shared storage's file names), so it imports nothing of models; models.Store
// embeds a *Social, so its methods are the store's. The statements a
// step of the store's runs in its own transaction are functions taking
// that transaction (InsertRule, SetStatus, ItemByID, …).
//
// What stayed in models spans domains and calls it: the permission checks,
// the forms' validation and the audit log's lines (accounts, moderation);
// converting items into threads and posts (socialconvert.go, the import's
// thread making), which writes the forum's threads and posts, the
// accounts' profiles and the search index in one transaction.
package social
