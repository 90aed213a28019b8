#!/usr/bin/env bash
# Offline validation of deploy/: helm lint and helm template of the chart (three value sets), kubernetes-validate
# (strict) on every rendered object, and the KServe objects against the InferenceService and ServingRuntime CRD
# schemas of the kserve Go module. Each validator is also shown a broken object and must reject it.
# Needs Go (helm is built from its module when not on the PATH) and python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM_VERSION=v3.22.0
KSERVE_VERSION=v0.15.2
KUBE_VERSION=1.31.0
VENV=tools/deploy/.venv
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

HELM=$(command -v helm || true)
if [ -z "$HELM" ]; then
  GOBIN="$OUT/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  HELM="$OUT/bin/helm"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tools/deploy/requirements.txt
fi

CHART=deploy/helm/salience
"$HELM" lint --strict --kube-version "$KUBE_VERSION" "$CHART"
"$HELM" template salience "$CHART" --kube-version "$KUBE_VERSION" >"$OUT/cpu.yaml"
"$HELM" template salience "$CHART" --kube-version "$KUBE_VERSION" --set variant=gpu --set models.source=image \
  >"$OUT/gpu-image.yaml"
"$HELM" template salience "$CHART" --kube-version "$KUBE_VERSION" --set models.source=pvc \
  --set autoscaling.enabled=false --set networkPolicy.allowEgress=true >"$OUT/pvc.yaml"
for f in cpu gpu-image pvc; do
  echo "rendered $f: $(grep -c '^kind:' "$OUT/$f.yaml") objects ($(grep '^kind:' "$OUT/$f.yaml" | awk '{print $2}' | sort | tr '\n' ' '))"
done
"$VENV/bin/kubernetes-validate" --strict --quiet -k "$KUBE_VERSION" "$OUT/cpu.yaml" "$OUT/gpu-image.yaml" "$OUT/pvc.yaml"
echo "kubernetes-validate --strict ($KUBE_VERSION): every rendered object passed"
# negative control: an unknown field in the Deployment spec must fail
sed 's/^  strategy:$/  strategyy:/' "$OUT/cpu.yaml" >"$OUT/broken.yaml"
if "$VENV/bin/kubernetes-validate" --strict --quiet -k "$KUBE_VERSION" "$OUT/broken.yaml" >/dev/null 2>&1; then
  echo "kubernetes-validate accepted a broken Deployment" >&2; exit 1
fi
echo "kubernetes-validate rejects a broken Deployment (control)"

KSERVE_DIR=$(GOFLAGS=-mod=mod go mod download -json "github.com/kserve/kserve@$KSERVE_VERSION" \
  | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
"$VENV/bin/python" tools/deploy/validate_crd.py "$KSERVE_DIR/config/crd/full" deploy/kserve/*.yaml
sed 's/protocolVersion: v2/protocolVersoin: v2/' deploy/kserve/inferenceservice.yaml >"$OUT/broken-isvc.yaml"
if "$VENV/bin/python" tools/deploy/validate_crd.py "$KSERVE_DIR/config/crd/full" "$OUT/broken-isvc.yaml" >/dev/null; then
  echo "the CRD check accepted a broken InferenceService" >&2; exit 1
fi
echo "the CRD check rejects a broken InferenceService (control)"
