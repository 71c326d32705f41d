#!/usr/bin/env bash
# Build FerretDB 1.24.2 (SQLite backend, pure Go) from the Go module proxy into a cache.
# A plain `go install .../cmd/ferretdb@v1.24.2` panics at start (build/version/version.txt is
# not in the module); building it from a wrapper module skips that version check.
set -euo pipefail
VERSION=v1.24.2
CACHE=${OPINION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opinion-spiders}
BIN="$CACHE/ferretdb-$VERSION"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "build_ferretdb: Go >= 1.24 is needed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$CACHE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init opinion-spiders/ferretdb-wrapper >/dev/null 2>&1
go get "github.com/FerretDB/FerretDB@$VERSION" "github.com/FerretDB/FerretDB/cmd/ferretdb@$VERSION" >&2
CGO_ENABLED=0 go build -o "$BIN.tmp" github.com/FerretDB/FerretDB/cmd/ferretdb >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
