-- +goose Up
-- A community's logo and favicon as an admin uploaded them (models/branding.go):
-- checked, an SVG cleaned, before it is stored; served at an address named
-- by its hash, so browsers may keep it for a year.
CREATE TABLE site_assets (
    name         TEXT PRIMARY KEY CHECK (name IN ('logo', 'favicon')),
    content_type TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    hash         TEXT    NOT NULL,
    -- The size the image declares (pixels, or an SVG's units; 0 when it
    -- declares none), so pages can give the logo its width before it loads.
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE site_assets;
