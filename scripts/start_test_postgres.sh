# Sourced by scripts/test.sh: start a throwaway PostgreSQL cluster on loopback for the tests that
# run the sync code and the migrations on PostgreSQL (tests/test_sync_postgres.py,
# tests/test_migrations.py), export its URL as TIANBAO_TEST_PG_URL, and stop and delete it when
# the calling script exits.
# Needs Debian's `postgresql` package (scripts/test.sh installs it). initdb refuses to run as
# root, so as root (CI) the cluster belongs to the `postgres` user the package creates.

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$pg_bin" ]; then
    echo "start_test_postgres: PostgreSQL is not installed (apt-get install postgresql)" >&2
    return 1
fi
pg_dir="$(mktemp -d -t tianbao-pg-XXXXXX)"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$pg_dir"
    pg_as() { runuser -u postgres -- "$@"; }
else
    pg_as() { "$@"; }
fi
# A port of its own, so a developer's running server (5432) is left alone.
pg_port="${TIANBAO_TEST_PG_PORT:-55432}"
pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -k $pg_dir -c fsync=off" start >/dev/null
stop_test_postgres() {
    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap stop_test_postgres EXIT
export TIANBAO_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL for the tests: $TIANBAO_TEST_PG_URL"
