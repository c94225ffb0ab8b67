#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the tests and export LIVECRED_TEST_POSTGRES_URL.
# Sourced by .ci/run. Installs PostgreSQL from Debian when it is missing and we are root; if it
# cannot be had, the PostgreSQL tests are skipped (with a warning here), the SQLite ones still run.
# The cluster lives in a temp dir, listens on 127.0.0.1 only, and is stopped on exit.

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_test_postgres() {
  if [ -z "$(pg_bin)" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ci: installing PostgreSQL for the database tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "ci: warning: apt-get could not install postgresql" >&2
  fi
  local bin; bin="$(pg_bin)"
  if [ -z "$bin" ]; then
    echo "ci: warning: no PostgreSQL here; PostgreSQL tests will be skipped" >&2
    return 0
  fi
  # Outside /tmp: tests/api/test_privacy.py watches the temp dir for stray files.
  PG_TMP="$(mktemp -d -p /var/tmp livecred-pg.XXXXXX)"
  local port; port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_TMP"
    run_as=(runuser -u postgres --)
  fi
  PG_CTL=("${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data")
  if "${run_as[@]}" "$bin/initdb" -D "$PG_TMP/data" -A trust -U livecred >"$PG_TMP/initdb.log" 2>&1 \
    && "${PG_CTL[@]}" -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP" -l "$PG_TMP/server.log" -w start >/dev/null; then
    export LIVECRED_TEST_POSTGRES_URL="postgresql://livecred@127.0.0.1:$port/postgres"
    trap 'stop_test_postgres' EXIT
    echo "ci: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
  else
    echo "ci: warning: PostgreSQL did not start; PostgreSQL tests will be skipped" >&2
    tail -5 "$PG_TMP"/*.log >&2 || true
  fi
}

stop_test_postgres() {
  "${PG_CTL[@]}" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
}
