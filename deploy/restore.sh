#!/usr/bin/env bash
# deploy/restore.sh FILE [--yes] — restore a deploy/backup.sh dump into DATABASE_URL.
#
# Stop the web and worker processes first. Every object in the dump is dropped and re-created in
# the target database (pg_restore --clean --if-exists), in one transaction: on any error nothing
# changes. Objects are owned by the connecting role (--no-owner), so a dump restores into another
# installation's database too. Without --yes the script asks before overwriting a database that
# already holds platform tables. <FILE>.media.tar.gz, when present, is unpacked into MEDIA_ROOT.
# Afterwards run deploy/migrate.sh (a dump of an older release is brought up to this code). The
# audit chain's anchor file is left as it is: it is the witness that `manage.py verify_audit`
# compares the restored chain with (<FILE>.anchors.jsonl holds the anchors as of the dump).
set -euo pipefail
. "$(dirname "$0")/common.sh"
file="${1:?usage: deploy/restore.sh FILE [--yes]}"
yes="${2:-}"
[ -f "$file" ] || { echo "no such backup: $file" >&2; exit 2; }
pg_restore --list "$file" >/dev/null
url="$("$PY" "$DEPLOY/dburl.py")"
tables="$(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$url" \
  -c "select count(*) from pg_tables where schemaname = 'public'")"
if [ "$tables" != 0 ] && [ "$yes" != "--yes" ]; then
  echo "the target database holds $tables tables: overwrite them from $file? [y/N]" >&2
  answer=""
  read -r answer || true
  [ "$answer" = y ] || { echo "not restored (answer y, or pass --yes)" >&2; exit 1; }
fi
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$url" "$file"
VAR_DIR="${VAR_DIR:-$REPO/var}"
MEDIA_ROOT="${MEDIA_ROOT:-$VAR_DIR/media}"
if [ -f "$file.media.tar.gz" ]; then
  mkdir -p "$MEDIA_ROOT"
  tar -C "$MEDIA_ROOT" -xzf "$file.media.tar.gz"
fi
echo "restored $file"
