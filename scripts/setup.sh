#!/usr/bin/env bash
# Set up everything opinion-spiders needs on a fresh Debian machine, idempotently:
#   the Python environment (.venv, the project installed editable with its dev extras),
#   the compiled word judge (native/, with cargo: required with --test, optional without),
#   Chromium for scrapy-playwright (Debian's package: `playwright install` cannot download here),
#   and, with --test, the parts the test suite runs for real: FerretDB (built from the Go
#   module proxy, cached), scrapyd (a dev extra), Debian's redis-server (distributed mode).
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1
PY=${PYTHON:-python3}

say() { printf '[setup] %s\n' "$*" >&2; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
# Every package at the version scripts/constraints.txt pins (scripts/lock.sh writes it): a
# fresh machine installs what the tests last ran on, not whatever was released since.
constraints=scripts/constraints.txt
export PIP_CONSTRAINT="$PWD/$constraints"  # the native build's backend (maturin) too
stamp=.venv/.opinion-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$constraints" -nt "$stamp" ]; then
  say "installing Python packages (pinned by $constraints)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c "$constraints" -e ".[dev]"
  touch "$stamp"
fi

# The compiled word judge (native/, Rust via PyO3): keyword rules judge a post's candidate
# words in compiled code instead of Python. A run works without it (slower rule matching);
# the tests hold it to the Python judge, so --test needs it.
[ -d "$HOME/.cargo/bin" ] && PATH="$PATH:$HOME/.cargo/bin"
native_stamp=.venv/.opinion-native
if [ ! -f "$native_stamp" ] || [ -n "$(find native -newer "$native_stamp" -not -path 'native/target*' -print -quit)" ]; then
  if ! command -v cargo >/dev/null && [ "$want_test" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's cargo (Rust) for the compiled word judge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cargo >/dev/null
  fi
  if command -v cargo >/dev/null; then
    say "building the compiled word judge (native/, cargo)"
    .venv/bin/python -m pip install -q ./native
    touch "$native_stamp"
  elif [ "$want_test" = 1 ]; then
    say "cargo is missing: the tests need the compiled word judge (native/); install Rust"
    say "(rustup, or as root: apt-get install cargo) and run this again"
    exit 1
  else
    say "cargo not found: keyword rules judge words in Python (slower); install Rust and"
    say "run this again to build the compiled word judge (native/)"
  fi
fi

# The project's own bytecode, as pip writes it for a package it installs: the project is
# installed editable, and where PYTHONDONTWRITEBYTECODE is set Python compiles every module of
# the project it imports at each start of each process (a crawl starts three: itself, its page
# worker and its events process), ~0.3 s of CPU each. A module edited since is compiled again
# (in memory, where that variable is set), so a stale file costs time, never correctness.
.venv/bin/python -m compileall -q -j 0 opinion_spiders plugins pipelines settings

chromium_bin=$(command -v chromium || true)
if [ -z "$chromium_bin" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "Chromium is missing: install Debian's 'chromium' package (as root: apt-get install chromium)"
    say "or set OPINION_CHROMIUM to a Chromium binary; the post-bar sites need it"
    exit 1
  fi
fi

if [ "$want_test" = 1 ]; then
  # Chinese glyphs for Chromium, so the web tests' screenshots show text, not boxes.
  if ! (command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing a Chinese font (fonts-wqy-microhei) for the browser tests' screenshots"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null
    fi
  fi
  say "FerretDB: $(bash scripts/build_ferretdb.sh)"
  if [ -z "${OPINION_REDIS_SERVER:-}" ] && ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's redis-server (the distributed-mode tests start their own)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
      say "redis-server is missing: install Debian's 'redis-server' package (as root: apt-get install redis-server)"
      say "or set OPINION_REDIS_SERVER to a redis-server binary; the distributed-mode tests need it"
      exit 1
    fi
  fi
fi
