# Multi-stage build of Salience. CPU image by default. No "# syntax" line: the builder's own Dockerfile frontend is
# used, so a build needs no registry beyond the two base images (which tools/container/build.sh makes from Debian
# packages where no registry is reachable).
#
# GPU: docker build --build-arg MAVEN_PROFILES=gpu --build-arg RUNTIME_IMAGE=<CUDA 12.3 + cuDNN 8.9 runtime with a
# JRE 17> . The gpu profile swaps the TensorFlow natives for linux-x86_64-gpu (TensorFlow 2.16.1 is built for CUDA
# 12.3 and cuDNN 8.9), e.g. nvidia/cuda:12.3.2-runtime-ubuntu22.04 with libcudnn8 8.9.x and openjdk-17-jre-headless
# from apt; see README "GPU". Arguments after the image name reach the application:
#   docker run --gpus all salience:gpu --salience.engine.device=gpu:0
ARG BUILD_IMAGE=eclipse-temurin:17-jdk-jammy
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre-jammy

FROM ${BUILD_IMAGE} AS build
ARG MAVEN_PROFILES=""
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY config/ config/
RUN ./mvnw -B -ntp -q dependency:go-offline ${MAVEN_PROFILES:+-P${MAVEN_PROFILES}}
COPY src/ src/
RUN ./mvnw -B -ntp -q package -DskipTests ${MAVEN_PROFILES:+-P${MAVEN_PROFILES}} \
    && cp target/salience-*.jar /src/app.jar
# The TensorFlow natives, extracted now so that a container starts without writing ~630 MB (the service uses them
# through TENSORFLOW_LIBRARY_PATH instead of extracting them from the jar at start-up).
RUN set -eu; \
    lib=$(jar tf app.jar | grep -E '^BOOT-INF/lib/tensorflow-core-native-.*-linux-x86_64(-gpu)?\.jar$'); \
    jar xf app.jar "$lib"; \
    mkdir -p /natives /tmp/tf && cd /tmp/tf && jar xf "/src/$lib"; \
    for so in libtensorflow_framework.so.2 libtensorflow_cc.so.2 libjnitensorflow.so; do \
      mv org/tensorflow/internal/c_api/linux-x86_64*/"$so" /natives/; \
    done; \
    rm -rf /tmp/tf /src/BOOT-INF; ls -l /natives

FROM ${RUNTIME_IMAGE}
# A fixed numeric user, so Kubernetes can check runAsNonRoot; it owns nothing in the image but reads everything.
RUN groupadd --system --gid 10001 salience \
    && useradd --system --uid 10001 --gid salience --home-dir /app --no-create-home --shell /usr/sbin/nologin salience \
    && apt-get update && apt-get install -y --no-install-recommends curl fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/app.jar /app/app.jar
COPY --from=build /natives/ /app/natives/
COPY models/ /app/models/
COPY examples/ /app/examples/
# Nothing is written outside /tmp: natives come from the image, DJL's cache (kept empty: offline) and Tomcat's work
# files go to /tmp, so the root file system can be read-only (docker run --read-only --tmpfs /tmp).
ENV TENSORFLOW_LIBRARY_PATH=/app/natives \
    SALIENCE_MODELS_DIR=/app/models \
    SALIENCE_EXAMPLES_DIR=/app/examples \
    DJL_CACHE_DIR=/tmp/djl \
    ENGINE_CACHE_DIR=/tmp/djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
    CMD curl -fsS http://localhost:8080/actuator/health/readiness || exit 1
# Exec form: "docker run IMAGE --salience.x=y" passes its arguments to the application; JVM options go in
# JAVA_TOOL_OPTIONS, which the JVM reads itself.
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
