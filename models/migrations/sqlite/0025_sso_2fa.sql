-- +goose Up
-- Company sign-in (OpenID Connect) and two-factor authentication for staff
-- (issue 20). The identities themselves are user_identities (0025).

-- The role the identity provider's claims granted at the account's latest
-- sign-in ('' none), and the role it had before, which it goes back to at
-- the first sign-in without the claim. Such a grant counts only while the
-- account still has that role: a role an admin set since is the admin's.
ALTER TABLE users ADD COLUMN sso_role TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN sso_prior_role TEXT NOT NULL DEFAULT '';

-- One step of a sign-in that spans two requests, kept in the database so
-- that any app server can finish what another began, and taken (deleted)
-- by the step that finishes it, so it works once:
--   sso_start          state -> nonce, PKCE verifier, where to go after
--   sso_pending        an identity the provider vouched for, waiting for the
--                      member's password (link) or a username (sign-up)
--   webauthn_register  a passkey being added (the challenge)
--   webauthn_login     a passkey being used as the second factor
--   totp_enrol         an authenticator app being set up (the new secret)
-- Only the SHA-256 of the secret the browser holds (a cookie, or the state
-- it carries through the provider) is kept.
CREATE TABLE login_challenges (
    id_hash    TEXT    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('sso_start', 'sso_pending', 'webauthn_register', 'webauthn_login', 'totp_enrol')),
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_challenges_expiry ON login_challenges (expires_at);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

-- An authenticator app (TOTP, RFC 6238): its secret, and the last time
-- step a code was accepted for, so a code works once.
CREATE TABLE totp_secrets (
    user_id    INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT    NOT NULL,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- Recovery codes: the SHA-256 of each (80 random bits), usable once.
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- Passkeys (WebAuthn) registered as a second factor: the credential as the
-- library keeps it (public key, sign count, flags), as JSON.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BLOB    NOT NULL UNIQUE,
    credential    TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- Failed second-factor attempts, counted per account (the password was
-- right: only its owner, or someone who has it, gets here).
CREATE TABLE second_factor_failures (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL
);
CREATE INDEX second_factor_failures_user ON second_factor_failures (user_id, at);

-- +goose Down
DROP TABLE second_factor_failures;
DROP TABLE passkeys;
DROP TABLE recovery_codes;
DROP TABLE totp_secrets;
DROP TABLE login_challenges;
ALTER TABLE users DROP COLUMN sso_prior_role;
ALTER TABLE users DROP COLUMN sso_role;
