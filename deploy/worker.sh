#!/usr/bin/env bash
# deploy/worker.sh — one Huey consumer on Redis (REDIS_URL) with WORKER_THREADS threads (default 4).
# Run as many as needed, on any machines. WORKER_PERIODIC=1 makes this consumer also schedule the
# periodic tasks (outbox safety net, sweeps): exactly one consumer in the whole installation should;
# the default is on for WORKER_INSTANCE=1 (systemd jczl-worker@1) and off for the others.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ -z "${REDIS_URL:-}${REDIS_URL_FILE:-}" ]; then
  echo "拒绝启动：生产环境的后台任务需要 Redis，请设置 REDIS_URL（或 REDIS_URL_FILE） (refused to start)" >&2
  exit 78
fi
"$PY" "$DEPLOY/preflight.py" worker
if [ -z "${WORKER_PERIODIC:-}" ]; then
  if [ "${WORKER_INSTANCE:-1}" = 1 ]; then WORKER_PERIODIC=1; else WORKER_PERIODIC=0; fi
fi
args=(--workers "${WORKER_THREADS:-4}" --worker-type thread)
if [ "$WORKER_PERIODIC" != 1 ]; then args+=(--no-periodic); fi
cd "$REPO/src"
exec "$PY" manage.py run_huey "${args[@]}"
