#!/usr/bin/env bash
# Builds sec-bench and its upstream modules, then runs one benchmark mode.
# Usage: sec-bench/run-bench.sh [smoke|saturation|latency|recovery|footprint|ceiling|all] [-Dbench.x=y ...]
# The result goes to sec-bench/target/bench/result.json and result.md. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
shift || true
# BENCH_SKIP_BUILD=1 reuses what is built and installed already
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  ./mvnw -B -ntp -q -pl sec-bench -am install -DskipTests -Dspotless.check.skip=true
fi
./mvnw -B -ntp -q -pl sec-bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
cd sec-bench
# the packaged jar rather than target/classes: a class path of jars only lets the coordinator use
# a class data sharing archive (see BenchCluster); BENCH_SKIP_BUILD=1 runs whatever jar is there
jar="$(ls target/sec-bench-*.jar | grep -v -e sources -e javadoc | head -1)"
exec java -Xmx1g "$@" -cp "$jar:$(cat target/bench.classpath)" io.sagacoord.bench.BenchMain "$mode"
