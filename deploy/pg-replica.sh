#!/bin/sh
# docker-compose.yml's `postgres-replica` service: a hot standby streaming from the `postgres` service, which
# Kepu reads its dashboards, exports and summary from (DATABASE_REPLICA_URL, docs/operations.md). On an empty
# volume it copies the primary first (pg_basebackup, which also writes standby.signal and primary_conninfo);
# afterwards it only starts the server, which resumes streaming where it stopped.
# The primary comes from PRIMARY_HOST, PGUSER and PGPASSWORD.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h "$PRIMARY_HOST" -U "$PGUSER" -q; do sleep 1; done
    rm -rf "${PGDATA:?}"/* 2>/dev/null || true
    pg_basebackup -h "$PRIMARY_HOST" -U "$PGUSER" -D "$PGDATA" -X stream -R --checkpoint=fast
    chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
