#!/usr/bin/env bash
# A/B of JVM option sets for relay alone on one harness scenario (default S5), three rounds with the
# option sets interleaved so that drift on the machine hits all of them alike. Needs Go and nginx
# (apt-get install -y golang-go nginx) and a built target/relay.jar. Prints one table row per run.
#   src/jmh/peer/jvm-options-ab.sh            # S5, the three option sets below
#   SCENARIO=S2 src/jmh/peer/jvm-options-ab.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
bench="$repo/../shared/bench"
java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
scenario=${SCENARIO:-S5}
names=(default serial_mn24 serial_mn24_coh)
opts=("" "-XX:+UseSerialGC -Xmn24m" "-XX:+UseSerialGC -Xmn24m -XX:+UseCompactObjectHeaders")
for round in 1 2 3; do
  for i in "${!names[@]}"; do
    log=$(mktemp)
    (cd "$bench" && TARGETS="" SCENARIOS="$scenario" EXTRA_NAME=relay EXTRA_PORT=18083 \
      EXTRA_CMD="$java --enable-preview ${opts[$i]} -jar $repo/target/relay.jar $bench/relay-bench.toml" \
      timeout 600 ./run.sh >"$log" 2>&1) || true
    echo "${names[$i]} round $round: $(grep -E "^$scenario +relay" "$log" || echo "no result, see $log")"
  done
done
