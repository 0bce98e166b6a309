# shellcheck shell=bash
# Sourced by docker/images-offline.sh and docker/compose-test.sh (bash): rootful podman made usable here.
#   - installs podman, runc, mmdebstrap, netavark, aardvark-dns and iptables through apt when missing;
#   - writes a containers.conf under $TABLESCAN_PODMAN_WORK and points CONTAINERS_CONF at it (/etc is
#     left alone): runc, since crun refuses hybrid cgroups (v1 controllers + a v2 mount), and ulimits
#     no higher than this machine's own hard limits, since podman's defaults (nofile 1048576, nproc
#     4194304) cannot be raised without CAP_SYS_RESOURCE;
#   - puts podman-compose 1.6 from PyPI in its own venv (Debian's 1.0.3 ignores depends_on conditions
#     and passes ${VAR:-} through literally) and sets PODMAN_COMPOSE to it.
# Needs root. Nothing is installed or written when it is all there already.

TABLESCAN_PODMAN_WORK=${TABLESCAN_PODMAN_WORK:-/var/tmp/tablescan-podman}
PODMAN_COMPOSE_SPEC=${PODMAN_COMPOSE_SPEC:-podman-compose>=1.6,<1.7}

declare -F say >/dev/null || say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
declare -F die >/dev/null || die() { say "ERROR: $*"; exit 1; }

podman_env_packages() {
  [ "$(id -u)" -eq 0 ] || die "run as root: rootful podman, apt-get and mmdebstrap need it"
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

podman_env_conf() {
  mkdir -p "$TABLESCAN_PODMAN_WORK"
  local nofile nproc pid_max conf=$TABLESCAN_PODMAN_WORK/containers.conf
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu); pid_max=$(cat /proc/sys/kernel/pid_max)
  [ "$nofile" = unlimited ] && nofile=$(cat /proc/sys/fs/nr_open)
  [ "$nproc" = unlimited ] && nproc=$pid_max
  # podman lowers its own hard nproc to kernel.pid_max at start, so a container cannot be given more
  ((nproc > pid_max)) && nproc=$pid_max
  cat > "$conf.new" <<EOF
# written by docker/podman-env.sh; used through CONTAINERS_CONF (podman then reads no other containers.conf)
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
EOF
  mv "$conf.new" "$conf"
  export CONTAINERS_CONF=$conf
}

podman_env_compose() {
  local venv=$TABLESCAN_PODMAN_WORK/podman-compose-venv
  if ! "$venv/bin/podman-compose" --version >/dev/null 2>&1; then
    say "installing podman-compose from PyPI into $venv"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q "$PODMAN_COMPOSE_SPEC"
  fi
  # shellcheck disable=SC2034  # used by the scripts that source this file
  PODMAN_COMPOSE=$venv/bin/podman-compose
}

podman_env() {
  podman_env_packages podman runc mmdebstrap netavark aardvark-dns iptables python3-venv curl ca-certificates
  podman_env_conf
  podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.NetworkBackend}}' >/dev/null 2>&1 \
    || { podman info >&2 || true; die "podman does not work here (see above)"; }
  podman_env_compose
}
