-- Call history that means something.
--
-- 1. Call ids are per tenant. 3CX needs an integer ((int)ID in the
--    contract), but one global sequence told every tenant how many calls
--    the others took. calls.id stays the internal key; call_no is the id
--    consult-phone hands out and end-call takes, numbered per tenant by a
--    trigger, so every insert gets one. Calls made before keep their id as
--    their number, so calls in flight during the upgrade still end.
CREATE TABLE call_counters (
    tenant_id bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_no   bigint NOT NULL
);
ALTER TABLE calls ADD COLUMN call_no bigint;
UPDATE calls SET call_no = id;
ALTER TABLE calls ALTER COLUMN call_no SET NOT NULL;
CREATE UNIQUE INDEX calls_tenant_no ON calls (tenant_id, call_no);
INSERT INTO call_counters (tenant_id, last_no)
    SELECT tenant_id, max(call_no) FROM calls GROUP BY tenant_id;

CREATE FUNCTION calls_assign_no() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO call_counters AS cc (tenant_id, last_no) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET last_no = cc.last_no + 1
    RETURNING last_no INTO NEW.call_no;
    RETURN NEW;
END
$$;
CREATE TRIGGER calls_assign_no BEFORE INSERT ON calls
    FOR EACH ROW WHEN (NEW.call_no IS NULL) EXECUTE FUNCTION calls_assign_no();

-- 2. A number several records own: the call is in each owner's history.
--    calls.contact_id/account_id is the owner the answer listed first;
--    call_owners holds the others the answer listed.
CREATE TABLE call_owners (
    call_id    bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    position   smallint NOT NULL,          -- the owner's place in the answer, from 1
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    PRIMARY KEY (call_id, position)
);
CREATE INDEX call_owners_contact ON call_owners (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX call_owners_account ON call_owners (account_id) WHERE account_id IS NOT NULL;

-- 3. Lookups end-call never completed are pruned after a retention period:
--    the worker finds them oldest first.
CREATE INDEX calls_unreported ON calls (created_at) WHERE ended_at IS NULL;
