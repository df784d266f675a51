-- The review page for CRM staff (/revisao/): sign-in sessions and the index
-- its list pages through.

-- A session is what a staff token is exchanged for at sign-in. The cookie
-- holds a random secret; only its SHA-256 is stored, as for tokens. A session
-- lives while its token does: revoking the token (or deleting it, or the
-- tenant) ends every session it opened, checked on every request.
CREATE TABLE review_sessions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_id   bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    hash       bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    -- The anti-CSRF token the session's pages carry in their forms: useless
    -- without the cookie, so it is kept as is.
    csrf       text NOT NULL CHECK (csrf <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz             -- signed out
);
CREATE INDEX review_sessions_token ON review_sessions (token_id);
CREATE INDEX review_sessions_expires ON review_sessions (expires_at);

-- The review list pages by phone id (keyset: "the next 50 after id N")
-- within a tenant's flagged phones, so a page costs the same on page 1 and
-- page 2000 of a tenant with 100,000 of them.
CREATE INDEX phones_review ON phones (tenant_id, id) WHERE status <> 'ok';
