#!/bin/sh
# Runs once, when the postgres container initialises its data directory: the role the API and the
# worker log in as. tagforge_app carries the privileges (migration Governance grants them and keeps the
# audit log append-only for it); the login role only inherits them.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres --dbname tagforge \
  -v password="$TAGFORGE_DB_PASSWORD" <<'SQL'
DO $$ BEGIN CREATE ROLE tagforge_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE ROLE tagforge LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE tagforge_app PASSWORD :'password';
SQL
