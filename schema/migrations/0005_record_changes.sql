-- The change log behind `export --since` and GET /cti3cx/changes: one row per
-- account or contact whose exported data (its fields, its deletion, or any
-- of its phones as the CRM would get them) changed, written by triggers in
-- the same transaction as the change, so that no code path can change a
-- record without logging it and a rolled-back change logs nothing.
--
-- txid is the writing transaction's id. A reader pages in (txid, kind,
-- record_id) order and reads only below the oldest transaction of this
-- database still in flight in its snapshot: every transaction with a smaller
-- id has ended, so no change can still appear below the reader's cursor
-- (schema/changes.go, docs/crm.md). A record changed twice in one
-- transaction is logged once.
CREATE TABLE record_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('account', 'contact')),
    record_id  bigint NOT NULL,
    txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, txid, kind, record_id)
);
CREATE INDEX record_changes_changed_at ON record_changes (tenant_id, kind, changed_at);

-- Accounts and contacts: a new record, or a change of an exported field or
-- of deleted_at. (updated_at, source, content_hash and the account link
-- alone are not the CRM's data.)
CREATE FUNCTION log_record_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_changes (tenant_id, kind, record_id)
    SELECT n.tenant_id, TG_ARGV[0], n.id FROM new_rows n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION log_account_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_changes (tenant_id, kind, record_id)
    SELECT n.tenant_id, 'account', n.id FROM new_rows n JOIN old_rows o USING (id)
    WHERE (n.external_id, n.name, n.trade_name, n.tax_id, n.email, n.deleted_at IS NULL)
        IS DISTINCT FROM (o.external_id, o.name, o.trade_name, o.tax_id, o.email, o.deleted_at IS NULL)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION log_contact_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_changes (tenant_id, kind, record_id)
    SELECT n.tenant_id, 'contact', n.id FROM new_rows n JOIN old_rows o USING (id)
    WHERE (n.external_id, n.first_name, n.last_name, n.email, n.account_external_id, n.company, n.deleted_at IS NULL)
        IS DISTINCT FROM (o.external_id, o.first_name, o.last_name, o.email, o.account_external_id, o.company, o.deleted_at IS NULL)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

-- Phones: any phone added or removed, or changed in what an export shows
-- (a revalidation that only stamps rules_version and checked_at logs nothing).
CREATE FUNCTION log_phone_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO record_changes (tenant_id, kind, record_id)
        SELECT DISTINCT n.tenant_id, CASE WHEN n.account_id IS NULL THEN 'contact' ELSE 'account' END,
            coalesce(n.account_id, n.contact_id)
        FROM new_rows n
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO record_changes (tenant_id, kind, record_id)
        SELECT DISTINCT o.tenant_id, CASE WHEN o.account_id IS NULL THEN 'contact' ELSE 'account' END,
            coalesce(o.account_id, o.contact_id)
        FROM old_rows o
        -- A tenant being deleted takes its phones along: nothing to log.
        WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = o.tenant_id)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO record_changes (tenant_id, kind, record_id)
        SELECT DISTINCT n.tenant_id, CASE WHEN n.account_id IS NULL THEN 'contact' ELSE 'account' END,
            coalesce(n.account_id, n.contact_id)
        FROM new_rows n JOIN old_rows o USING (id)
        WHERE (n.field, n.position, n.raw, n.input, n.override, n.e164, n.dial, n.extension, n.status)
            IS DISTINCT FROM (o.field, o.position, o.raw, o.input, o.override, o.e164, o.dial, o.extension, o.status)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_log_insert AFTER INSERT ON accounts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_record_insert('account');
CREATE TRIGGER accounts_log_update AFTER UPDATE ON accounts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_account_update();
CREATE TRIGGER contacts_log_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_record_insert('contact');
CREATE TRIGGER contacts_log_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_contact_update();
CREATE TRIGGER phones_log_insert AFTER INSERT ON phones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_phone_rows();
CREATE TRIGGER phones_log_update AFTER UPDATE ON phones REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_phone_rows();
CREATE TRIGGER phones_log_delete AFTER DELETE ON phones REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_phone_rows();
