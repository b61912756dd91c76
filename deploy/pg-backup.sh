#!/bin/sh
# Kepu's PostgreSQL backups: docker-compose.yml's `backup` service runs this in the postgres image
# (docs/operations.md). Every night at BACKUP_HOUR (local time, TZ) it writes BACKUP_DIR/kepu-<YYYYmmdd-HHMMSS>/
# holding kepu.dump (pg_dump, custom format: pg_restore reads it) and media.tar.gz (the uploaded files), and
# deletes the backups older than BACKUP_KEEP_DAYS days (never the newest). `pg-backup.sh once`: one backup now.
# The database comes from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, as for any PostgreSQL client.
set -eu
BACKUP_DIR=${BACKUP_DIR:-/backups}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
BACKUP_HOUR=${BACKUP_HOUR:-3}
MEDIA_DIR=${MEDIA_DIR:-/data/media}

backup_once() {
    stamp=$(date +%Y%m%d-%H%M%S)
    partial="$BACKUP_DIR/.kepu-$stamp.partial"
    rm -rf "$partial" && mkdir -p "$partial" || return 1
    # Each step checked by hand: `set -e` does not hold inside a function called from `||`.
    pg_dump --format=custom --file="$partial/kepu.dump" || return 1
    if [ -d "$MEDIA_DIR" ]; then
        tar -czf "$partial/media.tar.gz" -C "$(dirname "$MEDIA_DIR")" "$(basename "$MEDIA_DIR")" || return 1
    fi
    # Renamed when whole: a kepu-* folder is always a complete backup.
    mv "$partial" "$BACKUP_DIR/kepu-$stamp" || return 1
    echo "backup written to $BACKUP_DIR/kepu-$stamp"
    newest=$(ls -1d "$BACKUP_DIR"/kepu-* | sort | tail -n 1)
    find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name 'kepu-*' -mtime +"$BACKUP_KEEP_DAYS" \
        ! -path "$newest" -exec rm -rf {} +
}

mkdir -p "$BACKUP_DIR"
if [ "${1:-}" = "once" ]; then
    backup_once
    exit $?
fi
hour=$(printf %02d "$BACKUP_HOUR")
echo "nightly backups at $hour:00 ($(date +%Z)) into $BACKUP_DIR, kept $BACKUP_KEEP_DAYS days"
while true; do
    today=$(date +%Y%m%d)
    if [ "$(date +%H)" = "$hour" ] && [ -z "$(find "$BACKUP_DIR" -maxdepth 1 -name "kepu-$today-*" -print)" ]; then
        backup_once || echo "backup failed; trying again in 5 minutes" >&2
    fi
    sleep 300
done
