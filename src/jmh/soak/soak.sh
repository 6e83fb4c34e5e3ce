#!/usr/bin/env bash
# Soak test: relay under a mixed load with churn and faults for a long time, sampling its RSS,
# threads and open file descriptors. Not part of CI. Passes when every figure over the last third of
# the run stays within 10 % of its value at the first third (minute 10 of a 30-minute run).
#
#   src/jmh/soak/soak.sh [DURATION_SECONDS]        (default 1800)
#
# Needs the load tools of ../shared/bench (Go; `apt-get install -y golang-go`), builds them into
# $BENCH_WORK/bin if missing, and target/relay.jar (./mvnw -q -DskipTests package). Loopback only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bench=${BENCH_DIR:-$repo/../shared/bench}
work=${BENCH_WORK:-/tmp/relay-bench}
duration=${1:-1800}
sample=${SAMPLE_SECONDS:-10}
java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
jar=${RELAY_JAR:-$repo/target/relay.jar}   # a copy keeps a rebuild during the soak from pulling the jar away
# A fixed, pre-touched heap: otherwise RSS keeps rising for a long time as the old generation first
# touches its pages, which looks like a leak and is not one (seen in the first 30-minute run).
jvm_opts=${RELAY_JVM_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
up_port=${UP_PORT:-18180}
relay_port=${RELAY_PORT:-18183}
out=${SOAK_OUT:-/tmp/relay-soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out" "$work/bin"

if [ ! -x "$work/bin/sseup" ] || [ ! -x "$work/bin/sseload" ]; then
  (cd "$bench" && GOPROXY=off go build -o "$work/bin/" ./sseup ./sseload)
fi
ulimit -n "$(ulimit -Hn)"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

taskset -c 0 "$work/bin/sseup" -addr "127.0.0.1:$up_port" -q > "$out/sseup.log" 2>&1 &
pids+=($!)
cat > "$out/relay.toml" <<TOML
[server]
listen = "127.0.0.1:$relay_port"
[ping]
interval = "1s"
[stream]
idle_timeout = "10s"
[log]
level = "error"
[[routes]]
prefix = "/v1"
upstream = "http://127.0.0.1:$up_port"
TOML
# shellcheck disable=SC2086
taskset -c 1 "$java" --enable-preview -XX:+ExitOnOutOfMemoryError --add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED $jvm_opts -jar "$jar" "$out/relay.toml" \
  > "$out/relay.log" 2>&1 &
relay=$!
pids+=($relay)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$relay_port") 2>/dev/null && break; sleep 0.1; done

url="http://127.0.0.1:$relay_port/v1/chat/completions"
load() { # name, then sseload arguments
  local name=$1; shift
  taskset -c 0 "$work/bin/sseload" -duration "${duration}s" -n 100000000 "$@" > "$out/load-$name.txt" 2>&1 &
  pids+=($!)
}
load steady -url "$url?events=100&interval_ms=20" -c 150                   # 2 s streams: constant churn
load idle   -url "$url?events=3&interval_ms=4000" -c 400                     # 8 s mostly silent streams: pings
load reset  -url "$url?events=40&interval_ms=20&fault=reset" -c 10          # upstream resets mid-stream
load hang   -url "$url?events=10&fault=hang" -c 10 -timeout 3s              # silent upstream, clients give up
load slow   -url "$url?events=10&interval_ms=50&ttfb_ms=3000" -c 20         # pings before upstream headers

echo "seconds,rss_kib,threads,fds" > "$out/samples.csv"
start=$(date +%s)
while :; do
  now=$(($(date +%s) - start))
  [ "$now" -ge "$duration" ] && break
  kill -0 "$relay" 2>/dev/null || { echo "relay died"; cat "$out/relay.log" | tail -5; exit 1; }
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$relay/status")
  thr=$(awk '/Threads/ {print $2}' "/proc/$relay/status")
  fds=$(ls "/proc/$relay/fd" | wc -l)
  echo "$now,$rss,$thr,$fds" >> "$out/samples.csv"
  sleep "$sample"
done
wait_loads() { for p in "${pids[@]:2}"; do wait "$p" 2>/dev/null || true; done; }
wait_loads

python3 - "$out/samples.csv" "$duration" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
d = int(sys.argv[2])
third = [r for r in rows if d / 3 - 30 <= int(r["seconds"]) <= d / 3 + 30]
last = [r for r in rows if int(r["seconds"]) >= 2 * d / 3]
ok = True
print(f"{'figure':8} {'at 1/3':>10} {'last 1/3 max':>13} {'change':>8}")
for key in ("rss_kib", "threads", "fds"):
    base = sum(int(r[key]) for r in third) / len(third)
    peak = max(int(r[key]) for r in last)
    change = (peak - base) / base * 100
    ok &= change <= 10
    print(f"{key:8} {base:10.0f} {peak:13d} {change:7.1f}%")
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
echo "samples: $out/samples.csv; load reports: $out/load-*.txt"
grep -h -E '^streams|failed' "$out"/load-*.txt || true
