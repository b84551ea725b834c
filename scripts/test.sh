#!/usr/bin/env bash
# The whole CI test run: lint, type-check, the widget's JavaScript tests (node --test), then
# pytest twice (SQLite, then a throwaway PostgreSQL), both runs with a throwaway Redis. Servers
# live in a temp dir, listen on 127.0.0.1 only, and are stopped and removed on exit, whatever
# happens.
#
# Usage:   scripts/test.sh [pytest args...]       e.g. scripts/test.sh -k tickets -x
# Env in:  HELPLINE_TEST_ONLY=sqlite|postgres     run one pytest half only (default: both)
#          HELPLINE_TEST_SKIP_LINT=1              skip ruff and mypy (never under CI)
#          CI=true                                a half that had to be skipped fails the run
# Env out (seen by pytest):
#          HELPLINE_TEST_DATABASE_URL  '' on the SQLite run;
#                                      postgresql+asyncpg://helpline@127.0.0.1:PORT/helpline_test
#          HELPLINE_TEST_REDIS_URL     redis://127.0.0.1:PORT/0 ('' if Redis could not be had)
# Needs .venv with the dev extras: `make test` (or `make install-dev` first).
set -euo pipefail

cd "$(dirname "$0")/.."
VENV_BIN="$PWD/.venv/bin"

ONLY="${HELPLINE_TEST_ONLY:-both}"
case "$ONLY" in
  sqlite | postgres | both) ;;
  *) echo "HELPLINE_TEST_ONLY must be 'sqlite', 'postgres' or unset (got '$ONLY')" >&2; exit 2 ;;
esac

