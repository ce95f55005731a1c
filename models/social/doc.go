// Package social is social listening: posts from X imported as items,
// the watch rules that pick them out, the triage inbox, the import jobs,
// and the pure side of turning posts into forum content (a post's title,
// its link back to X and the source a thread keeps, the import's filters:
// ads, the brand's audience, suspicious links, the spam score; the rules'
// matching; the languages' codes).
//
// It owns the SQL of the social_items, social_rules and import_jobs
// tables:
//   - the items: their columns and scanning (Item), the import's writer
//     (PendingItem: multi-row INSERTs on SQLite, COPY on PostgreSQL, with
//     CopyRows and the multi-row helpers the store's bulk writes share),
//     a batch's conversations resolved against what is stored and replies
//     joined to their parents' (ResolveBatch, JoinReplies), repeated texts'
//     keys and filtering (RepeatKey, FilterAsSpam), the import's id; what
//     conversion reads of the items and how it marks them (LoadConversation,
//     ConversationQueue, MarkConverted, MarkAppended, MoveItems, …);
//   - the watch rules' reads and writes; the inbox's reads and the
//     triage's status changes;
//   - the import jobs' queue: queue, claim (SKIP LOCKED on PostgreSQL),
//     the holder's heartbeat, requeue, finish, interrupting the jobs of a
//     dead process, and what an interrupted import left waiting; with what
//     an import reports (ImportSummary);
//   - language detection's storage step (DetectAndStore, the items'
//     DetectLanguages and DetectAllLanguages).
//
// It takes the database layer, a *db.DB (models/db), and what it needs of
// the store as Deps (the clock, the not-found error, the shared storage's
// file names), so it imports nothing of models; models.Store embeds a
// *Social, so its methods are the store's. The statements that a step of
// the store's runs in its own transaction are functions taking that
// transaction (InsertRule, SetStatus, ItemByID, InsertItems, …).
//
// What stayed in models spans domains and calls it in the transaction it
// opens: the permission checks, the forms' validation and the audit log's
// lines; converting items into threads and posts (socialconvert.go, the
// import's planning and thread making in socialimport.go, socialbulk.go,
// socialstream.go and the COPY of threads in socialcopy.go), which writes
// the forum's threads and posts, the accounts' profiles of X authors
// (socialauthors.go), the search index and, for a repeated text already
// shown, the post's hiding, in one transaction; the threads a job's import
// made (JobThreads: the forum's rows and addresses); the questions'
// languages (threads and their search rows).
package social
