#!/bin/sh
# Builds relay's self-contained distribution: a jlinked Java 25 runtime, the shaded jar and a start
# script, so the target machine needs no JDK.
#
#   deploy/build-dist.sh            -> target/dist/relay/ and target/dist/relay-<version>-linux-x64.tar.gz
#   SKIP_BUILD=1 deploy/build-dist.sh   reuse an existing target/relay.jar
#
# Layout (all paths in bin/relay are relative to the script, so the tree can live anywhere):
#   relay/bin/relay        POSIX sh start script
#   relay/lib/relay.jar    the shaded jar (./mvnw package)
#   relay/runtime/         jlink image: only the modules relay uses
#   relay/config.toml      the demo configuration (the repository's config.toml)
#
# The runtime is built for the OS and CPU of the machine running this script.
set -eu

cd "$(dirname -- "$0")/.."
root=$(pwd)

# --- find JDK 25 the way the build does: JAVA_HOME if it is 25, else /usr/lib/jvm/*25* -----------
is_jdk25() {
    [ -x "$1/bin/jlink" ] && [ -f "$1/release" ] && grep -q '^JAVA_VERSION="25[."]' "$1/release"
}
jdk=
if [ -n "${JAVA_HOME:-}" ] && is_jdk25 "$JAVA_HOME"; then
    jdk=$JAVA_HOME
