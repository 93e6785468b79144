#!/usr/bin/env bash
# deploy/migrate.sh — run once per release, before (re)starting web and worker processes:
# applies migrations, collects static files (hashed, compressed) into VAR_DIR/static, and runs
# Django's deployment checks. Safe to repeat.
set -euo pipefail
. "$(dirname "$0")/common.sh"
"$PY" "$DEPLOY/preflight.py" migrate
cd "$REPO/src"
"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput -v 0
"$PY" manage.py check --deploy
