#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server from the machine's packages, as a non-root user, for the
# real-PostgreSQL tests. Prints the admin URL on the last line of stdout.
#   scripts/postgres-for-tests.sh start [DIR] [PORT]   (default DIR=/tmp/sellerlink-pg, PORT=54329)
#   scripts/postgres-for-tests.sh stop  [DIR]
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/sellerlink-pg}
port=${3:-54329}

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && echo "$found"
}

as_user() {
  # PostgreSQL refuses to run as root: use the 'postgres' account (created by the package).
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

if [ "$cmd" = stop ]; then
  pg_ctl=$(find_bin pg_ctl)
  [ -n "$pg_ctl" ] && as_user "'$pg_ctl' -D '$dir/data' stop -m fast" >/dev/null 2>&1 || true
  exit 0
fi

if [ -z "$(find_bin initdb)" ]; then
  echo "installing PostgreSQL from Debian's packages..." >&2
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed and this user cannot apt-get install it" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
initdb=$(find_bin initdb)
pg_ctl=$(find_bin pg_ctl)
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

if [ -f "$dir/data/postmaster.pid" ] && as_user "'$pg_ctl' -D '$dir/data' status" >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  # The server user must be able to reach its directory (mktemp -d parents are 0700).
  parent=$(dirname "$dir")
  while [ "$parent" != / ]; do chmod o+x "$parent"; parent=$(dirname "$parent"); done
fi
as_user "'$initdb' -D '$dir/data' -U postgres --auth=trust --no-sync -E UTF8 >'$dir/initdb.log' 2>&1"
as_user "'$pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >&2
echo "postgresql://postgres@127.0.0.1:$port/postgres"
