# Sourced by the deploy scripts: where things are, and the optional environment file.
#   PLATFORM_ENV=/etc/jczl/platform.env   read (KEY=value lines) before anything else, when set;
#                                         a variable the caller already exported wins over the file
#   PLATFORM_VENV=<repo>/.venv            the virtualenv made from requirements.lock
DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$DEPLOY")"
if [ -n "${PLATFORM_ENV:-}" ]; then
  _given="$(export -p | grep -v "^declare -[a-zA-Z]*r")"   # what the caller set (WEB_BIND=… deploy/web.sh) wins
  set -a
  # shellcheck disable=SC1090
  . "$PLATFORM_ENV"
  set +a
  eval "$_given"
  unset _given
fi
VENV="${PLATFORM_VENV:-$REPO/.venv}"
PY="$VENV/bin/python"
export DJANGO_SETTINGS_MODULE=config.settings
export PYTHONUNBUFFERED=1
if [ ! -x "$PY" ]; then
  echo "no virtualenv at $VENV: python3 -m venv $VENV && $VENV/bin/pip install -r $REPO/requirements.lock" >&2
  exit 78
fi