log() { printf '[test.sh] %s\n' "$*" >&2; }
is_ci() { [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }
free_port() {
  # Let the kernel pick a free loopback port (tiny race until the server binds it).
  "$VENV_BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [[ ! -x "$VENV_BIN/pytest" || ! -x "$VENV_BIN/ruff" || ! -x "$VENV_BIN/mypy" ]]; then
  echo "No .venv with the dev dependencies: run 'make test' (or 'make install-dev' first)." >&2
  exit 2
fi

RUN_SQLITE=true
RUN_PG=true
[[ "$ONLY" == postgres ]] && RUN_SQLITE=false
[[ "$ONLY" == sqlite ]] && RUN_PG=false
HAVE_REDIS=true
SKIPPED=() # what could not run; fatal at the end under CI

# --- server binaries: find them, or install them from Debian ------------------------

find_pg_bin() {
  # Debian keeps the server tools in /usr/lib/postgresql/N/bin, off PATH; a symlink on
  # PATH is resolved so psql and postgres are found beside pg_ctl.
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  local d
  for d in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then echo "$d"; return 0; fi
  done
  return 1
}
have_redis_bins() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

missing=()
if $RUN_PG && ! find_pg_bin >/dev/null; then missing+=(postgresql); fi
if ! have_redis_bins; then missing+=(redis-server); fi # redis-server pulls in redis-cli
HAVE_NODE=true
if ! command -v node >/dev/null; then missing+=(nodejs); fi # the widget's unit tests
# The widget's browser tests drive Debian's Chromium (Playwright's own download is not used).
PYTEST_EXTRA=()
if [[ ! -x /usr/bin/chromium ]]; then missing+=(chromium); fi

if ((${#missing[@]})); then
  if is_root; then
    log "installing ${missing[*]} with apt-get"
    # Noninteractive: CI has no stdin. The image's policy-rc.d keeps apt from starting
    # system-wide services; we only want the binaries.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    for pkg in "${missing[@]}"; do
      case "$pkg" in
        postgresql)
          echo "PostgreSQL is not installed and this user cannot install it: the PostgreSQL half of the suite is SKIPPED" >&2
          RUN_PG=false
          SKIPPED+=("PostgreSQL half (no PostgreSQL server binaries)")
          ;;
        chromium)
          echo "Chromium is not installed and this user cannot install it: the widget's browser tests are SKIPPED" >&2
          PYTEST_EXTRA+=(--ignore=tests/widget/test_browser.py)
          SKIPPED+=("widget browser tests (no /usr/bin/chromium)")
          ;;
        nodejs)
          echo "Node.js is not installed and this user cannot install it: the widget's unit tests are SKIPPED" >&2
          HAVE_NODE=false
          SKIPPED+=("widget unit tests (no node)")
          ;;
        redis-server)
          echo "Redis is not installed and this user cannot install it: the suite runs WITHOUT Redis (HELPLINE_TEST_REDIS_URL is empty)" >&2
          HAVE_REDIS=false
          SKIPPED+=("Redis (no redis-server)")
          ;;
      esac
    done
  fi
fi

PG_BIN=""
if $RUN_PG; then
  PG_BIN=$(find_pg_bin) || { log "PostgreSQL binaries still missing after install"; exit 1; }
fi
if $HAVE_REDIS && ! have_redis_bins; then
  log "redis-server/redis-cli still missing after install"
  exit 1
fi

# --- cleanup: registered before anything starts ------------------------------------

WORK_DIR=""
PG_DATA=""
PG_OS_USER="$(id -un)"
REDIS_PID=""

as_pg() {
  # initdb/postgres refuse to run as root: use an unprivileged user then. cd / so a
  # cwd that user cannot read does not matter.
  if is_root; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

cleanup() {
  local rc=$?
  set +e
  trap '' INT TERM HUP # a second Ctrl-C must not cut the cleanup short (children inherit this)
  if [[ -n "$REDIS_PID" ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill -TERM "$REDIS_PID" 2>/dev/null
    for _ in {1..50}; do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
  fi
  if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      log "pg_ctl stop failed; PostgreSQL may still be running from $PG_DATA"
  fi
  [[ -n "$WORK_DIR" ]] && rm -rf "$WORK_DIR"
  exit "$rc"
}
trap cleanup EXIT
# Turn signals into a plain exit so the EXIT trap runs (with the usual 128+N status).
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/helpline-test.XXXXXX")
chmod 711 "$WORK_DIR" # the postgres user must be able to reach its subdir

# --- throwaway PostgreSQL -----------------------------------------------------------

PG_URL=""
start_postgres() {
  local pg_dir="$WORK_DIR/pg" port psql
  mkdir "$pg_dir"
  if is_root; then
    PG_OS_USER=postgres # Debian's package creates it; make one if something else did not
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
      local group_opt=--user-group
      getent group "$PG_OS_USER" >/dev/null && group_opt="--gid=$PG_OS_USER"
      useradd --system "$group_opt" --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
    chown "$PG_OS_USER:" "$pg_dir"
  fi
  port=$(free_port)

  # Trust auth and no fsync: a disposable cluster for tests, reachable only locally.
  as_pg "$PG_BIN/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale \
    --no-sync >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; return 1; }
  cat >>"$pg_dir/data/postgresql.conf" <<EOF

# --- scripts/test.sh ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$pg_dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  PG_DATA="$pg_dir/data" # from here on cleanup stops it
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$pg_dir/server.log" -w -t 60 start >/dev/null ||
    { log "PostgreSQL did not start:"; cat "$pg_dir/server.log" >&2; return 1; }

  # A non-superuser owner, like production; CREATEDB so tests may make scratch databases.
  psql="$PG_BIN/psql"
  [[ -x "$psql" ]] || psql=psql
  "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE helpline LOGIN CREATEDB" \
    -c "CREATE DATABASE helpline_test OWNER helpline"

  PG_URL="postgresql+asyncpg://helpline@127.0.0.1:$port/helpline_test"
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_DATA)"
}

# --- throwaway Redis ----------------------------------------------------------------

REDIS_URL=""
start_redis() {
  local redis_dir="$WORK_DIR/redis" port
  mkdir "$redis_dir"
  port=$(free_port)
  # No persistence: nothing to clean up but the process.
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --daemonize no --dir "$redis_dir" --logfile "$redis_dir/redis.log" &
  REDIS_PID=$!
  for _ in {1..100}; do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
      REDIS_URL="redis://127.0.0.1:$port/0"
      log "Redis $(redis-server --version | grep -o 'v=[^ ]*' | cut -c3-) on 127.0.0.1:$port (pid $REDIS_PID)"
      return 0
    fi
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "Redis did not answer PING:"
  cat "$redis_dir/redis.log" >&2
  return 1
}

if $RUN_PG; then start_postgres; fi
if $HAVE_REDIS; then start_redis; fi
export HELPLINE_TEST_REDIS_URL="$REDIS_URL"

# --- lint and types -----------------------------------------------------------------

if [[ "${HELPLINE_TEST_SKIP_LINT:-}" == 1 ]] && ! is_ci; then
  log "HELPLINE_TEST_SKIP_LINT=1: skipping ruff and mypy"
else
  echo "=== ruff check ==="
  "$VENV_BIN/ruff" check src tests bench
  echo "=== ruff format --check ==="
  "$VENV_BIN/ruff" format --check src tests bench
  echo "=== mypy ==="
  "$VENV_BIN/mypy"
fi

# --- the widget's JavaScript: node's own test runner, no packages ------------------------

if $HAVE_NODE; then
  echo "=== node --test (widget) ==="
  node --test --test-reporter=spec tests/widget/*.test.mjs tests/dashboard/js/*.test.mjs
fi

# --- pytest, once per database ------------------------------------------------------

run_pytest() {
  local label=$1 db_url=$2 rc=0
  shift 2
  echo "=== pytest on $label ==="
  HELPLINE_TEST_DATABASE_URL="$db_url" "$VENV_BIN/pytest" ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"} "$@" || rc=$?
  if ((rc != 0)); then
    echo "=== pytest on $label FAILED (exit $rc) ===" >&2
    exit "$rc"
  fi
}

# An empty URL means SQLite to the test suite.
if $RUN_SQLITE; then run_pytest SQLite "" "$@"; fi
if $RUN_PG; then run_pytest PostgreSQL "$PG_URL" "$@"; fi

if ((${#SKIPPED[@]})); then
  log "SKIPPED: $(printf '%s; ' "${SKIPPED[@]}")"
  if is_ci; then
    log "CI=true: CI must not skip, so this run fails"
    exit 1
  fi
  echo "=== scripts/test.sh: passed, but parts were SKIPPED (see above) ==="
else
  echo "=== scripts/test.sh: all requested runs passed ==="
fi
