#!/usr/bin/env bash
# Builds sec-bench and its upstream modules, then runs one benchmark mode.
# Usage: sec-bench/run-bench.sh [smoke|timers|saturation|latency|recovery|restart|footprint|ceiling|console|all] [-Dbench.x=y ...]
# The result goes to sec-bench/target/bench/result.json and result.md. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
shift || true
# BENCH_JAVA_HOME=/path/to/jdk runs the driver, and with it the coordinator and the participants, on
# that JDK (the build still uses the default one); on a JDK of version 25 or later the coordinator
# starts with an AOT cache instead of a dynamic AppCDS archive (see BenchCluster)
# BENCH_SKIP_BUILD=1 reuses what is built and installed already
# BENCH_REACTOR=1 packages sec-bench and its upstream modules without installing them and takes
# their jars from the reactor's target folders (a second checkout or worktree then neither uses
# nor overwrites the snapshot jars in ~/.m2)
if [ -n "${BENCH_REACTOR:-}" ]; then
  # (runtime scope: every module's target/bench.classpath, sec-server's too, lists what it runs on)
  ./mvnw -B -ntp -q -o -pl sec-bench -am package dependency:build-classpath -DskipTests \
    -Dspotless.check.skip=true -DincludeScope=runtime -Dmdep.outputFile=target/bench.classpath
else
  if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    ./mvnw -B -ntp -q -pl sec-bench -am install -DskipTests -Dspotless.check.skip=true
  fi
  ./mvnw -B -ntp -q -pl sec-bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
  ./mvnw -B -ntp -q -pl sec-server dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile=target/bench.classpath
fi
cd sec-bench
# the packaged jar rather than target/classes: a class path of jars only lets the coordinator use
# a class data sharing archive (see BenchCluster); BENCH_SKIP_BUILD=1 runs whatever jar is there
jar="$(ls target/sec-bench-*.jar | grep -v -e sources -e javadoc | head -1)"
# the coordinator runs on what the distribution's lib/ holds (the sec-server jar and its runtime
# class path), plus this jar for the bench saga it loads as a ServiceLoader provider
server_jar="$(tr ':' '\n' <target/bench.classpath | grep -E '/sec-server-[0-9][^/]*\.jar$' | head -1)"
echo "$jar:$server_jar:$(cat ../sec-server/target/bench.classpath)" >target/coordinator.classpath
exec "${BENCH_JAVA_HOME:+$BENCH_JAVA_HOME/bin/}java" -Xmx1g \
  -Dbench.coordinator.classpath-file=target/coordinator.classpath "$@" \
  -cp "$jar:$(cat target/bench.classpath)" io.sagacoord.bench.BenchMain "$mode"
