#!/usr/bin/env bash
# Generates a Python client (package salience_client) from the committed
# openapi.yaml with openapi-generator's Java CLI, fetched from Maven Central
# through the project's Maven wrapper. Output: tools/openapi/build/python-client
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GEN_VERSION="${OPENAPI_GENERATOR_VERSION:-7.25.0}"
SPEC="${SPEC:-$ROOT/openapi.yaml}"
BUILD="$HERE/build"
JAR="$BUILD/lib/openapi-generator-cli-$GEN_VERSION.jar"
OUT="$BUILD/python-client"

mkdir -p "$BUILD/lib"
if [ ! -f "$JAR" ]; then
  # Run Maven from an empty temp dir so no project (and no target/) is touched;
  # maven-dependency-plugin:copy needs no pom.
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && "$ROOT/mvnw" -B -ntp -q \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.openapitools:openapi-generator-cli:$GEN_VERSION:jar" \
      -DoutputDirectory="$BUILD/lib")
fi

rm -rf "$OUT"
java -jar "$JAR" generate \
  -i "$SPEC" \
  -g python \
  -o "$OUT" \
  --package-name salience_client \
  --additional-properties=projectName=salience-client,packageVersion=0.1.0
echo "generated $OUT (openapi-generator $GEN_VERSION)"
