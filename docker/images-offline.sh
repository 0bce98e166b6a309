#!/usr/bin/env bash
# Build every image docker/compose.yaml needs from Debian packages, for a site that reaches no container
# registry (only its Debian mirror and PyPI), into rootful podman's store:
#   1. localhost/tablescan-offline/debian:bookworm  a Debian bookworm minbase made by mmdebstrap from this
#      host's own apt sources (and the apt proxy/validity settings it uses), with this host's extra CA
#      certificates (/usr/local/share/ca-certificates) trusted, imported with `podman import`;
#   2. on top of it, stand-ins for the images compose names:
#        python:3.11-slim-bookworm  Debian's python3 3.11 with a venv (pip) first on PATH
#        redis:7                    Debian's redis-server 7.0
#        postgres:16                Debian's PostgreSQL 15 (bookworm has no 16), official-image entry point
#   3. the tablescan image itself (docker/Dockerfile, unchanged) as tablescan:local, the name compose uses.
# Run as root; installs podman, runc, mmdebstrap (and podman-compose, in a venv) when missing.
#   docker/images-offline.sh               all of it
#   NO_APP=1 docker/images-offline.sh      without the tablescan image (compose builds it on `up`)
#   APT_SOURCES="/path/a.sources ..."       other apt sources than the host's active ones
# Work files go to $TABLESCAN_PODMAN_WORK (default /var/tmp/tablescan-podman); the images stay in podman.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=docker/podman-env.sh
. "$HERE/podman-env.sh"

SUITE=bookworm   # the stand-ins are bookworm's packages (python3 is 3.11 there)
BASE_IMAGE=${BASE_IMAGE:-localhost/tablescan-offline/debian:$SUITE}
APP_IMAGE=${TABLESCAN_IMAGE:-tablescan:local}   # keep in step with `image:` in docker/compose.yaml
started=$(date +%s)

podman_env

# the images these names point at now, to remove once a new build has taken their names
tags=("$BASE_IMAGE" localhost/python:3.11-slim-bookworm localhost/redis:7 localhost/postgres:16 localhost/postgres:15)
[ -n "${NO_APP:-}" ] || tags+=("$APP_IMAGE")
old_ids=()
for t in "${tags[@]}"; do
  if id=$(podman image inspect --format '{{.Id}}' "$t" 2>/dev/null); then old_ids=("$id" "${old_ids[@]}"); fi
done

# --- 1. the base: mmdebstrap from the host's apt sources -------------------------------------------------
if [ -z "${APT_SOURCES:-}" ]; then
  APT_SOURCES=""
  [ -f /etc/apt/sources.list ] && grep -q '^[[:space:]]*deb' /etc/apt/sources.list && APT_SOURCES=/etc/apt/sources.list
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && APT_SOURCES="$APT_SOURCES $f"
  done
fi
case "$HERE" in *[[:space:]]*) die "mmdebstrap's copy-in hooks cannot take a path with spaces: $HERE";; esac
[ -n "${APT_SOURCES// /}" ] || die "no apt sources found on this host; set APT_SOURCES"
# shellcheck disable=SC2086
grep -qw "$SUITE" $APT_SOURCES || die "the apt sources ($APT_SOURCES) name no '$SUITE' suite"

# how this host reaches its mirror: proxies and validity checks (a snapshot mirror's Release files expire)
aptopts=()
while IFS= read -r line; do aptopts+=(--aptopt="$line"); done < <(
  apt-config dump | grep -E '^Acquire::((https?|ftp)::[Pp]roxy|Check-Valid-Until|Check-Date|Retries)\b' || true)

# the host's own extra CA certificates (e.g. a site proxy's), so apt, pip and curl inside trust them too
extra_ca=()
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
  extra_ca=(--customize-hook='sync-in /usr/local/share/ca-certificates /usr/local/share/ca-certificates')
fi

workdir=$TABLESCAN_PODMAN_WORK/offline
mkdir -p "$workdir"
rootfs=$workdir/debian-$SUITE-minbase.tar
say "mmdebstrap --variant=minbase $SUITE from:$APT_SOURCES"
# the hooks' "$1" is the chroot, expanded by mmdebstrap's shell; APT_SOURCES is a list of files. With
# docker-clean in place mmdebstrap's own `apt-get clean` no longer finds apt's *.bin caches: removed here.
# shellcheck disable=SC2016,SC2086
mmdebstrap --variant=minbase --mode=root --format=tar --include=ca-certificates \
  "${aptopts[@]}" "${extra_ca[@]}" \
  --customize-hook='chroot "$1" update-ca-certificates --fresh >/dev/null' \
  --customize-hook="copy-in $HERE/offline/base/policy-rc.d /usr/sbin" \
  --customize-hook="copy-in $HERE/offline/base/docker-clean /etc/apt/apt.conf.d" \
  --customize-hook='chmod 755 "$1/usr/sbin/policy-rc.d"; chmod 644 "$1/etc/apt/apt.conf.d/docker-clean"' \
  --customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf" "$1"/var/cache/apt/*.bin' \
  "$SUITE" "$rootfs.part" $APT_SOURCES 2> "$workdir/mmdebstrap.log" \
  || { tail -30 "$workdir/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $workdir/mmdebstrap.log)"; }
mv "$rootfs.part" "$rootfs"
say "podman import -> $BASE_IMAGE ($(du -h "$rootfs" | cut -f1) tar)"
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  --message "Debian $SUITE minbase by mmdebstrap (docker/images-offline.sh)" \
  --quiet "$rootfs" "$BASE_IMAGE" >/dev/null
rm -f "$rootfs"

# --- 2. stand-ins for the images compose names -------------------------------------------------------------
standin() {  # standin DIR TAG...
  local dir=$1; shift
  local tags=() t
  for t in "$@"; do tags+=(-t "$t"); done
  say "podman build docker/offline/$dir -> $*"
  podman build --pull=never --build-arg BASE="$BASE_IMAGE" "${tags[@]}" -f "$HERE/offline/$dir/Containerfile" \
    "$HERE/offline/$dir" > "$workdir/build-$dir.log" 2>&1 \
    || { tail -30 "$workdir/build-$dir.log" >&2; die "building the $dir stand-in failed (log: $workdir/build-$dir.log)"; }
}
standin python localhost/python:3.11-slim-bookworm
standin redis localhost/redis:7
standin postgres localhost/postgres:16 localhost/postgres:15

# --- 3. the tablescan image, from the unchanged docker/Dockerfile ------------------------------------------
if [ -z "${NO_APP:-}" ]; then
  say "podman build docker/Dockerfile -> $APP_IMAGE (apt in the image, then pip from PyPI: a few minutes)"
  podman build --pull=never -t "$APP_IMAGE" -f "$ROOT/docker/Dockerfile" "$ROOT" > "$workdir/build-tablescan.log" 2>&1 \
    || { tail -30 "$workdir/build-tablescan.log" >&2; die "building $APP_IMAGE failed (log: $workdir/build-tablescan.log)"; }
fi

for id in "${old_ids[@]}"; do  # newest layers first: the app image, then the stand-ins, then the base
  if [ "$(podman image inspect --format '{{len .RepoTags}}' "$id" 2>/dev/null)" = 0 ]; then
    podman rmi "$id" >/dev/null 2>&1 || true   # still in use by a container: left alone
  fi
done

say "done in $(( $(date +%s) - started ))s:"
podman images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' \
  | grep -E "tablescan-offline/debian|/python:3.11-slim-bookworm|/redis:7|/postgres:1[56]|/tablescan:" >&2 || true
