-- A phone read with its row's DDD column (DDD_1 + TELEFONE_1, DDD_FAX + FAX)
-- keeps that DDD cell as received beside the phone cell (raw), so that
-- revalidation reads the number exactly as the import did: normalize decides
-- what the pair means (a DDD, no DDD, a DDD split across both, a contradiction).
ALTER TABLE phones ADD COLUMN ddd text NOT NULL DEFAULT '';
