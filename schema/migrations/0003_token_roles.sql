-- Tokens get a role, so that the PBX's token cannot read the whole customer
-- base: pbx (consult-phone, end-call), sync (the changes feed, write-back to
-- the CRM) and staff (the review page). Existing tokens were all the PBX's.
ALTER TABLE api_tokens
    ADD COLUMN role text NOT NULL DEFAULT 'pbx'
    CONSTRAINT api_tokens_role_check CHECK (role IN ('pbx', 'sync', 'staff'));
