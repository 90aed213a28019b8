"""Drives a running Salience with the clients that serving teams already use.

tritonclient[http] (Triton's Python client) speaks the Open Inference Protocol (KServe v2): readiness, metadata,
infer with JSON and with binary tensors, and saliency through infer parameters. The KServe SDK's REST client
speaks KServe v1 (:predict, :explain) and v2. Every answer is compared with what the native routes
(/v1/models/{m}/predict and /saliency) give for the same image, so a wrong tensor, preprocessing or map fails.

    python check.py --url http://127.0.0.1:8080 [--model idc-demo]

Exits non-zero on the first failed check; prints one line per check.
"""

import argparse
import asyncio
import base64
import io
import json
import struct
import sys
import urllib.request
import uuid
import zlib

import numpy as np
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

SCALE = np.float32(0.00392156862745098)  # idc-demo's pipeline: scale 1/255 (models/idc-demo/model.yaml)
TOL = 1e-9  # absolute floor; the comparison is relative (1e-4), as saturated probabilities are ~1e-8


def png(pixels):
    """A PNG of an HxWx3 uint8 array (no imaging library needed)."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Native:
    """The native multipart routes, the reference for every protocol answer."""

    def __init__(self, url, model):
        self.url, self.model = url, model

    def _post(self, path, image, accept):
        boundary = "----check-" + uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + image + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(self.url + path, data=body, method="POST", headers={
            "Content-Type": "multipart/form-data; boundary=" + boundary, "Accept": accept})
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.read()

    def probabilities(self, image):
        out = json.loads(self._post(f"/v1/models/{self.model}/predict", image, "application/json"))
        p = {c["index"]: c["probability"] for c in out["predictions"][0]["classes"]}
        return np.array([p[i] for i in sorted(p)], dtype=np.float32)

    def saliency(self, image, query):
        return np.load(io.BytesIO(self._post(f"/v1/models/{self.model}/saliency?{query}", image, "application/x-npy")))


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)
    if not ok:
        sys.exit(1)


def close(a, b, tol=TOL):
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol + 1e-4 * np.abs(b)))


def tritonclient_checks(url, model, native, images):
    client = triton.InferenceServerClient(url=url.split("://", 1)[1])
    check("triton is_server_live", client.is_server_live())
    check("triton is_server_ready", client.is_server_ready())
    check("triton is_model_ready", client.is_model_ready(model))
    check("triton is_model_ready(unknown) is false", not client.is_model_ready("no-such-model"))
    server = client.get_server_metadata()
    check("triton server metadata has binary_tensor_data", "binary_tensor_data" in server["extensions"], server)
    meta = client.get_model_metadata(model)
    shape = meta["inputs"][0]["shape"]
    check("triton model metadata", meta["inputs"][0]["name"] == "input" and shape[0] == -1 and len(shape) == 4, meta)
    h, w, c = shape[1:]

    pixels = np.stack([images[0][1], images[1][1]])  # two h x w x 3 images
    files = [images[0][0], images[1][0]]
    expected = np.stack([native.probabilities(f) for f in files])

    # BYTES as JSON: base64 strings of the image files
    inp = triton.InferInput("input", [2], "BYTES")
    inp.set_data_from_numpy(np.array([base64.b64encode(f) for f in files], dtype=np.object_), binary_data=False)
    out = [triton.InferRequestedOutput("probabilities", binary_data=False)]
    got = client.infer(model, [inp], outputs=out).as_numpy("probabilities")
    check("triton infer BYTES (JSON) = native predict", close(got, expected), f"{got.tolist()} vs {expected.tolist()}")

    # BYTES as binary data: the raw files, length-prefixed
    inp = triton.InferInput("input", [2], "BYTES")
    inp.set_data_from_numpy(np.array(files, dtype=np.object_), binary_data=True)
    got = client.infer(model, [inp]).as_numpy("probabilities")
    check("triton infer BYTES (binary) = native predict", close(got, expected))

    # UINT8 raw pixels, binary
    inp = triton.InferInput("input", list(pixels.shape), "UINT8")
    inp.set_data_from_numpy(pixels, binary_data=True)
    got = client.infer(model, [inp]).as_numpy("probabilities")
    check("triton infer UINT8 (binary) = native predict", close(got, expected))

    # FP32 preprocessed, JSON and binary (the demo model's pipeline is a 1/255 scale)
    if (h, w, c) == pixels.shape[1:]:
        tensor = pixels.astype(np.float32) * SCALE
        for binary in (False, True):
            inp = triton.InferInput("input", list(tensor.shape), "FP32")
            inp.set_data_from_numpy(tensor, binary_data=binary)
            res = client.infer(model, [inp], outputs=[
                triton.InferRequestedOutput("probabilities", binary_data=binary),
                triton.InferRequestedOutput("logits", binary_data=binary)])
            got = res.as_numpy("probabilities")
            kind = "binary" if binary else "JSON"
            check(f"triton infer FP32 ({kind}) = native predict", close(got, expected))
            logits = res.as_numpy("logits")
            soft = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            check(f"triton infer FP32 ({kind}) softmax(logits) = probabilities", close(soft, got, 1e-4))

    # saliency through infer parameters
    for params, query in (({"method": "grad-cam", "target": "idc"}, "method=grad-cam&target=idc"),
                          ({"method": "integrated-gradients", "steps": 8}, "method=integrated-gradients&steps=8")):
        inp = triton.InferInput("input", [1], "BYTES")
        inp.set_data_from_numpy(np.array([files[0]], dtype=np.object_), binary_data=True)
        res = client.infer(model, [inp], parameters=params, outputs=[
            triton.InferRequestedOutput("saliency", binary_data=True), triton.InferRequestedOutput("target")])
        got = res.as_numpy("saliency")
        want = native.saliency(files[0], query)
        check(f"triton explain {params['method']} = native NPY map {list(want.shape)}",
              got is not None and close(got[0], want), f"shape {None if got is None else got.shape}")
        check(f"triton explain {params['method']} response parameters",
              res.get_response()["parameters"]["method"] == params["method"], res.get_response().get("parameters"))

    try:
        client.infer("no-such-model", [inp])
        check("triton error on unknown model", False, "no exception")
    except InferenceServerException as e:
        check("triton error on unknown model", "no-such-model" in str(e), str(e))
    try:
        client.infer(model, [inp], parameters={"method": "no-such-method"})
        check("triton error on unknown method", False, "no exception")
    except InferenceServerException as e:
        check("triton error on unknown method", "method must be one of" in str(e), str(e))
    client.close()


async def kserve_checks(url, model, native, images):
    from kserve import InferInput, InferRequest, InferenceRESTClient, RESTConfig

    files = [images[0][0], images[1][0]]
    expected = np.stack([native.probabilities(f) for f in files])

    v1 = InferenceRESTClient(RESTConfig(protocol="v1", timeout=120))
    check("kserve v1 is_server_live", await v1.is_server_live(url))
    res = await v1.infer(url, {"instances": [{"b64": base64.b64encode(f).decode()} for f in files]}, model_name=model)
    got = np.array(res["predictions"], dtype=np.float32)
    check("kserve v1 :predict (b64) = native predict", close(got, expected), res)
    pixels = images[0][1]
    nested = (pixels.astype(np.float32) * SCALE).tolist()
    res = await v1.infer(url, {"instances": [nested]}, model_name=model)
    check("kserve v1 :predict (nested array) = native predict",
          close(np.array(res["predictions"], dtype=np.float32), expected[:1]), res)
    res = await v1.explain(url, model, {"instances": [{"b64": base64.b64encode(files[0]).decode()}],
                                        "parameters": {"method": "guided-backprop", "target": "no-idc"}})
    e = res["explanations"][0]
    want = native.saliency(files[0], "method=guided-backprop&target=no-idc")
    check(f"kserve v1 :explain guided-backprop = native NPY map {list(want.shape)}",
          e["target"]["label"] == "no-idc" and close(np.array(e["saliency"]), want))
    try:
        await v1.infer(url, {"instances": []}, model_name=model)
        check("kserve v1 error shape", False, "no exception")
    except Exception as ex:  # httpx.HTTPStatusError carrying the server's {"error": ...}
        check("kserve v1 error shape", "400" in str(ex) and "instances" in str(ex), str(ex))
    await v1.close()

    v2 = InferenceRESTClient(RESTConfig(protocol="v2", timeout=120))
    check("kserve v2 is_server_live", await v2.is_server_live(url))
    check("kserve v2 is_server_ready", await v2.is_server_ready(url))
    check("kserve v2 is_model_ready", await v2.is_model_ready(url, model))
    for binary in (False, True):
        inp = InferInput("input", [2], "BYTES")
        if binary:
            inp.set_data_from_numpy(np.array(files, dtype=np.object_), binary_data=True)
        else:
            inp.set_data_from_numpy(np.array([base64.b64encode(f) for f in files], dtype=np.object_),
                                    binary_data=False)
        res = await v2.infer(url, InferRequest(model, [inp], request_id="kserve-1"), model_name=model)
        got = next(o for o in res.outputs if o.name == "probabilities").as_numpy()
        check(f"kserve v2 infer BYTES ({'binary' if binary else 'JSON'}) = native predict", close(got, expected))
    await v2.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", default="idc-demo")
    ap.add_argument("--skip-kserve", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(15)
    images = []
    for _ in range(2):
        # H&E-like pink and purple with noise, so the probabilities stay away from 0 and 1 and a wrong pixel shows
        px = np.stack([150 + rng.integers(0, 80, (50, 50)), 60 + rng.integers(0, 100, (50, 50)),
                       140 + rng.integers(0, 80, (50, 50))], axis=-1).astype(np.uint8)
        images.append((png(px), px))
    native = Native(args.url, args.model)
    tritonclient_checks(args.url, args.model, native, images)
    if not args.skip_kserve:
        asyncio.run(kserve_checks(args.url, args.model, native, images))
    print("all protocol checks passed")


if __name__ == "__main__":
    main()
