#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and benchmarks (Debian's postgresql package, no Docker).
#   scripts/pg.sh start DIR   initdb into DIR, start on a unix socket in DIR and a free loopback port,
#                             print the SQLAlchemy URL of its "dm3" database
#   scripts/pg.sh stop DIR    stop it (the caller removes DIR)
# PostgreSQL refuses to run as root: as root the server runs as the "postgres" user.
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bindir/pg_ctl" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cd /
case "$cmd" in
  start)
    mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$bindir/initdb" -D "$dir/data" -U dm3 --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # tests create a database per test: durability is not wanted here, speed is
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-k $dir -p $port -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/createdb" -h "$dir" -p "$port" -U dm3 dm3
    echo "postgresql+psycopg://dm3@127.0.0.1:$port/dm3"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
