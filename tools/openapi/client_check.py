#!/usr/bin/env python3
"""Exercise a running Salience server through the Python client that
generate_client.sh generates from openapi.yaml (package salience_client).

Usage:
  python client_check.py [BASE_URL]        # or SALIENCE_URL=...; default http://127.0.0.1:8080
  SALIENCE_MODEL=idc-demo (default)

Every check goes through the generated client (typed parameters, typed
models, bytes for PNG/NPY). Exits 1 if any check fails, 2 if the client
cannot be imported.
"""
from __future__ import annotations

import ast
import io
import json
import os
import struct
import sys
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.environ.get("SALIENCE_CLIENT_DIR", os.path.join(HERE, "build", "python-client"))
sys.path.insert(0, CLIENT_DIR)

try:
    import pydantic
    import salience_client
    from salience_client.exceptions import ApiException
    from salience_client.models.saliency_response import SaliencyResponse
except Exception:  # noqa: BLE001
    traceback.print_exc()
    print(f"cannot import the generated client from {CLIENT_DIR}; run ./generate_client.sh first")
    sys.exit(2)

try:
    import numpy as np
except ImportError:  # numpy is optional: images then come from Pillow or raw zlib
    np = None
try:
    from PIL import Image
except ImportError:
    Image = None

BASE_URL = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SALIENCE_URL", "http://127.0.0.1:8080")).rstrip("/")
MODEL = os.environ.get("SALIENCE_MODEL", "idc-demo")
PNG_SIG = b"\x89PNG\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"

results: list[tuple[str, bool, str]] = []


def check(name):
    """Decorator: run one check, record pass/fail with the reason."""
    def wrap(fn):
        def run():
            try:
                detail = fn() or ""
                results.append((name, True, detail))
                print(f"PASS {name}{': ' + detail if detail else ''}")
            except ApiException as e:  # the server answered with a non-2xx
                msg = f"HTTP {e.status} {e.reason}; body={e.body!r}"
                results.append((name, False, msg))
                print(f"FAIL {name}: {msg}")
            except Exception as e:  # noqa: BLE001
                msg = f"{type(e).__name__}: {e}"
                results.append((name, False, msg))
                print(f"FAIL {name}: {msg}")
                traceback.print_exc(limit=3)
        run.__name__ = fn.__name__
        return run
    return wrap


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


