#!/usr/bin/env bash
# Installs what the local lab (scripts/lab/lab.sh) needs, skipping whatever is already there:
#   MariaDB 10.11 server+client, PostgreSQL 15, Redis 7 and RabbitMQ 3.10 (the OpenCTI lab), HAProxy
#   and rsync (the MISP lab: load balancer, shared-storage replication), unzip, curl,
#   openssl, Java 17 (only when `java` is missing),
#   the OpenSearch 2.x integ-test zip (Maven Central) unpacked into tools/opensearch-<v>/,
#   an unprivileged system user to run OpenSearch (it refuses root), and moto[server] in tools/venv.
# Idempotent and quiet: prints one line per thing it did (or one line saying nothing was needed).
# Must run as root on Debian (apt-get, useradd). Set DRILLBOOK_SKIP_MOTO=1 to skip the venv.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${DRILLBOOK_TOOLS_DIR:-$REPO_ROOT/tools}"
OS_VERSION="2.19.6"
OS_SHA1="8e071b0fee7911b226f68bdead8946002e6b6e36"
OS_ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:${OS_VERSION}:zip"
OS_USER="${DRILLBOOK_OS_USER:-drillbook-os}"
MOTO_SPEC="moto[server]==5.2.5"

did=0
say() { echo "install-lab-deps: $*"; did=1; }
die() { echo "install-lab-deps: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get and useradd need it)"

# --- Debian packages ---------------------------------------------------------------------------
missing=()
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in mariadb-server mariadb-client postgresql-15 unzip curl redis-server rabbitmq-server haproxy rsync openssl; do
  pkg_installed "$p" || missing+=("$p")
done
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq >/dev/null || die "apt-get update failed"
  timeout 1200 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
  say "installed apt packages: ${missing[*]}"
fi
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || die "PostgreSQL 15 binaries not found in /usr/lib/postgresql/15/bin"
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || die "mariadbd not found after install"

# --- OpenSearch integ-test zip -----------------------------------------------------------------
OS_HOME="$TOOLS/opensearch-$OS_VERSION"
if [ ! -x "$OS_HOME/bin/opensearch" ]; then
  mkdir -p "$TOOLS/cache"
  zip="$TOOLS/cache/opensearch-$OS_VERSION.zip"
  if [ ! -f "$zip" ] || [ "$(sha1sum "$zip" | cut -d' ' -f1)" != "$OS_SHA1" ]; then
    rm -f "$zip.part" "$TOOLS/cache/opensearch-$OS_VERSION.zip"
    # Maven Central through Maven itself, the ordinary client for it.
    timeout 900 mvn -q -B -Dmaven.repo.local="$TOOLS/m2" dependency:copy -Dartifact="$OS_ARTIFACT" \
      -DoutputDirectory="$TOOLS/cache" >/dev/null || die "mvn dependency:copy $OS_ARTIFACT failed"
    mv "$TOOLS/cache/opensearch-$OS_VERSION.zip" "$zip.part"
    got="$(sha1sum "$zip.part" | cut -d' ' -f1)"
    [ "$got" = "$OS_SHA1" ] || die "opensearch zip sha1 mismatch: got $got want $OS_SHA1"
    mv "$zip.part" "$zip"
    say "fetched OpenSearch $OS_VERSION integ-test zip from Maven Central with mvn ($zip)"
  fi
  rm -rf "$TOOLS/.unzip-tmp" && mkdir -p "$TOOLS/.unzip-tmp"
  unzip -q "$zip" -d "$TOOLS/.unzip-tmp" || die "unzip $zip failed"
  [ -x "$TOOLS/.unzip-tmp/opensearch-$OS_VERSION/bin/opensearch" ] || die "unexpected zip layout in $zip"
  rm -rf "$OS_HOME"
  mv "$TOOLS/.unzip-tmp/opensearch-$OS_VERSION" "$OS_HOME"
  rm -rf "$TOOLS/.unzip-tmp"
  say "unpacked OpenSearch $OS_VERSION into $OS_HOME"
fi
# The unprivileged user must be able to read the distribution (its umask may differ from ours).
chmod -R a+rX "$OS_HOME"

# --- unprivileged user for OpenSearch ----------------------------------------------------------
if ! id "$OS_USER" >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER" \
    || die "useradd $OS_USER failed"
  say "created system user $OS_USER (runs OpenSearch, which refuses root)"
fi

# --- moto[server] in a venv --------------------------------------------------------------------
if [ "${DRILLBOOK_SKIP_MOTO:-0}" != 1 ]; then
  VENV="$TOOLS/venv"
  want_ver="${MOTO_SPEC##*==}"
  have_ver="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)"
  if [ "$have_ver" != "$want_ver" ] || [ ! -x "$VENV/bin/moto_server" ]; then
    [ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"; }
    timeout 900 "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$MOTO_SPEC" >/dev/null \
      || die "pip install $MOTO_SPEC failed"
    say "installed $MOTO_SPEC into $VENV"
  fi
fi

[ "$did" = 1 ] || echo "install-lab-deps: everything already present"
