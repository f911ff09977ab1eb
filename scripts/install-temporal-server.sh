#!/usr/bin/env bash
# Builds the Temporal server as operators run it (FIELD-NOTES 17): `temporal-server` (frontend, history,
# matching and worker services, one binary) and `temporal-sql-tool` (creates and migrates the PostgreSQL
# schemas, which it carries embedded: `--schema-name postgresql/v12/temporal`) from the Go module
# go.temporal.io/server, at the dev server's version. Built once into tools/temporal-server/ (git-ignored) and reused:
# ~190 s on two cores from a warm module cache; 752 s from an empty one on a loaded 2-core machine.
# Order: $TEMPORAL_SERVER_BIN (a folder holding both binaries), then the installed build when its version
# matches; else build. Idempotent: prints the bin folder on its last line.
set -euo pipefail
VERSION=1.29.1 # the Temporal CLI 1.5.1 dev server's version (scripts/install-temporal.sh)
root=$(cd "$(dirname "$0")/.." && pwd)
tools="${DRILLBOOK_TOOLS_DIR:-$root/tools}"
home="$tools/temporal-server"
bin="$home/bin"
say() { echo "install-temporal-server: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

installed() {
  local dir=$1
  [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ] || return 1
  "$dir/temporal-server" --version 2>/dev/null | grep -q "$VERSION"
}
if [ -n "${TEMPORAL_SERVER_BIN:-}" ] && installed "$TEMPORAL_SERVER_BIN"; then echo "$TEMPORAL_SERVER_BIN"; exit 0; fi
if installed "$bin"; then echo "$bin"; exit 0; fi

command -v go >/dev/null 2>&1 || die "Go is needed to build the Temporal server (go.temporal.io/server asks Go >= 1.25)"
mkdir -p "$tools"
# Several helpers or test runs may ask at once: one builds, the others wait for it.
exec 9>"$tools/.temporal-server.lock"
flock -w 2400 9 || die "waited 40 min for another build of the Temporal server"
if installed "$bin"; then echo "$bin"; exit 0; fi

export GOPATH="${GOPATH:-$tools/go}" GOFLAGS="-mod=mod" GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-$tools/go-cache}"
started=$(date +%s)
mod="$home/build"
rm -rf "$mod" && mkdir -p "$mod" "$bin"
cat >"$mod/go.mod" <<MOD
module drillbook.local/temporalserver

go 1.25.0

require go.temporal.io/server v$VERSION
MOD
cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)
GO
say "building temporal-server and temporal-sql-tool $VERSION (about 3 minutes from a warm module cache, longer cold)"
(cd "$mod" && timeout 1800 go mod tidy >"$mod/tidy.log" 2>&1) || { tail -n 20 "$mod/tidy.log" >&2; die "go mod tidy failed for go.temporal.io/server v$VERSION"; }
(cd "$mod" && timeout 3000 nice go build -ldflags "-s -w" -o "$bin/temporal-server.part" go.temporal.io/server/cmd/server) \
  || die "could not build go.temporal.io/server/cmd/server"
(cd "$mod" && timeout 1800 nice go build -ldflags "-s -w" -o "$bin/temporal-sql-tool.part" go.temporal.io/server/cmd/tools/sql) \
  || die "could not build go.temporal.io/server/cmd/tools/sql"
mv "$bin/temporal-server.part" "$bin/temporal-server"
mv "$bin/temporal-sql-tool.part" "$bin/temporal-sql-tool"
rm -rf "$mod"

installed "$bin" || die "the build in $bin does not report version $VERSION"
say "built temporal-server $VERSION ($(du -sh "$bin/temporal-server" | cut -f1)) and temporal-sql-tool into $bin in $(($(date +%s) - started)) s"
echo "$bin"
