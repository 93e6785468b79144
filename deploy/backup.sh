#!/usr/bin/env bash
# deploy/backup.sh [FILE] — a consistent backup of the platform's PostgreSQL database while it runs.
#
# pg_dump's custom format (-Fc: compressed, restorable table by table, one snapshot so rows written
# during the dump are either all in or all out) of DATABASE_URL (or DATABASE_URL_FILE) into FILE,
# default $BACKUP_DIR/jczl-<UTC time>.dump (BACKUP_DIR default $VAR_DIR/backups). The dump is then
# read back (`pg_restore --list`) so a truncated file is reported at once, and the uploaded files
# (MEDIA_ROOT, default $VAR_DIR/media) are archived beside it as <FILE>.media.tar.gz, the audit
# chain's anchor file (AUDIT_ANCHOR_FILE) copied as <FILE>.anchors.jsonl. Backups older
# than the newest BACKUP_KEEP (default 14) in BACKUP_DIR are removed. Prints the dump's path.
# The client tools must be at least the server's major version (Debian: postgresql-client).
set -euo pipefail
. "$(dirname "$0")/common.sh"
url="$("$PY" "$DEPLOY/dburl.py")"
VAR_DIR="${VAR_DIR:-$REPO/var}"
BACKUP_DIR="${BACKUP_DIR:-$VAR_DIR/backups}"
MEDIA_ROOT="${MEDIA_ROOT:-$VAR_DIR/media}"
file="${1:-$BACKUP_DIR/jczl-$(date -u +%Y%m%dT%H%M%SZ).dump}"
mkdir -p "$(dirname "$file")"
umask 077
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$file.partial" --dbname="$url"
pg_restore --list "$file.partial" >/dev/null
mv "$file.partial" "$file"
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT" 2>/dev/null)" ]; then
  tar -C "$MEDIA_ROOT" -czf "$file.media.tar.gz" .
fi
anchors="${AUDIT_ANCHOR_FILE:-$VAR_DIR/audit-anchors.jsonl}"
if [ -f "$anchors" ]; then cp "$anchors" "$file.anchors.jsonl"; fi
if [ -z "${1:-}" ]; then
  # keep the newest BACKUP_KEEP automatic backups
  ls -1t "$BACKUP_DIR"/jczl-*.dump 2>/dev/null | tail -n +"$(( ${BACKUP_KEEP:-14} + 1 ))" | while read -r old; do
    rm -f "$old" "$old.media.tar.gz" "$old.anchors.jsonl"
  done
fi
echo "$file"
