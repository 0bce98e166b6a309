#!/usr/bin/env bash
# End-to-end test of docker/compose.yaml: bring the whole stack up (postgres, redis, migrate, api, two
# workers, watcher), wait for /healthz to count 2 workers, upload samples/sample-report.pdf
# (POST /documents, field `files`), wait for GET /documents/{id} to say `done`, and tear everything
# down, volumes included, whether it passed or not. Takes minutes and about 1.5 GB of images; not for CI.
#
#   docker/compose-test.sh                      rootful podman + podman-compose (installed when missing);
#                                               the images come from docker/images-offline.sh, which runs
#                                               first if the stand-ins are not in podman's store yet
#   COMPOSE_ENGINE=docker docker/compose-test.sh   Docker Engine + Docker Compose v2 instead
#
# The stack comes up in stages because podman 4.3 cannot wait for `service_healthy` (podman-compose
# skips that condition there): postgres and redis, then postgres's own healthcheck until it passes,
# then migrate to completion, then api, worker and watcher without their dependencies.
# Settings: API_PORT (18000), DOC_TIMEOUT seconds (1200), HEALTH_TIMEOUT seconds (300),
#           COMPOSE_PROJECT (tablescan-compose-test), KEEP=1 leaves the stack running.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ENGINE=${COMPOSE_ENGINE:-podman}
PROJECT=${COMPOSE_PROJECT:-tablescan-compose-test}
export API_PORT=${API_PORT:-18000}
DOC_TIMEOUT=${DOC_TIMEOUT:-1200}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-300}
SAMPLE=$ROOT/samples/sample-report.pdf
BASE_URL=http://127.0.0.1:$API_PORT
started=$(date +%s)

say() { printf '%s [%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - started ))" "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

case "$ENGINE" in
  podman)
    # shellcheck source=docker/podman-env.sh
    . "$HERE/podman-env.sh"
    podman_env
    COMPOSE=("$PODMAN_COMPOSE" --project-name "$PROJECT" -f "$HERE/compose.yaml")
    missing=()
    for image in python:3.11-slim-bookworm redis:7 postgres:16; do
      podman image exists "$image" || missing+=("$image")
    done
    if ((${#missing[@]})); then
      if [ "${OFFLINE_IMAGES:-auto}" = never ]; then
        die "not in podman's store: ${missing[*]} (run docker/images-offline.sh)"
      fi
      say "not in podman's store: ${missing[*]}; building them from Debian packages (docker/images-offline.sh)"
      NO_APP=1 "$HERE/images-offline.sh"
    fi
    ;;
  docker)
    docker compose version >/dev/null 2>&1 || die "COMPOSE_ENGINE=docker needs Docker Compose v2 (docker compose)"
    COMPOSE=(docker compose --project-name "$PROJECT" -f "$HERE/compose.yaml")
    ;;
  *) die "COMPOSE_ENGINE is podman or docker, not '$ENGINE'" ;;
esac

command -v curl >/dev/null || die "curl is needed"
[ -f "$SAMPLE" ] || die "no $SAMPLE"
if (exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null; then
  die "port $API_PORT is taken already; choose another with API_PORT=..."
fi

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/tablescan-compose-test.XXXXXX")
export INBOX_DIR=$WORK/inbox ADMIN_PASSWORD_FILE=$WORK/admin_password
API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))'); export API_TOKEN
python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$ADMIN_PASSWORD_FILE"
AUTH=(-H "Authorization: Bearer $API_TOKEN")
mkdir -p "$INBOX_DIR"

compose() { "${COMPOSE[@]}" "$@"; }
# the name of one container of a service (both engines label them the same way)
container() {
  "$ENGINE" ps -a --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -1
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ]; then
    say "state of the stack at the failure:"
    "$ENGINE" ps -a --filter "label=com.docker.compose.project=$PROJECT" \
      --format '{{.Names}}  {{.Status}}' >&2 || true
    say "last lines of every container's log:"
    compose logs --no-color --tail 25 >&2 2>&1 || true
  fi
  if [ -n "${KEEP:-}" ]; then
    say "KEEP=1: leaving the stack up (inbox $INBOX_DIR); remove it with:"
    say "  ${CONTAINERS_CONF:+CONTAINERS_CONF=$CONTAINERS_CONF }${COMPOSE[*]} down -v; rm -rf $WORK"
  else
    say "tearing down (containers, network, volumes)"
    # podman-compose's `down -v` removes the named volumes but not the anonymous ones of images'
    # VOLUMEs that compose does not mount over; note them first
    local anon
    anon=$("$ENGINE" ps -aq --filter "label=com.docker.compose.project=$PROJECT" \
      | xargs -r "$ENGINE" inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' \
      2>/dev/null || true)
    compose down -v >/dev/null 2>&1 || compose down -v >&2 || true
    for v in $anon; do
      "$ENGINE" volume rm "$v" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
  fi
  say "$([ "$rc" -eq 0 ] && echo PASS || echo "FAIL (exit $rc)") in $(( $(date +%s) - started ))s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# leftovers of an earlier run that was killed
compose down -v >/dev/null 2>&1 || true

say "building the tablescan image (cached when nothing changed)"
app_image=${TABLESCAN_IMAGE:-tablescan:local}
old_app=$("$ENGINE" image inspect --format '{{.Id}}' "$app_image" 2>/dev/null || true)
compose build migrate >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; die "build failed"; }
# the image it replaces, unless something still uses it
if [ -n "$old_app" ] && [ "$("$ENGINE" image inspect --format '{{len .RepoTags}}' "$old_app" 2>/dev/null)" = 0 ]; then
  "$ENGINE" rmi "$old_app" >/dev/null 2>&1 || true
