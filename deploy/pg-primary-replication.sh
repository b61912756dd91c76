#!/bin/sh
# Run once by the postgres image when it creates its database (docker-entrypoint-initdb.d, docker-compose.yml):
# lets the `postgres-replica` service stream from this server. The image's pg_hba.conf lets replication
# connections in from the container itself only; this adds the compose network, with a password
# (POSTGRES_USER is a superuser, so it may replicate). An existing volume: run these lines once by hand
# (docker compose exec postgres sh /docker-entrypoint-initdb.d/kepu-replication.sh), see docs/operations.md.
set -eu
echo "host replication ${POSTGRES_USER:-postgres} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -c "SELECT pg_reload_conf()" >/dev/null
