#!/usr/bin/env bash
# Build FerretDB 1.24.2 (SQLite backend, pure Go) from the Go module proxy into a cache.
# A plain `go install .../cmd/ferretdb@v1.24.2` panics at start (build/version/version.txt is
# not in the module). The build copies the module source, fills that file in and builds it
# through a replace directive; the binary is checked with --version before it is cached.
#
# One line of the source is fixed on the way (FIX below): the SQLite backend looks documents
# up by `_ferretdb_sjson->'$._id'` while its unique _id index is on `_ferretdb_sjson->"_id"`, an
# expression SQLite does not see as the same, so every `{_id: value}` find, update and delete
# scanned the whole table (EXPLAIN QUERY PLAN: SCAN; 100 ms per lookup at 50,000 documents).
# With the lookup written as the index is, they are index searches (SEARCH … USING INDEX;
# 0.5 ms at any size). And one patch (ferretdb-id-in.patch, beside this script): a filter
# `{_id: {$in: [...]}}` of strings or ObjectIDs is answered from the same index (`_id IN (…)`)
# instead of a scan of the table, so a store reads many documents by `_id` in one query, as
# on MongoDB; the handler filters what the backend returns again, as for every query. The
# build carries the tag `opinion_id_in`, which `buildInfo` shows (buildEnvironment "-tags"):
# the store reads with `$in` where it is there. Nothing else changes: same wire protocol,
# same data files.
set -euo pipefail
VERSION=v1.24.2
FIX=idindex1-idin1
PATCH="$(cd "$(dirname "$0")" && pwd)/ferretdb-id-in.patch"
CACHE=${OPINION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opinion-spiders}
BIN="$CACHE/ferretdb-$VERSION-$FIX"
if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "build_ferretdb: Go >= 1.24 is needed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$CACHE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init opinion-spiders/ferretdb-wrapper >/dev/null 2>&1
# With Go 1.26, FerretDB is recorded as the main module even from a wrapper, so its version check
# runs: build from a copy of the module source with build/version/version.txt filled in.
src=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$src" ferretdb-src && chmod -R u+w ferretdb-src
echo "$VERSION" > ferretdb-src/build/version/version.txt
meta=ferretdb-src/internal/backends/sqlite/metadata/metadata.go
sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$meta"
grep -q "IDColumn = DefaultColumn + \"->'_id'\"" "$meta" || {
  echo "build_ferretdb: the _id lookup line to fix was not found in $meta" >&2; exit 1; }
(cd ferretdb-src && git apply -p1 "$PATCH") || {
  echo "build_ferretdb: $PATCH does not apply to FerretDB $VERSION" >&2; exit 1; }
go mod edit -require="github.com/FerretDB/FerretDB@$VERSION" -replace=github.com/FerretDB/FerretDB=./ferretdb-src
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/FerretDB/FerretDB/cmd/ferretdb"\n' > tools.go
go mod tidy >&2
CGO_ENABLED=0 go build -tags opinion_id_in -o "$BIN.tmp" github.com/FerretDB/FerretDB/cmd/ferretdb >&2
"$BIN.tmp" --version >/dev/null  # never cache a binary that panics at start
mv "$BIN.tmp" "$BIN"
echo "$BIN"
