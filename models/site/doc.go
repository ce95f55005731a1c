// Package site is the site as a whole, apart from any one domain: what
// admins configure in the browser (the site settings: the rules of
// promotion, posting and sign-in, the ambassador programme's domains), the
// branding (community name, brand colours and the palettes derived from
// them, footer links, the uploaded logo and favicon), the other settings
// the server keeps (secrets made on first use, such as the session keys),
// and the sitemap (what a crawler is told to index). It owns the settings
// and site_assets tables' SQL and the sitemap's query.
//
// It takes the database layer, a *db.DB (models/db: the primary's readers,
// the replica-aware reads, the writer and its transactions), the store's
// clock, the store's error for what is not there, and, for what belongs to
// the forum, the small Forum description; so it imports nothing of models.
// models.Store embeds a *Site, so its methods are the store's.
//
// A refused form or image is an *invalid.Error (models/invalid: the fields
// and what is wrong with them), models' ValidationError. Saving the admin
// form stays in models (SaveSiteSettings): it checks the actor's permission
// (the accounts' and policy's) and writes the audit line (moderation's) in
// the transaction that stores the settings (Site.WriteSettings).
// Branding keeps its images in the database (site_assets): it uses neither
// the attachments' uploads directory nor the shared files' bucket.
package site