# ---------------------------------------------------------------- images
def make_png(width=50, height=50, seed=0) -> bytes:
    """A random RGB PNG (Pillow+numpy if present, else written by hand)."""
    if np is not None:
        rng = np.random.default_rng(seed)
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        raw = pixels.tobytes()
    else:
        import random
        r = random.Random(seed)
        raw = bytes(r.randrange(256) for _ in range(width * height * 3))
    if Image is not None:
        buf = io.BytesIO()
        Image.frombytes("RGB", (width, height), raw).save(buf, format="PNG")
        return buf.getvalue()

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + raw[y * width * 3:(y + 1) * width * 3] for y in range(height))
    return (PNG_SIG + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, checking the signature; decoded by Pillow when present."""
    expect(isinstance(data, (bytes, bytearray)), f"expected bytes, got {type(data).__name__}")
    expect(data[:8] == PNG_SIG, f"not a PNG: first bytes {data[:16]!r}")
    expect(data[12:16] == b"IHDR", "PNG without IHDR first")
    w, h = struct.unpack(">II", data[16:24])
    if Image is not None:
        img = Image.open(io.BytesIO(bytes(data)))
        img.load()  # full decode
        expect(img.size == (w, h), f"Pillow size {img.size} != IHDR {(w, h)}")
    return w, h


def parse_npy(data: bytes):
    """(dtype descr, shape, fortran_order, payload length) of a .npy blob, without numpy."""
    expect(isinstance(data, (bytes, bytearray)), f"expected bytes, got {type(data).__name__}")
    expect(data[:6] == NPY_MAGIC, f"not NPY: first bytes {data[:10]!r}")
    major = data[6]
    if major == 1:
        hlen = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", data[8:12])[0]
        start = 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    expect((start + hlen) % 16 == 0 or major >= 1, "header not aligned")
    return header["descr"], tuple(header["shape"]), header["fortran_order"], len(data) - start - hlen


# ---------------------------------------------------------------- client
cfg = salience_client.Configuration(host=BASE_URL)
api_client = salience_client.ApiClient(cfg)
models_api = salience_client.ModelsApi(api_client)
saliency_api = salience_client.SaliencyApi(api_client)
predict_api = salience_client.PredictApi(api_client)

PNG50 = make_png(50, 50, seed=1)
ACCEPT_PNG = {"Accept": "image/png"}
ACCEPT_NPY = {"Accept": "application/x-npy"}
ACCEPT_JSON = {"Accept": "application/json"}


def saliency(accept=None, image=("patch.png", PNG50), **kw):
    return saliency_api.saliency_with_http_info(MODEL, image, _headers=dict(accept) if accept else None, **kw)


@check("list models -> List[ModelSummary]")
def t_models():
    models = models_api.list_models()
    expect(isinstance(models, list) and models, f"empty or not a list: {models!r}")
    expect(all(isinstance(m, salience_client.ModelSummary) for m in models), "items are not ModelSummary")
    m = next((m for m in models if m.name == MODEL), None)
    expect(m is not None, f"{MODEL} not listed: {[x.name for x in models]}")
    expect(m.status == "ready", f"status {m.status}")
    expect(isinstance(m.input, salience_client.InputSpec), "input is not InputSpec")
    expect((m.input.width, m.input.height, m.input.channels) == (50, 50, 3), f"input {m.input}")
    expect(m.labels == ["no-idc", "idc"], f"labels {m.labels}")
    return f"{len(models)} model(s); {m.name} {m.status} {m.input.width}x{m.input.height}x{m.input.channels} labels={m.labels}"


@check("get model -> ModelDetail")
def t_model():
    d = models_api.get_model(MODEL)
    expect(isinstance(d, salience_client.ModelDetail), type(d).__name__)
    expect(isinstance(d.signature_input, salience_client.TensorSpec), "signatureInput")
    expect(all(isinstance(x, int) for x in d.signature_input.shape), f"shape {d.signature_input.shape}")
    return f"signature={d.signature} in={d.signature_input.shape} out={d.signature_output.shape}"


@check("layers -> Layers")
def t_layers():
    lay = models_api.get_layers(MODEL)
    expect(isinstance(lay, salience_client.Layers), type(lay).__name__)
    expect(lay.layers and all(isinstance(x, salience_client.LayerInfo) for x in lay.layers), "layers")
    expect(any(x.spatial for x in lay.layers), "no spatial layer")
    return f"{len(lay.layers)} layers, defaultCamLayer={lay.default_cam_layer}"


@check("list methods -> List[MethodInfo]")
def t_methods():
    methods = saliency_api.list_methods()
    expect(all(isinstance(m, salience_client.MethodInfo) for m in methods), "items are not MethodInfo")
    names = {m.name for m in methods}
    spec_enum = {"deconvnet", "grad-cam", "grad-cam++", "gradient", "gradient-x-input", "guided-backprop",
                 "guided-grad-cam", "integrated-gradients", "layer-cam", "smoothgrad", "vargrad"}
    expect(spec_enum <= names, f"missing methods {spec_enum - names}")
    defaults = [m.name for m in methods if m.default]
    expect(defaults == ["gradient"], f"default methods {defaults}")
    for m in methods:
        for p in (m.parameters or []) + (m.common_parameters or []):
            expect(isinstance(p, salience_client.ParamSpec), "ParamSpec")
    return f"{len(methods)} methods: {sorted(names)}"


@check("predict -> PredictResponse (typed)")
def t_predict():
    r = predict_api.predict(MODEL, [("a.png", PNG50), ("b.png", make_png(50, 50, seed=2))], top_k=2, timeout_ms=30000)
    expect(isinstance(r, salience_client.PredictResponse), type(r).__name__)
    expect(len(r.predictions) == 2, f"{len(r.predictions)} predictions")
    for i, p in enumerate(r.predictions):
        expect(p.image == i, f"image index {p.image}")
        expect(len(p.classes) == 2, f"classes {p.classes}")
        probs = [c.probability for c in p.classes]
        expect(all(isinstance(x, float) for x in probs), f"probabilities {probs}")
        expect(probs == sorted(probs, reverse=True), "not sorted")
        expect(abs(sum(probs) - 1) < 1e-3, f"sum {sum(probs)}")
    p0 = r.predictions[0]
    return f"filename={p0.filename} top={p0.classes[0].label}:{p0.classes[0].probability:.4f}"


@check("predict with bare bytes (client names the part 'image', application/octet-stream)")
def t_predict_bytes():
    r = predict_api.predict(MODEL, [PNG50])
    expect(len(r.predictions) == 1, "predictions")
    return f"filename={r.predictions[0].filename}"


@check("saliency Accept: image/png -> bytes, 50x50 PNG")
def t_png():
    resp = saliency(ACCEPT_PNG)
    expect(resp.status_code == 200, f"status {resp.status_code}")
    expect(isinstance(resp.data, bytes), f"data is {type(resp.data).__name__}")
    ct = resp.headers.get("Content-Type", "")
    expect(ct.startswith("image/png"), f"Content-Type {ct}")
    w, h = png_size(resp.data)
    expect((w, h) == (50, 50), f"size {w}x{h}")
    for hname in ("X-Saliency-Raw-Min", "X-Saliency-Raw-Max", "X-Saliency-Target", "X-Saliency-Normalization"):
        expect(resp.headers.get(hname) is not None, f"missing header {hname}")
    return f"{len(resp.data)} bytes {w}x{h}, target={resp.headers.get('X-Saliency-Target')}"


@check("saliency PNG typed params: method=grad-cam, render=overlay, colormap=jet, alpha=0.3 (float), size=original")
def t_png_typed():
    img = make_png(64, 40, seed=3)
    resp = saliency(ACCEPT_PNG, image=("wide.png", img), method="grad-cam", render="overlay", colormap="jet",
                    alpha=0.3, size="original", clip=100)
    w, h = png_size(resp.data)
    expect((w, h) == (64, 40), f"size=original gave {w}x{h}")
    return f"{w}x{h}"


@check("saliency Accept: application/x-npy, gradient -> float32 [50,50,3]")
def t_npy_gradient():
    resp = saliency(ACCEPT_NPY, method="gradient")
    expect(isinstance(resp.data, bytes), type(resp.data).__name__)
    descr, shape, fortran, payload = parse_npy(resp.data)
    expect(descr == "<f4", f"dtype {descr}")
    expect(shape == (50, 50, 3), f"shape {shape}")
    expect(fortran is False, "fortran_order")
    expect(payload == 50 * 50 * 3 * 4, f"payload {payload} bytes")
    if np is not None:
        arr = np.load(io.BytesIO(resp.data))
        expect(np.isfinite(arr).all(), "non-finite values")
        mn, mx = float(resp.headers["X-Saliency-Raw-Min"]), float(resp.headers["X-Saliency-Raw-Max"])
        expect(abs(arr.min() - mn) <= 1e-6 * max(1, abs(mn)) and abs(arr.max() - mx) <= 1e-6 * max(1, abs(mx)),
               f"raw min/max headers {mn},{mx} vs array {arr.min()},{arr.max()}")
    return f"descr={descr} shape={list(shape)}"


@check("saliency NPY, integrated-gradients steps=64 (int) seed=7 riemann=middle baseline=white")
def t_npy_ig():
    resp = saliency(ACCEPT_NPY, method="integrated-gradients", steps=64, seed=7, riemann="middle", baseline="white",
                    timeout_ms=60000)
    descr, shape, _, _ = parse_npy(resp.data)
    expect(descr == "<f4" and shape == (50, 50, 3), f"{descr} {shape}")
    return f"shape={list(shape)}"


@check("saliency NPY, grad-cam++ (client encodes '+' as %2B) -> [h,w,1]")
def t_npy_gradcampp():
    resp = saliency(ACCEPT_NPY, method="grad-cam++")
    descr, shape, _, _ = parse_npy(resp.data)
    expect(descr == "<f4" and len(shape) == 3 and shape[2] == 1, f"{descr} {shape}")
    return f"shape={list(shape)}"


def saliency_json(**kw) -> SaliencyResponse:
    """The generated client types every 200 of /saliency as bytes (see README), so
    the JSON body is parsed with the generated SaliencyResponse model."""
    resp = saliency(ACCEPT_JSON, **kw)
    expect(resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers.get("Content-Type"))
    expect(isinstance(resp.data, bytes), type(resp.data).__name__)
    return SaliencyResponse.from_json(resp.data.decode("utf-8"))


@check("saliency JSON -> SaliencyResponse typed fields (gradient)")
def t_json():
    r = saliency_json()
    expect(r.model == MODEL and r.method == "gradient", f"{r.model} {r.method}")
    expect(r.shape == [50, 50] and r.raw_shape == [50, 50, 3], f"shape {r.shape} rawShape {r.raw_shape}")
    expect(len(r.map) == 2500 and all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in r.map), "map")
    expect(isinstance(r.target, salience_client.TargetView) and isinstance(r.target.index, int), "target")
    expect(r.target.label in ("no-idc", "idc"), f"label {r.target.label}")
    expect(r.layer is None, f"layer {r.layer!r} for gradient")
    expect(isinstance(r.min, float) and isinstance(r.max, float) and r.min <= r.max, f"min/max {r.min} {r.max}")
    expect(isinstance(r.parameters, dict) and all(isinstance(v, str) for v in r.parameters.values()), "parameters")
    expect(all(isinstance(v, float) for v in (r.timings or {}).values()), f"timings {r.timings}")
    return f"target={r.target.label}#{r.target.index} min={r.min:.3g} max={r.max:.3g} params={r.parameters}"


@check("saliency JSON smoothgrad samples=4 noise=0.1 aggregation=square base=gradient seed=-5 (typed)")
def t_json_smooth():
    r = saliency_json(method="smoothgrad", samples=4, noise=0.1, aggregation="square", base="gradient", seed=-5,
                      reduce="signed", clip=99)
    p = r.parameters
    expect(p.get("samples") == "4" and p.get("aggregation") == "square" and p.get("seed") == "-5", f"parameters {p}")
    expect(float(p.get("noise")) == 0.1, f"noise {p.get('noise')}")
    return f"parameters={p} extras={r.extras}"


@check("saliency JSON integrated-gradients steps=64 uploaded baselineImage -> parameters echo ints")
def t_json_ig():
    r = saliency_json(method="integrated-gradients", steps=64, baseline_image=("base.png", make_png(50, 50, seed=9)))
    p = r.parameters
    expect(p.get("steps") == "64", f"steps {p.get('steps')}")
    expect(p.get("baseline") == "uploaded", f"baseline {p.get('baseline')}")
    expect(r.extras and "completenessGap" in r.extras, f"extras {r.extras}")
    return f"steps={p.get('steps')} baseline={p.get('baseline')} completenessGap={r.extras.get('completenessGap')}"


@check("saliency JSON grad-cam layer=auto -> layer is a string, shape [h,w], rawShape [h,w,1]")
def t_json_cam():
    r = saliency_json(method="grad-cam", layer="auto", target="idc")
    expect(isinstance(r.layer, str) and r.layer, f"layer {r.layer!r}")
    expect(r.raw_shape[:2] == r.shape and r.raw_shape[2] == 1, f"shape {r.shape} rawShape {r.raw_shape}")
    expect(r.target.label == "idc", f"target {r.target}")
    return f"layer={r.layer} shape={r.shape}"


@check("default Accept chosen by the generated client for /saliency")
def t_default_accept():
    resp = saliency(None)
    ct = resp.headers.get("Content-Type", "")
    expect(isinstance(resp.data, bytes), type(resp.data).__name__)
    return f"client sent Accept: application/json (it prefers *json*), got Content-Type {ct}"


@check("client-side typing: steps='64' (str), steps=0, alpha=1.5 are rejected before sending")
def t_client_validation():
    bad = [dict(steps="64"), dict(steps=0), dict(alpha=1.5), dict(samples=513), dict(clip=0)]
    for kw in bad:
        try:
            saliency(ACCEPT_PNG, **kw)
        except pydantic.ValidationError:
            continue
        raise AssertionError(f"client accepted {kw}")
    return f"{len(bad)} rejected by pydantic"


@check("unknown model -> 404 problem+json deserialised to Problem")
def t_404():
    try:
        saliency_api.saliency("no-such-model", ("x.png", PNG50), _headers=ACCEPT_PNG)
    except ApiException as e:
        expect(e.status == 404, f"status {e.status}")
        expect(isinstance(e.data, salience_client.Problem), f"data {type(e.data).__name__}")
        expect(e.data.status == 404 and e.data.type.startswith("urn:salience:problem:"), f"{e.data}")
        return f"type={e.data.type}"
    raise AssertionError("no exception")


@check("invalid parameter value the client cannot catch (target=nope) -> 400 Problem with parameter")
def t_400():
    try:
        saliency(ACCEPT_PNG, target="nope")
    except ApiException as e:
        expect(e.status == 400, f"status {e.status}")
        expect(isinstance(e.data, salience_client.Problem), f"data {type(e.data).__name__}")
        expect(e.data.parameter == "target", f"parameter {e.data.parameter}")
        return f"type={e.data.type} detail={e.data.detail}"
    raise AssertionError("no exception")


@check("not an image -> 415/422 Problem")
def t_not_image():
    try:
        saliency(ACCEPT_PNG, image=("x.png", b"hello, not a png"))
    except ApiException as e:
        expect(e.status in (415, 422), f"status {e.status}")
        expect(isinstance(e.data, salience_client.Problem), f"data {type(e.data).__name__}")
        return f"{e.status} type={e.data.type}"
    raise AssertionError("no exception")


def main():
    print(f"Salience client check against {BASE_URL} (model {MODEL}); client {CLIENT_DIR}")
    for fn in [t_models, t_model, t_layers, t_methods, t_predict, t_predict_bytes, t_png, t_png_typed,
               t_npy_gradient, t_npy_ig, t_npy_gradcampp, t_json, t_json_smooth, t_json_ig, t_json_cam,
               t_default_accept, t_client_validation, t_404, t_400, t_not_image]:
        fn()
    failed = [r for r in results if not r[1]]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    for name, _, msg in failed:
        print(f"  FAILED {name}: {msg}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
