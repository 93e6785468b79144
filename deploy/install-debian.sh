#!/usr/bin/env bash
# deploy/install-debian.sh HOSTNAME — the whole platform on ONE Debian 12 machine, as root, from
# Debian's packages: PostgreSQL, Redis, Python; gunicorn and Huey from requirements.lock in a
# virtualenv; systemd units for the web server, WORKERS background workers (default 2) and a
# nightly backup. Run it from the clone that will be served (e.g. /opt/jczl). Safe to run again:
# existing secrets, database and settings are kept. What it does is the README's "Production".
#   WORKERS=2  WEB_WORKERS=<2×cores+1, ≤8>  APP_USER=jczl  DB_NAME=jczl
set -euo pipefail
HOST="${1:?usage: deploy/install-debian.sh HOSTNAME (the name users reach the platform by)}"
DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$DEPLOY")"
APP_USER="${APP_USER:-jczl}"
DB_NAME="${DB_NAME:-jczl}"
WORKERS="${WORKERS:-2}"
ETC=/etc/jczl
VAR=/var/lib/jczl
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
# the services run as systemd units: refuse before installing anything where systemd is not init
# (a container, a chroot) — there, follow the README's "The same by hand"
[ -d /run/systemd/system ] || {
  echo "systemd is not running as init (PID 1): this script installs systemd units. Without systemd, follow README.md, 生产部署 / Production, \"The same by hand\"." >&2
  exit 1
}

echo "==> Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql postgresql-client redis-server python3 python3-venv ca-certificates curl >/dev/null
systemctl enable --now postgresql redis-server

echo "==> user $APP_USER, $ETC, $VAR"
id "$APP_USER" >/dev/null 2>&1 || useradd --system --home-dir "$VAR" --shell /usr/sbin/nologin "$APP_USER"
install -d -o "$APP_USER" -g "$APP_USER" -m 0750 "$VAR" "$VAR/media" "$VAR/static" "$VAR/backups"
install -d -o root -g "$APP_USER" -m 0750 "$ETC"

echo "==> secrets"
umask 027
for key in secret_key personal_data_key audit_chain_key; do
  if [ ! -s "$ETC/$key" ]; then python3 -c 'import secrets; print(secrets.token_urlsafe(64))' > "$ETC/$key"; fi
  chown root:"$APP_USER" "$ETC/$key"
  chmod 0640 "$ETC/$key"
done
if [ ! -s "$ETC/database_url" ]; then
  pw="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
  echo "postgres://$APP_USER:$pw@127.0.0.1:5432/$DB_NAME" > "$ETC/database_url"
fi
chown root:"$APP_USER" "$ETC/database_url"
chmod 0640 "$ETC/database_url"

echo "==> PostgreSQL role and database $DB_NAME"
pw="$(sed -E 's|^postgres://[^:]+:([^@]+)@.*$|\1|' "$ETC/database_url")"
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<SQL
SELECT 'CREATE ROLE $APP_USER LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER')\gexec
ALTER ROLE $APP_USER WITH LOGIN PASSWORD '$pw';
SELECT 'CREATE DATABASE $DB_NAME OWNER $APP_USER ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME')\gexec
SQL

echo "==> settings $ETC/platform.env"
if [ ! -f "$ETC/platform.env" ]; then
  sed -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=$HOST|" \
      -e "s|^CSRF_TRUSTED_ORIGINS=.*|CSRF_TRUSTED_ORIGINS=https://$HOST|" \
      -e "s|^WEB_WORKERS=.*|WEB_WORKERS=${WEB_WORKERS:-$(( $(nproc) * 2 + 1 > 8 ? 8 : $(nproc) * 2 + 1 ))}|" \
      "$DEPLOY/platform.env.example" > "$ETC/platform.env"
  chown root:"$APP_USER" "$ETC/platform.env"
  chmod 0640 "$ETC/platform.env"
fi

echo "==> Python packages (requirements.lock) in $REPO/.venv"
[ -x "$REPO/.venv/bin/python" ] || python3 -m venv "$REPO/.venv"
"$REPO/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$REPO/requirements.lock"

echo "==> migrations, static files, deployment checks"
runuser -u "$APP_USER" -- env PLATFORM_ENV="$ETC/platform.env" "$DEPLOY/migrate.sh"

echo "==> systemd units"
for unit in jczl-web.service jczl-worker@.service jczl-backup.service jczl-backup.timer; do
  sed "s|@REPO@|$REPO|g" "$DEPLOY/systemd/$unit" > "/etc/systemd/system/$unit"
done
systemctl daemon-reload
systemctl enable --now jczl-web.service jczl-backup.timer
for n in $(seq 1 "$WORKERS"); do systemctl enable --now "jczl-worker@$n.service"; done
systemctl reload jczl-web.service  # new workers pick up the collected static files

bind="$(sed -n 's/^WEB_BIND=//p' "$ETC/platform.env")"
for _ in $(seq 1 60); do
  if curl -fsS "http://$bind/readyz" >/dev/null 2>&1; then
    echo "ready: http://$bind/readyz — put the TLS proxy for https://$HOST/ in front of it."
    echo "Next: runuser -u $APP_USER -- env PLATFORM_ENV=$ETC/platform.env $DEPLOY/manage.sh create_administrator <name> security_admin (then system_admin, audit_admin)"
    exit 0
  fi
  sleep 1
done
echo "the web server did not become ready; see: journalctl -u jczl-web -u 'jczl-worker@*'" >&2
exit 1
