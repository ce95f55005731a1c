// Package social is the pure side of social listening (posts from X turned
// into forum content): a post's title, its link back to X and the source a
// thread keeps, the import's filters (ads, the brand's audience, suspicious
// links, the spam score), the watch rules' matching and the languages'
// codes. It holds no SQL and imports nothing of models; the items, rules,
// inbox, imports and their jobs, which own SQL, are still in models
// (social*.go, importjobs.go) and call it.
package social