fi

say "stage 1: postgres and redis"
case "$ENGINE" in
  podman)
    compose up -d postgres redis >"$WORK/up1.log" 2>&1 || { cat "$WORK/up1.log" >&2; die "up postgres redis"; }
    pg=$(container postgres)
    [ -n "$pg" ] || die "no postgres container"
    # podman 4.3 runs no healthcheck timers without systemd, so run compose's healthcheck by hand
    for ((i = 0; ; i++)); do
      podman healthcheck run "$pg" >/dev/null 2>&1 && break
      ((i < 120)) || die "postgres not healthy after 120 tries"
      sleep 1
    done
    ;;
  docker)
    compose up -d --wait postgres redis >&2 || die "up postgres redis"
    ;;
esac
redis=$(container redis)
"$ENGINE" exec "$redis" redis-cli ping | grep -q PONG || die "redis does not answer PING"
say "postgres is healthy ($("$ENGINE" exec "$(container postgres)" psql -U tablescan -d tablescan -tAc \
  "select 'PostgreSQL ' || current_setting('server_version') || ', database ' || datname || ' in '
          || pg_encoding_to_char(encoding) from pg_database where datname = current_database()")), redis answers PING"

say "stage 2: migrate"
compose up -d --no-deps migrate >"$WORK/up2.log" 2>&1 || { cat "$WORK/up2.log" >&2; die "up migrate"; }
migrate=$(container migrate)
rc=$("$ENGINE" wait "$migrate" | tail -1)
"$ENGINE" logs "$migrate" 2>&1 | tail -5 | sed 's/^/  migrate| /' >&2
[ "$rc" = 0 ] || die "migrate exited with $rc"

say "stage 3: api, worker (replicas: 2) and watcher"
compose up -d --no-deps api worker watcher >"$WORK/up3.log" 2>&1 || { cat "$WORK/up3.log" >&2; die "up api worker watcher"; }
"$ENGINE" ps --filter "label=com.docker.compose.project=$PROJECT" --format '  {{.Names}}  {{.Status}}' >&2

say "waiting for $BASE_URL/healthz to report 2 workers"
deadline=$(( $(date +%s) + HEALTH_TIMEOUT )); health=""
while :; do
  health=$(curl -fsS --max-time 5 "$BASE_URL/healthz" 2>/dev/null || true)
  if [ -n "$health" ] && python3 -c 'import json, sys; h = json.loads(sys.argv[1]);
sys.exit(not (h["database"] == "ok" and h["redis"] == "ok" and h["workers"] == 2))' "$health"; then
    break
  fi
  (( $(date +%s) < deadline )) || die "healthz after ${HEALTH_TIMEOUT}s: ${health:-no answer}"
  sleep 2
done
say "healthz: $health"

anonymous=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE_URL/documents" || true)
[ "$anonymous" = 401 ] || die "GET /documents without a token answered $anonymous, not 401"
say "GET /documents without a token: 401"

say "uploading samples/sample-report.pdf"
uploaded=$(curl -fsS --max-time 60 "${AUTH[@]}" -F "files=@$SAMPLE;type=application/pdf" "$BASE_URL/documents") \
  || die "upload failed"
say "POST /documents: $uploaded"
doc=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["ids"][0])' "$uploaded")

deadline=$(( $(date +%s) + DOC_TIMEOUT )); last=""
while :; do
  detail=$(curl -fsS --max-time 10 "${AUTH[@]}" "$BASE_URL/documents/$doc" || true)
  line=$(python3 -c 'import json, sys; d = json.loads(sys.argv[1]);
print(d["status"], "pages %s/%s" % (d.get("pages_done"), d.get("page_count")), d.get("error") or "")' "$detail" 2>/dev/null \
    || echo "unreadable answer: ${detail:0:200}")
  [ "$line" = "$last" ] || say "GET /documents/$doc: $line"
  last=$line
  case "$line" in
    "done "*) break ;;
    done_with_errors*|failed*) die "document $doc ended as: $line" ;;
  esac
  (( $(date +%s) < deadline )) || die "document $doc not done after ${DOC_TIMEOUT}s"
  sleep 3
done

tables=$(curl -fsS --max-time 30 "${AUTH[@]}" "$BASE_URL/documents/$doc/export.json" \
  | python3 -c 'import json, sys; d = json.load(sys.stdin); t = [t for p in d["pages"] for t in p.get("tables") or []]
print(len(d["pages"]), "pages,", len(t), "tables,", sum(len(x.get("cells") or []) for x in t), "cells, report year",
      d.get("report_year"), "issued by", d.get("issuing_body"))' 2>/dev/null || echo "export unreadable")
say "document $doc is done; export.json: $tables"
for svc in api worker watcher; do
  state=$("$ENGINE" inspect -f '{{.State.Status}}' "$(container "$svc")")
  [ "$state" = running ] || die "$svc is $state"
done
say "api, workers and watcher still running"
