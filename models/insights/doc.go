// Package insights is the staff dashboard (/insights): it owns the SQL of
// its figures and the tables that are its own.
//
//   - The figures' queries (dashboard.go): time to first and to accepted
//     answer per source, who writes the accepted answers, the unanswered
//     queue; their maths (figures.go: medians, nearest-rank percentiles,
//     the first-answer chart's bars, shares) holds no SQL.
//   - Event counting (events.go): searches, no-result searches and views
//     added up in memory per hour and flushed every few seconds (Start,
//     Stop) into insight_counts and insight_daily in a quiet transaction,
//     and the self-service figures read back from them; search sessions
//     (sessions.go), followed in memory only under a daily salt.
//   - The early warning (earlywarning.go, spiketerms.go): the last hours'
//     questions, mentions, watch-rule keywords and terms against the same
//     hours of previous weeks; its statistic (spikes.go, terms.go) holds no
//     SQL.
//   - Incidents (incidents.go): the incidents table's statements.
//
// It takes the database layer, a *db.DB (models/db), the store's clock and
// what it needs of the other domains as the small Domains struct: the
// forum's rule for a visible thread, the addresses of threads and of posts
// on X that the dashboard links to (read with each value, so the types'
// URL methods return them), and the watch rules' keywords and matching. So
// it imports nothing of models; models.Store embeds an *Insights, so its
// methods are the store's (store.Count, store.Responsiveness,
// store.EarlyWarningFigures, …), and models keeps aliases of the types the
// handlers name (models.InsightsFilter, models.Event, models.Incident, …).
//
// Still in models, because they span domains: opening and closing an
// incident (the permission, the form's messages, the audit log line, in
// one transaction that calls InsertIncident or EndIncident), the open
// incidents a viewer may see (the private categories' filter is the
// forum's and accounts'), and the watch rules' keywords (social
// listening's rules, read by models.Store.SocialRules).
package insights
