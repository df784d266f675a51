-- A row can load with a warning: a non-key field (an invalid e-mail) left
-- empty. The run counts such rows, and its rejects list keeps the warnings,
-- marked as imported, beside the rows it refused.
ALTER TABLE import_runs ADD COLUMN warned integer NOT NULL DEFAULT 0;
ALTER TABLE import_rejects ADD COLUMN imported boolean NOT NULL DEFAULT false;
