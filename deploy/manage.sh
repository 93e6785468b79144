#!/usr/bin/env bash
# deploy/manage.sh COMMAND [ARGS…] — manage.py with the production environment (PLATFORM_ENV),
# e.g. `deploy/manage.sh create_administrator alice security_admin`, `deploy/manage.sh dispatch_outbox`.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$REPO/src"
exec "$PY" manage.py "$@"
