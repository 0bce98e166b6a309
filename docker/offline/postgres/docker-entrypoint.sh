#!/usr/bin/env bash
# Entry point of the postgres:16 stand-in: the parts of the official image's that compose files rely on.
# On first start with an empty $PGDATA: initdb as POSTGRES_USER (default postgres) with POSTGRES_PASSWORD,
# UTF8 encoding (locale C.UTF-8, or POSTGRES_INITDB_ARGS), password (scram-sha-256) logins over TCP from
# anywhere (POSTGRES_HOST_AUTH_METHOD to change), trust over the local socket (so `pg_isready` and
# `psql -U ...` inside the container work), the database POSTGRES_DB (default POSTGRES_USER), then
# /docker-entrypoint-initdb.d/*.sh, *.sql and *.sql.gz. Then the server runs in the foreground as postgres.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  POSTGRES_USER=${POSTGRES_USER:-postgres}
  POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo "postgres stand-in: the database is uninitialised and POSTGRES_PASSWORD is not set" >&2
    echo "  (set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow logins without one)" >&2
    exit 1
  fi
  echo "postgres stand-in: initialising $PGDATA (PostgreSQL $PG_MAJOR from Debian, encoding UTF8)"
  pwargs=()
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    pwargs=(--pwfile="$pwfile")
  fi
  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is split, as the official image splits it
  initdb --username="$POSTGRES_USER" "${pwargs[@]}" \
         --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host="$auth" \
         ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  [ -z "${pwfile:-}" ] || rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

  # A server while the database is made, on a socket of its own and no TCP: `pg_isready` (a healthcheck)
  # answers "accepting connections" to any server, so it must not see this one and call it ready.
  initsock=$(mktemp -d)
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories='$initsock'" -w start
  export PGHOST=$initsock PGUSER=$POSTGRES_USER PGPASSWORD=${POSTGRES_PASSWORD:-}
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --no-psqlrc --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    # shellcheck disable=SC1090
    case "$f" in
      *.sh)     echo "running $f"; . "$f" ;;
      *.sql)    echo "running $f"; psql -v ON_ERROR_STOP=1 --no-psqlrc --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | psql -v ON_ERROR_STOP=1 --no-psqlrc --dbname "$POSTGRES_DB" ;;
      *)        if [ -e "$f" ]; then echo "ignoring $f"; fi ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGHOST PGPASSWORD
  rmdir "$initsock"
  echo "postgres stand-in: ready for start up"
fi

exec "$@"
