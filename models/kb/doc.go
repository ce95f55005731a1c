// Package kb is the knowledge base: articles made from solved threads and
// their lifecycle. It owns the kb_articles, kb_revisions and kb_votes
// tables' SQL: an article is made when an answer is accepted and follows
// its thread in the transaction of each change (SyncArticle: refreshed
// while uncurated, marked outdated once a curator has edited it, taken
// offline when its answer or question is removed), with its revisions, and
// the curators' publish and outdated marks and the readers' helpful votes.
//
// It takes the database layer, a *db.DB (models/db), and what it needs of
// the rest of the store as the small Needs below: the clock, the errors the
// web layer knows (not found, forbidden, a refused field), the Markdown
// renderer (models/markup), the thread's tags (the forum's) and the search
// index's update of an article (search's), so it imports nothing of models
// (it names accounts.User, forum.Category and forum.Thread, the lower
// packages' types). models.Store embeds a *KB, so its methods are the
// store's.
//
// Still in models, calling it: the list of articles (ArticleQuery,
// Articles: its paging and the viewer's private categories are the
// forum's), editing an article's text (its title and body rules, the text
// cleaning, are the forum's) and promoting another answer (it reads the
// forum's post), and who may open an article (CanSeeArticle, with the
// other visibility rules). The steps that call SyncArticle (accepting,
// editing, removing and hiding posts) are models'.
package kb
