#!/usr/bin/env bash
# One harness scenario against relay alone, outside run.sh, so that it can be profiled: the harness's
# mock upstream (CPU 0), relay (CPU 1) with the JVM options given, the harness's warm-up, optionally
# an unrecorded S2 first (PRE=1: the JIT and the heap have then seen idle streams and pings), then the
# measured load with `perf record` (unless NOPERF=1) and, with JFR=1, a JFR recording of compilations,
# collections and deoptimizations. Prints the load client's figures and the -Xlog:gc pauses.
# Needs ../shared/bench built once by its run.sh (binaries in /tmp/relay-bench/bin), linux-perf for
# perf, and target/relay.jar. Used for docs/benchmarks.md, "Issue 10".
#   src/jmh/peer/profile-scenario.sh TAG "JVM OPTIONS" "QUERY" "LOAD ARGS"
#   PRE=1 src/jmh/peer/profile-scenario.sh s5 "-XX:+UseSerialGC" "events=3&interval_ms=5000" "-c 9000 -ramp 10s"
# NOWATCH=1 starts relay with -cp instead of -jar, so that the manifest's opens do not apply: the
# client watch's fallback (the A/B of its cost; leave the --add-opens options out of OPTIONS too).
# Output: /tmp/prof/TAG/{load.json,gc.log,perf.data,relay.log}; perf report -i /tmp/prof/TAG/perf.data --sort comm
set -u
tag=$1; opts=$2; q=$3; largs=$4
repo=$(cd "$(dirname "$0")/../../.." && pwd)
out=/tmp/prof/$tag; mkdir -p "$out"; B=/tmp/relay-bench/bin; J=/usr/lib/jvm/temurin-25-jdk-amd64/bin
ulimit -n 20000
main=(-jar "$repo/target/relay.jar")
[ -n "${NOWATCH:-}" ] && main=(-cp "$repo/target/relay.jar" relay.launch.Launcher)
taskset -c 0 $B/sseup -addr 127.0.0.1:18080 -q > "$out/up.log" 2>&1 & up=$!
# shellcheck disable=SC2086
EXTRA_PORT=18083 UPSTREAM_URL=http://127.0.0.1:18080 PING=1s taskset -c 1 $J/java --enable-preview \
  -XX:+PreserveFramePointer $opts -Xlog:gc:file="$out/gc.log" "${main[@]}" "$repo/../shared/bench/relay-bench.toml" > "$out/relay.log" 2>&1 & rp=$!
for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/18083) 2>/dev/null && break; sleep 0.2; done
taskset -c 0 $B/sseload -url "http://127.0.0.1:18083/v1/chat/completions?events=100&interval_ms=5&size=40" -c 100 -n 400 -duration 20s > /dev/null 2>&1
if [ -n "${PRE:-}" ]; then
  taskset -c 0 $B/sseload -url "http://127.0.0.1:18083/v1/chat/completions?events=3&interval_ms=4000" -c 5000 -ramp 5s -duration 45s > /dev/null 2>&1
fi
sleep 1
[ -n "${JFR:-}" ] && $J/jcmd $rp JFR.start name=c settings="$repo/src/jmh/peer/compilation.jfc" > /dev/null
perf=""
if [ -z "${NOPERF:-}" ]; then
  taskset -c 0 perf record -e cpu-clock -F 499 -g -p $rp -o "$out/perf.data" > "$out/perf.log" 2>&1 &
  perf=$!
fi
# shellcheck disable=SC2086
taskset -c 0 $B/sseload -url "http://127.0.0.1:18083/v1/chat/completions?$q" $largs -pid $rp -duration 60s -json > "$out/load.json" 2> "$out/load.err"
if [ -n "$perf" ]; then kill -INT $perf; wait $perf; $J/jcmd $rp Compiler.perfmap > /dev/null; fi
[ -n "${JFR:-}" ] && $J/jcmd $rp JFR.dump name=c filename="$out/c.jfr" > /dev/null
kill $rp $up; wait $rp 2>/dev/null
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
r = json.load(open(out + '/load.json')); p = r['proc']
pauses = [float(x) for x in re.findall(r'Pause Young.* ([0-9.]+)ms', open(out + '/gc.log').read())]
full = len(re.findall(r'Pause Full', open(out + '/gc.log').read()))
print('ok', r['ok'], 'p99_us', r['latency_us']['p99'], 'ttfb99_ms', r['ttfb_ms']['p99'], 'maxsil_ms', r['max_silence_ms']['max'],
      'cpu_s', p['cpu_seconds'], 'kib', p['kib_per_stream'], 'pings', r['pings_per_stream'],
      '| young pauses (whole JVM life)', len(pauses), 'max', max(pauses or [0]), 'sum', round(sum(pauses)), 'full', full)
PY
