# syntax=docker/dockerfile:1
# relay's container image: built from source, run directly on JDK 25 (no launcher, one process).
#
#   docker build -t relay:0.1.0 .
#   docker run --rm -p 8080:8080 relay:0.1.0                       # the demo model, as in the README
#   docker run --rm -p 8080:8080 -e OPENAI_API_KEY \
#       -v "$PWD/my-config.toml:/etc/relay/config.toml:ro" relay:0.1.0
#
# The configuration must listen on 0.0.0.0:8080 (see deploy/docker/config.toml). Extra JVM options:
# JDK_JAVA_OPTIONS (read by the java command itself; RELAY_JAVA_OPTS is for bin/relay and the jar's
# launcher only). See docs/deploy.md, "Container".

# --- build: Maven (through the wrapper) on JDK 25 -------------------------------------------------
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY src/main/ src/main/
# The tests need the machine's loopback and Node.js; they run in CI (./mvnw verify), not here.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -q -B -Dmaven.test.skip=true package

# --- runtime: JRE 25, non-root ------------------------------------------------------------------
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 relay \
 && useradd --system --uid 10001 --gid relay --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin relay
COPY --from=build /src/target/relay.jar /opt/relay/relay.jar
COPY deploy/docker/config.toml /etc/relay/config.toml
USER 10001:10001
EXPOSE 8080
# The image has no curl or wget; bash's /dev/tcp asks /healthz and checks for status 200.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r -t 2 _ code _ <&3 && [ \"$code\" = 200 ]"]
# SIGTERM (docker stop) drains: give it longer than server.drain_timeout, e.g. docker stop -t 45.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "--enable-preview", "-XX:+ExitOnOutOfMemoryError", "--add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmn8m", "-XX:PretenureSizeThreshold=2048", "-XX:+UseTransparentHugePages", "-XX:+UseCompactObjectHeaders", "-XX:InitialRAMPercentage=70", "-XX:MaxRAMPercentage=70", "-jar", "/opt/relay/relay.jar"]
CMD ["/etc/relay/config.toml"]
