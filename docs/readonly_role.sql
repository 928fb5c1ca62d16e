-- A read-only role for downstream tools on a PostgreSQL archive (documented in docs/schema.md, tested by
-- tests/storage/test_readonly_role.py). Run it once, connected to the archive's database as the role that runs
-- `newsharvest init` (the owner of the tables), after changing the role name and password to yours:
--
--     psql "$NEWSHARVEST_DB_ADMIN_URL" -f docs/readonly_role.sql
--
-- The role may read every table and view of the archive (docs/schema.md; the views v_articles and v_sightings are
-- the surface meant for it), including those later migrations create, and can change nothing: its grants are
-- SELECT only, and its sessions are read-only by default besides.

CREATE ROLE newsharvest_reader LOGIN PASSWORD 'change-me';
GRANT USAGE ON SCHEMA public TO newsharvest_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO newsharvest_reader;
-- Tables and views that later migrations create (by this same owner) are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO newsharvest_reader;
ALTER ROLE newsharvest_reader SET default_transaction_read_only = on;
