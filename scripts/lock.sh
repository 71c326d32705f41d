#!/usr/bin/env bash
# Write scripts/constraints.txt: the exact version of every Python package a fresh
# `pip install -e ".[dev]"` takes today, resolved in a throwaway virtualenv. scripts/setup.sh
# installs through it, so `make demo`, `make test`, CI and a scrapyd host built from the
# same commit run the same packages, and a release upstream changes nothing until the lock
# is refreshed — on purpose, with this script (`make lock`), and the tests run on the result.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
unset PIP_CONSTRAINT  # resolve afresh, whatever the shell pins
out=scripts/constraints.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q -e ".[dev]" 2>"$tmp/pip.log" || { cat "$tmp/pip.log" >&2; exit 1; }
# the compiled word judge's build backend (native/pyproject.toml), which pip fetches into
# an isolated build environment: pinned too (setup.sh passes the lock there as PIP_CONSTRAINT)
"$tmp/venv/bin/python" -m pip install -q "$("$tmp/venv/bin/python" -c 'import tomllib; print(tomllib.load(open("native/pyproject.toml", "rb"))["build-system"]["requires"][0])')"
{
  echo "# Every Python package of opinion-spiders and its dev extras, pinned: scripts/setup.sh"
  echo "# installs with \`pip install -c scripts/constraints.txt\`. Written by scripts/lock.sh"
  echo "# (\`make lock\`) on $(date -u +%Y-%m-%d) with $("$tmp/venv/bin/python" -V); do not edit by hand."
  "$tmp/venv/bin/python" -m pip freeze --all --exclude-editable | grep -v -i '^pip=='
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -vc '^#' "$out") packages)" >&2
