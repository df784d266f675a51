-- cti3cx schema, version 1. Every table below tenants carries tenant_id, and
-- every query filters on it: one tenant never sees another's rows.

CREATE TABLE tenants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text NOT NULL DEFAULT '',
    default_ddd text NOT NULL DEFAULT '' CHECK (default_ddd ~ '^([1-9][0-9])?$'),
    dial_format text NOT NULL DEFAULT '',
    contact_url text NOT NULL DEFAULT '',
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Tokens are stored as SHA-256 of the secret: they are 256-bit random
-- strings, so a slow password hash would buy nothing.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    label        text NOT NULL DEFAULT '',
    hash         bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id) WHERE revoked_at IS NULL;

CREATE TABLE accounts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    external_id  text NOT NULL CHECK (external_id <> ''),
    name         text NOT NULL DEFAULT '',  -- razão social
    trade_name   text NOT NULL DEFAULT '',  -- nome fantasia
    tax_id       text NOT NULL DEFAULT '',  -- CNPJ/CPF as received
    email        text NOT NULL DEFAULT '',
    source       text NOT NULL DEFAULT '',
    -- hash of the imported fields: an unchanged row is recognised without
    -- comparing every column.
    content_hash text NOT NULL DEFAULT '',
    deleted_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, external_id)
);

CREATE TABLE contacts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id           bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    external_id         text NOT NULL CHECK (external_id <> ''),
    first_name          text NOT NULL DEFAULT '',
    last_name           text NOT NULL DEFAULT '',
    email               text NOT NULL DEFAULT '',
    -- The CRM's account id as received; account_id is resolved from it and
    -- may stay NULL until that account is imported.
    account_external_id text NOT NULL DEFAULT '',
    account_id          bigint REFERENCES accounts (id) ON DELETE SET NULL,
    company             text NOT NULL DEFAULT '',  -- free text when there is no account
    source              text NOT NULL DEFAULT '',
    content_hash        text NOT NULL DEFAULT '',
    deleted_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, external_id)
);
CREATE INDEX contacts_account ON contacts (tenant_id, account_external_id) WHERE account_external_id <> '';

-- The normalized phone index. One row per number found in a phone field of an
-- account or a contact (a cell holding two numbers gives two rows, position
-- 0 and 1).
CREATE TABLE phones (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id           bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    account_id          bigint REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id          bigint REFERENCES contacts (id) ON DELETE CASCADE,
    field               text NOT NULL,   -- businessphone, businessphone2, mobilephone, mobilephone2, homephone, fax, otherphone
    position            smallint NOT NULL DEFAULT 0,
    raw                 text NOT NULL,   -- the cell as received from the source
    input               text NOT NULL DEFAULT '',  -- the part of the cell this number came from
    override            text,            -- a staff fix; wins until raw changes
    e164                text NOT NULL DEFAULT '',
    -- E.164 digits reversed: "ends with" becomes "starts with", which a
    -- btree answers in O(log n) for 3CX's "last N digits" lookups.
    e164_reversed       text GENERATED ALWAYS AS (reverse(ltrim(e164, '+'))) STORED,
    dial                text NOT NULL DEFAULT '',
    type                text NOT NULL DEFAULT '',
    extension           text NOT NULL DEFAULT '',
    status              text NOT NULL CHECK (status IN ('ok', 'fixed', 'invalid')),
    reasons             text NOT NULL DEFAULT '',
    suggestion          text NOT NULL DEFAULT '',
    rules_version       text NOT NULL DEFAULT '',
    profile_fingerprint text NOT NULL DEFAULT '',
    checked_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((account_id IS NULL) <> (contact_id IS NULL)),
    UNIQUE (account_id, field, position),
    UNIQUE (contact_id, field, position)
);
CREATE INDEX phones_e164 ON phones (tenant_id, e164) WHERE e164 <> '';
CREATE INDEX phones_e164_reversed ON phones (tenant_id, e164_reversed text_pattern_ops) WHERE e164 <> '';
CREATE INDEX phones_status ON phones (tenant_id, status) WHERE status <> 'ok';

-- Who or what changed a phone, from what to what, when.
CREATE TABLE phone_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    phone_id   bigint NOT NULL REFERENCES phones (id) ON DELETE CASCADE,
    actor      text NOT NULL,    -- "revalidation", "fix:<file>", "import:<run>"
    before     jsonb NOT NULL,
    after      jsonb NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX phone_changes_phone ON phone_changes (tenant_id, phone_id);

-- One row per consult-phone that answered, completed by end-call.
CREATE TABLE calls (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number       text NOT NULL,          -- as 3CX sent it
    e164         text NOT NULL DEFAULT '',
    contact_id   bigint REFERENCES contacts (id) ON DELETE SET NULL,
    account_id   bigint REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,            -- when end-call reported it
    call_date    date,
    start_time   time,
    end_time     time,
    duration_s   integer,
    call_type    text,
    agent        text,
    phone        text                   -- "telefone" from end-call
);
CREATE INDEX calls_tenant_created ON calls (tenant_id, created_at);
CREATE INDEX calls_contact ON calls (tenant_id, contact_id);

CREATE TABLE import_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('accounts', 'contacts')),
    source         text NOT NULL,        -- file name or feed URL (without credentials)
    source_hash    text NOT NULL DEFAULT '',
    mode           text NOT NULL DEFAULT 'upsert',
    dry_run        boolean NOT NULL DEFAULT false,
    outcome        text NOT NULL DEFAULT 'running',  -- running, ok, failed, aborted, dry_run
    error          text NOT NULL DEFAULT '',
    rows_read      integer NOT NULL DEFAULT 0,
    inserted       integer NOT NULL DEFAULT 0,
    updated        integer NOT NULL DEFAULT 0,
    unchanged      integer NOT NULL DEFAULT 0,
    deleted        integer NOT NULL DEFAULT 0,
    rejected       integer NOT NULL DEFAULT 0,
    phones_ok      integer NOT NULL DEFAULT 0,
    phones_fixed   integer NOT NULL DEFAULT 0,
    phones_invalid integer NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
CREATE INDEX import_runs_tenant ON import_runs (tenant_id, started_at);

CREATE TABLE import_rejects (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id  bigint NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    line    integer NOT NULL,
    code    text NOT NULL,
    message text NOT NULL,
    record  text NOT NULL DEFAULT ''   -- the original row, as read
);
CREATE INDEX import_rejects_run ON import_rejects (run_id);

CREATE TABLE revalidation_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    rules_version text NOT NULL,
    outcome       text NOT NULL DEFAULT 'running',  -- running, ok, failed, interrupted
    error         text NOT NULL DEFAULT '',
    checked       integer NOT NULL DEFAULT 0,
    changed       integer NOT NULL DEFAULT 0,
    newly_invalid integer NOT NULL DEFAULT 0,
    fixed         integer NOT NULL DEFAULT 0,   -- were invalid, now valid
    still_invalid integer NOT NULL DEFAULT 0,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX revalidation_runs_tenant ON revalidation_runs (tenant_id, started_at);
