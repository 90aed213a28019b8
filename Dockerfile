# syntax=docker/dockerfile:1
# Multi-stage build of Salience. CPU image by default; for CUDA build with
#   docker build --build-arg MAVEN_PROFILES=gpu --build-arg RUNTIME_IMAGE=nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04 .
# (the gpu profile swaps the TensorFlow natives for the linux-x86_64-gpu build; that runtime image then needs a JRE 17,
# see README "GPU").
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre-jammy

FROM eclipse-temurin:17-jdk-jammy AS build
ARG MAVEN_PROFILES=""
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY config/ config/
RUN ./mvnw -B -ntp -q dependency:go-offline ${MAVEN_PROFILES:+-P${MAVEN_PROFILES}}
COPY src/ src/
RUN ./mvnw -B -ntp -q package -DskipTests ${MAVEN_PROFILES:+-P${MAVEN_PROFILES}} \
    && cp target/salience-*.jar /src/app.jar

FROM ${RUNTIME_IMAGE}
RUN groupadd --system salience && useradd --system --gid salience --home-dir /app --create-home salience \
    && apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/app.jar /app/app.jar
COPY models/ /app/models/
USER salience
# Natives are extracted from the jar on first start into this cache (a volume keeps it across restarts).
ENV SALIENCE_ENGINE_NATIVE_CACHE=/app/.cache/natives \
    SALIENCE_MODELS_DIR=/app/models \
    JAVA_OPTS="-XX:MaxRAMPercentage=75"
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
    CMD curl -fsS http://localhost:8080/actuator/health/readiness || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
