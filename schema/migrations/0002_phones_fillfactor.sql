-- Revalidation stamps every checked phone (rules_version,
-- profile_fingerprint, checked_at: no index covers them). With room left on
-- each page PostgreSQL writes those updates in place (HOT): no index entries,
-- about six times faster on a million rows. The price is a heap about twice
-- as large. Applies to pages written from now on.
ALTER TABLE phones SET (fillfactor = 50);
