#!/bin/sh
# Entry point of the redis:7 stand-in: what the official image's does, for Debian's redis-server.
set -e
# `docker run redis:7 --appendonly yes` and `... /path/redis.conf` go to redis-server, as in the official image
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  case "${1:-}" in  # answered by redis-server only as its first argument
    -v|--version|-h|--help|--test-memory|--check-system) exec redis-server "$@" ;;
  esac
  # The official image builds Redis with protected mode off, so that other containers may connect
  # without a password; Debian's keeps it on. Turn it off ahead of the caller's own options (a later
  # option wins), after a configuration file if one is given first.
  if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then
    conf=$1; shift
    set -- redis-server "$conf" --protected-mode no "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
