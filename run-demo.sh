#!/usr/bin/env bash
# The one-command demo: builds what it needs, then starts embedded PostgreSQL and Kafka, the
# coordinator and the travel-booking services, books a few trips and prints their outcomes.
#   ./run-demo.sh          keep serving until Ctrl-C
#   ./run-demo.sh --exit   exit after the scenario: 0 only if every saga ended as expected
#   ./run-demo.sh --js-car the car service is the JavaScript one (car-service-js, run by node or
#                          by the command in NODE) behind the saga bridge, in place of the Java one
# Ports: SEC_PORT (coordinator REST API, default 8080), TRIP_PORT (trip API, default 8081), both
# on BIND_ADDRESS (default 127.0.0.1, this machine only; 0.0.0.0 for every interface).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "run-demo: no JDK found: install a JDK 17 or newer (or set JAVA_HOME)" >&2
  exit 1
fi
echo "Building the demo (the first build downloads dependencies from Maven Central) ..."
# one line per module as its build starts, and every error; the rest of Maven's output is left out.
# The demo runs the jar: no container image (-Djib.skip).
./mvnw -B -ntp package -DskipTests -Dspotless.check.skip=true -Djib.skip=true -pl examples/travel-booking -am |
  awk '/^\[INFO\] Building .*\[[0-9]+\/[0-9]+\]$/ {
         step = $NF; $1 = ""; $2 = ""; $NF = ""; $(NF - 1) = ""
         sub(/^ +/, ""); sub(/ +$/, ""); print "  " step " " $0; fflush(); next }
       /^\[ERROR\]/ { print; fflush() }'
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" -jar examples/travel-booking/target/travel-booking-0.1.0-SNAPSHOT-demo.jar "$@"