else
    for candidate in /usr/lib/jvm/*25*; do
        if is_jdk25 "$candidate"; then
            jdk=$candidate
            break
        fi
    done
fi
if [ -z "$jdk" ]; then
    echo "build-dist: no JDK 25 with jlink found (JAVA_HOME, /usr/lib/jvm/*25*)" >&2
    exit 1
fi

# --- the jar ------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    ./mvnw -q -DskipTests package
fi
jar=$root/target/relay.jar
[ -f "$jar" ] || { echo "build-dist: $jar is missing" >&2; exit 1; }

# --- modules: what jdeps finds, plus what relay reaches without a static reference ---------------
#   jdk.crypto.ec    EC for TLS (an empty module since JDK 22, where EC moved into java.base; kept
#                    so the list also holds for older runtimes)
#   jdk.httpserver   com.sun.net.httpserver, relay's server
#   jdk.net          ExtendedSocketOptions (TCP_KEEPIDLE/INTERVAL/COUNT on upstream sockets)
#   java.management, jdk.management   JVM metrics (Prometheus JVM instrumentation)
found=$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$jar")
modules="$found,jdk.crypto.ec,jdk.httpserver,jdk.net,java.management,jdk.management"
modules=$(printf '%s\n' "$modules" | tr ',' '\n' | sort -u | paste -sd, -)
echo "build-dist: JDK $jdk"
echo "build-dist: modules $modules"

# --- lay out target/dist/relay ------------------------------------------------------------------
dist=$root/target/dist
out=$dist/relay
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
"$jdk/bin/jlink" \
    --add-modules "$modules" \
    --strip-debug --no-header-files --no-man-pages --compress zip-6 \
    --output "$out/runtime"
cp "$jar" "$out/lib/relay.jar"
cp "$root/config.toml" "$out/config.toml"

cat > "$out/bin/relay" <<'EOF'
#!/bin/sh
# relay start script: runs relay on the bundled Java 25 runtime (no JDK needed).
#   relay [--check] CONFIG.toml | --help | --version
# Extra JVM options: RELAY_JAVA_OPTS, split on spaces (for example RELAY_JAVA_OPTS="-Xmx1g").
set -eu
self=$0
# follow symlinks (e.g. /usr/local/bin/relay -> /opt/relay/bin/relay) without readlink -f
while [ -h "$self" ]; do
    link=$(ls -ld -- "$self")
    link=${link#*' -> '}
    case $link in
        /*) self=$link ;;
        *) self=$(dirname -- "$self")/$link ;;
    esac
done
home=$(cd -P -- "$(dirname -- "$self")/.." && pwd)
# exec: the JVM replaces this shell, so signals (SIGTERM from systemd, Ctrl-C) reach relay itself
# The collector and its tuning (relay.launch.JvmOptions); a collector named in RELAY_JAVA_OPTS
# replaces it, because the JVM refuses two.
collector="-XX:+UseSerialGC -Xmn8m -XX:PretenureSizeThreshold=2048"
# The AOT cache build-dist made is valid only with relay's collector options, and not while making one.
aot=
[ -f "$home/lib/relay.aot" ] && aot="-XX:AOTCache=$home/lib/relay.aot"
for option in ${RELAY_JAVA_OPTS:-}; do
    case $option in
        -XX:+Use*GC) collector= aot= ;;
        -XX:AOTCache*) aot= ;;
    esac
done
# shellcheck disable=SC2086
exec "$home/runtime/bin/java" --enable-preview -XX:+ExitOnOutOfMemoryError --add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED $collector -XX:+UseTransparentHugePages -XX:+UseCompactObjectHeaders -XX:InitialRAMPercentage=25 $aot ${RELAY_JAVA_OPTS:-} \
    -jar "$home/lib/relay.jar" "$@"
EOF
chmod 755 "$out/bin/relay"

# --- AOT cache (JEP 483/515): a training run, so that a fresh relay does not wait for the JIT -------
# relay proxies to itself: /v1 goes over loopback HTTP to /loop, the built-in demo model, so the
# training exercises the upstream client, events and pings. 1,600 streams in four rounds of 400
# curl clients; the cache is written when relay exits. Without curl, or if training fails, the
# distribution ships without a cache and bin/relay runs as before. SKIP_AOT=1 skips it.
if [ "${SKIP_AOT:-0}" != 1 ] && command -v curl > /dev/null; then
    train=$(mktemp -d)
    port=${AOT_TRAIN_PORT:-18960}   # loopback only; set AOT_TRAIN_PORT if this one is taken
    cat > "$train/train.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
[ping]
interval = "200ms"
[demo]
think = "700ms"
tokens = 40
token_interval = "10ms"
[[routes]]
prefix = "/loop"
upstream = "demo"
[[routes]]
prefix = "/v1"
upstream = "http://127.0.0.1:$port/loop"
TOML
    RELAY_JAVA_OPTS="-XX:AOTCacheOutput=$out/lib/relay.aot" "$out/bin/relay" "$train/train.toml" > "$train/relay.log" 2>&1 &
    trainer=$!
    tries=0
    until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
        tries=$((tries + 1))
        [ $tries -lt 100 ] || break
        sleep 0.1
    done
    for round in 1 2 3 4; do
        clients=
        for _ in $(seq 1 400); do
            curl -sN -o /dev/null -H 'Content-Type: application/json' \
                -d '{"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
                "http://127.0.0.1:$port/v1/chat/completions" &
            clients="$clients $!"
        done
        # shellcheck disable=SC2086
        wait $clients || true
    done
    kill -TERM "$trainer" 2>/dev/null || true
    wait "$trainer" || true
    if [ -s "$out/lib/relay.aot" ]; then
        echo "build-dist: AOT cache $(du -h "$out/lib/relay.aot" | cut -f1) from a training run of $round x 400 streams"
    else
        echo "build-dist: no AOT cache (training failed, see $train/relay.log); shipping without one" >&2
        rm -f "$out/lib/relay.aot"
    fi
fi

# --- smoke test and archive ---------------------------------------------------------------------
version=$("$out/bin/relay" --version | awk '{print $2}')
archive=$dist/relay-$version-linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/').tar.gz
tar -C "$dist" -czf "$archive" relay
echo "build-dist: relay $version -> $out ($(du -sh "$out" | cut -f1)), $archive ($(du -sh "$archive" | cut -f1))"
