#!/usr/bin/env bash
# Finds or installs Temporal's time-skipping test server, the one TestWorkflowEnvironment.createTimeSkipping
# runs. The SDK's default downloads a native build from temporal.download at test time, which this
# project's machines cannot reach; this takes the same server from Maven Central instead: the Java SDK's
# io.temporal:temporal-test-server, fetched with mvn (the registry's own client) with its runtime
# dependencies into tools/temporal-test-server-<version>/, and a launcher that @temporalio/testing starts
# with `server: { executable: { type: 'existing-path', path } }` (it passes the port as the only argument).
#   - The launcher runs scripts/test-server/LoopbackTestServer.java (compiled here), which serves the
#     test server's services on 127.0.0.1 only; the SDK's own TestServer main binds every interface.
#   - Checksums: mvn -C fails on any jar whose sha1 differs from Central's, and the server jar itself
#     must match the SHA-1 pinned below (Central's temporal-test-server-<version>.jar.sha1).
#   - Start-up: the SDK gives the server 5 s to answer. A class-data-sharing archive made here cuts
#     the JVM's start from ~1.2 s to ~0.4 s on a loaded 2-core machine.
# Order: $TEMPORAL_TEST_SERVER, then the installed launcher; else install. Idempotent and quiet: one
# line on stderr when it installs; the launcher's path on the last line of stdout.
set -euo pipefail
VERSION=1.38.0
SERVER_JAR_SHA1=04eb2537f08cdf64c758e5e890b85ec94aabf9e7
SLF4J_VERSION=1.7.36 # the slf4j-api the server depends on; slf4j-simple keeps its warnings and drops the rest
DEPENDENCY_PLUGIN=3.8.1
root=$(cd "$(dirname "$0")/.." && pwd)
tools="${DRILLBOOK_TOOLS_DIR:-$root/tools}"
home="$tools/temporal-test-server-$VERSION"
launcher="$home/temporal-test-server"

die() { echo "install-test-server: ERROR: $*" >&2; exit 1; }
installed() { [ -x "$launcher" ] && [ -f "$home/.complete" ]; }

if [ -n "${TEMPORAL_TEST_SERVER:-}" ] && [ -x "$TEMPORAL_TEST_SERVER" ]; then echo "$TEMPORAL_TEST_SERVER"; exit 0; fi
if installed; then echo "$launcher"; exit 0; fi

command -v java >/dev/null 2>&1 || die "java is missing (scripts/install-lab-deps.sh installs Java 17)"
command -v mvn >/dev/null 2>&1 || die "mvn is missing (scripts/install-lab-deps.sh installs maven)"
mkdir -p "$tools"
# Several test runs may start at once on a fresh machine: one installs, the others wait for it.
exec 9>"$tools/.temporal-test-server.lock"
flock -w 900 9 || die "waited 15 min for another install of the test server"
if installed; then echo "$launcher"; exit 0; fi

started=$(date +%s)
work=$(mktemp -d "$tools/.temporal-test-server-XXXXXX")
chmod 755 "$work"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# --- the jars, from Maven Central ---------------------------------------------------------------
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.drillbook</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$DEPENDENCY_PLUGIN</version>
      </plugin>
    </plugins>
  </build>
</project>
POM
timeout 900 mvn -q -B -C -Dmaven.repo.local="$tools/m2" -f "$work/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$work/lib" >"$work/mvn.log" 2>&1 \
  || { tail -n 20 "$work/mvn.log" >&2; die "mvn could not fetch io.temporal:temporal-test-server:$VERSION"; }
jar="$work/lib/temporal-test-server-$VERSION.jar"
[ -f "$jar" ] || die "mvn did not deliver temporal-test-server-$VERSION.jar"
got=$(sha1sum "$jar" | cut -d' ' -f1)
[ "$got" = "$SERVER_JAR_SHA1" ] || die "temporal-test-server-$VERSION.jar has sha1 $got, expected $SERVER_JAR_SHA1"
rm -f "$work/pom.xml" "$work/mvn.log"

# --- the loopback launcher class ----------------------------------------------------------------
# javac and jar through `java -m`: their modules ship in Debian's JRE image, so no JDK package is needed.
(cd "$work/lib" && ls -1 ./*.jar | sed 's|^\./||' | LC_ALL=C sort) >"$work/classpath"
classpath=$(sed "s|^|$work/lib/|" "$work/classpath" | paste -sd:)
mkdir "$work/classes"
timeout 300 java -m jdk.compiler/com.sun.tools.javac.Main --release 17 -nowarn -d "$work/classes" -cp "$classpath" \
  "$root/scripts/test-server/LoopbackTestServer.java" >&2 || die "could not compile scripts/test-server/LoopbackTestServer.java"
timeout 120 java -m jdk.jartool/sun.tools.jar.Main --create --file "$work/lib/drillbook-loopback-test-server.jar" -C "$work/classes" . \
  || die "could not package the loopback launcher"
rm -rf "$work/classes"
echo drillbook-loopback-test-server.jar >>"$work/classpath"

cat >"$work/temporal-test-server" <<'SH'
#!/bin/sh
# Temporal's time-skipping test server (Java) on 127.0.0.1. @temporalio/testing runs `<this> <port>`
# and kills this process id when done: exec keeps it the JVM's. Installed by scripts/install-test-server.sh.
here=$(cd "$(dirname "$0")" && pwd -P)
cp=$(sed "s|^|$here/lib/|" "$here/classpath" | paste -sd:)
# The class-data-sharing archive only speeds start-up: a stale one (another JDK build) is ignored quietly.
cds=
[ -f "$here/classes.jsa" ] && cds="-XX:SharedArchiveFile=$here/classes.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
# shellcheck disable=SC2086
exec java -Xms32m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 ${TEST_SERVER_JAVA_OPTS:-} $cds \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" LoopbackTestServer "$@"
SH
chmod 755 "$work/temporal-test-server"

rm -rf "$home"
mv "$work" "$home"
# --- the class-data-sharing archive: start once in place (it records the jars' paths), stop, keep what was loaded
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TEST_SERVER_JAVA_OPTS="-XX:ArchiveClassesAtExit=$home/classes.jsa -Xlog:cds=off -Xlog:cds+dynamic=off" \
  "$launcher" "$port" >"$home/dump.log" 2>&1 &
server_pid=$!
up=0
for _ in $(seq 1 300); do # up to 30 s
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$up" = 1 ] || { cat "$home/dump.log" >&2; die "the test server did not start on 127.0.0.1:$port"; }
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true # stopped by our SIGTERM
server_pid=
[ -f "$home/classes.jsa" ] || echo "install-test-server: no class-data-sharing archive made; the server starts slower" >&2
rm -f "$home/dump.log"

touch "$home/.complete"
echo "install-test-server: installed io.temporal:temporal-test-server:$VERSION ($(du -sh "$home" | cut -f1)) into $home in $(($(date +%s) - started)) s" >&2
echo "$launcher"
