#!/usr/bin/env bash
# deploy/web.sh — one web server: gunicorn (gthread) with WEB_WORKERS processes × WEB_THREADS threads
# on WEB_BIND (default 127.0.0.1:8000), static files by WhiteNoise from `collectstatic`'s output.
# Run on every web machine; stateless. Probes: /healthz (alive), /readyz (ready to serve).
set -euo pipefail
. "$(dirname "$0")/common.sh"
"$PY" "$DEPLOY/preflight.py" web
cd "$REPO/src"
exec "$VENV/bin/gunicorn" --config "$DEPLOY/gunicorn.conf.py" config.wsgi:application
