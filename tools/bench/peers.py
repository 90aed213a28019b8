#!/usr/bin/env python3
"""Salience against other tools, on the same CPU, models and input bytes, interleaved in one loop.

Peers, for every model x method:
  salience   Salience over HTTP: the jar in target/, a kept-alive requests.Session, multipart POST of a PNG,
             Accept: application/x-npy (the raw float32 map) or /predict (JSON probabilities).
  tf         plain TensorFlow in process: one tf.function per method, tf.GradientTape (tf.gradients under a
             gradient override map for guided backprop), the predicted class picked inside the graph from the
             same forward pass; called on the prepared input tensor (no decode, no preprocessing).
  tf-http    a minimal Python HTTP server (http.server, HTTP/1.1 keep-alive, a subprocess) around the same
             tf.functions; it receives exactly the bytes Salience receives, decodes the PNG (Pillow) and
             preprocesses in numpy.
  pair       PAIR saliency (the `saliency` package, core API) with an eager GradientTape call_model_function,
             as in its TF2 examples; the class comes from one model call before.
  tkv        tf-keras-vis (Saliency, Gradcam, GuidedBackpropagation modifier), eager, on a ReplaceToLinear
             copy of the model; the class comes from one model call before.

Before timing, every peer's map is compared with Salience's raw NPY map on the same input (max |diff| relative
to max |Salience|, Spearman); a peer that computes something else is excluded from that method and the reason
printed. For SmoothGrad the check feeds every peer Salience's own noise (java.util.SplittableRandom with seed 0,
Box-Muller, reproduced in numpy); when timed, each peer draws its own noise as it normally does.

Every round visits every model x method, and within it every peer once (the order rotates from round to round);
a peer's time in a round is the mean of `n` back-to-back calls (n chosen once so that one block of Salience
calls lasts about --block-ms). The ratio reported is the median over rounds of (Salience HTTP time / peer time)
in the same round, with the inter-quartile range. Salience's compute time comes from the `timings.compute` of
one JSON request per round (the same request with Accept: application/json, not timed).

Usage (see tools/bench/README.md):
  /work/venv-bench/bin/python tools/bench/peers.py [--rounds 15] [--models idc-demo,brain-mri,bench224]
"""

import argparse
import io
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf-keras-vis needs Keras 2 (tf_keras) as tf.keras
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
METHODS = ["predict", "gradient", "guided-backprop", "grad-cam", "integrated-gradients", "smoothgrad"]
SHORT = {
    "predict": "predict",
    "gradient": "gradient",
    "guided-backprop": "guided backprop",
    "grad-cam": "Grad-CAM",
    "integrated-gradients": "IG-32",
    "smoothgrad": "SmoothGrad-25",
}
QUERY = {
    "gradient": "method=gradient",
    "guided-backprop": "method=guided-backprop",
    "grad-cam": "method=grad-cam",
    "integrated-gradients": "method=integrated-gradients&steps=32",
    "smoothgrad": "method=smoothgrad&samples=25",
}
IG_STEPS = 32
SG_SAMPLES = 25
SG_NOISE = 0.15
SG_SEED = 0
PEERS = ["tf", "tf-http", "pair", "tkv"]
PEER_TITLE = {
    "tf": "plain TF (tf.function, in process)",
    "tf-http": "TF HTTP server (http.server)",
    "pair": "PAIR saliency 0.2.1",
    "tkv": "tf-keras-vis 0.8.7",
}
SAME_REL = 1e-3  # max |diff| / max |Salience map| below this: the same map
CLOSE_SPEARMAN = 0.99  # else Spearman at least this: the same method, a visibly different result (timed, flagged)


# ----------------------------------------------------------------------------------------- models and inputs


def model_specs():
    """name -> descriptor fields the peers need (the same as the descriptors Salience is given)."""
    specs = {
        "idc-demo": {
            "savedModel": REPO / "models/idc-demo/saved_model",
            "yaml": (REPO / "models/idc-demo/model.yaml").read_text(),
            "size": 50,
            "colorMode": "rgb",
            "pipeline": [("scale", 0.00392156862745098)],
            "kind": "softmax",
        },
        "brain-mri": {
            "savedModel": SHARED / "fixtures/brain-mri/model",
            # as TestModels.shared("brain-mri"): OpenCV BGR, bilinear, keras.utils.normalize(x, axis=1)
            "yaml": "name: brain-mri\nversion: \"1\"\nsavedModel: saved_model\nsignature: serving_default\n"
            "input:\n  layout: NHWC\n  colorMode: bgr\n  resize: bilinear\n  pipeline:\n"
            "    - l2-normalize: height\noutput:\n  kind: sigmoid\n  labels: [\"no-tumour\", \"tumour\"]\n",
            "size": 64,
            "colorMode": "bgr",
            "pipeline": [("l2-normalize", "height")],
            "kind": "sigmoid",
        },
        "bench224": {
            "savedModel": REPO / "src/test/resources/fixtures/bench224/keras2",
            "yaml": (REPO / "src/test/resources/fixtures/bench224/model.yaml").read_text(),
            "size": 224,
            "colorMode": "rgb",
            "pipeline": [("scale", 0.00392156862745098)],
            "kind": "softmax",
        },
    }
    return specs


def write_descriptors(specs, names, folder):
    """Salience descriptors for the chosen models: the committed ones with an absolute SavedModel path."""
    for n in names:
        s = specs[n]
        text = re.sub(r"(?m)^savedModel:.*$", f"savedModel: \"{s['savedModel']}\"", s["yaml"])
        text = re.sub(r"(?m)^name:.*$", f"name: {n}", text)
        (pathlib.Path(folder) / f"{n}.yaml").write_text(text)


def make_png(name, size):
    """The PNG every peer receives: already at the model's size, so that nobody resizes."""
    from PIL import Image

    img = None
    if name == "brain-mri":
        files = sorted((SHARED / "fixtures/brain-mri/images/yes").glob("*.jpg"))
        if files:
            img = Image.open(files[0]).convert("RGB")
    else:
        patch = SHARED / "data/idc-patches/9290/1/9290_idx5_x1551_y1051_class1.png"
        if patch.is_file():
            img = Image.open(patch).convert("RGB")
    if img is None:  # no ../shared: a seeded smooth image
        rng = np.random.default_rng(size)
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((size, size), Image.BICUBIC)
    if img.size != (size, size):
        img = img.resize((size, size), Image.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def preprocess(png, spec):
    """Salience's preprocessing of an image already at the model's size, in numpy (float64 steps, float32 out)."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)
    if rgb.shape[:2] != (spec["size"], spec["size"]):
        raise ValueError("the benchmark's PNGs are at the model's size")
    x = rgb[:, :, ::-1] if spec["colorMode"] == "bgr" else rgb
    x = np.ascontiguousarray(x, dtype=np.float32)
    for kind, arg in spec["pipeline"]:
        if kind == "scale":
            x = (x.astype(np.float64) * arg).astype(np.float32)
        elif kind == "l2-normalize":
            axis = {"height": 0, "width": 1, "channel": 2}[arg]
            norm = np.sqrt((x.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))
            norm[norm == 0] = 1.0
            x = (x.astype(np.float64) / norm).astype(np.float32)
        else:
            raise ValueError(kind)
    return x


def black_baseline(spec):
    """IG's default baseline: the preprocessed black image (IntegratedGradientsMethod.baseline, BLACK)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (spec["size"], spec["size"])).save(buf, format="PNG")
    return preprocess(buf.getvalue(), spec)


# ------------------------------------------------------------------ Salience's SmoothGrad noise, in numpy

_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def salience_noise(x, samples=SG_SAMPLES, noise=SG_NOISE, seed=SG_SEED):
    """The noisy copies SmoothGradMethod makes: SplittableRandom(seed), two nextDouble per value, Box-Muller,
    sigma = noise * (float)(max - min); returns (noisy copies [S, H, W, C] float32, the noise [S, H, W, C])."""
    n = samples * x.size
    with np.errstate(over="ignore"):
        seeds = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + _GOLDEN_GAMMA * np.arange(1, 2 * n + 1, dtype=np.uint64)
        doubles = (_mix64(seeds) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    u1 = 1.0 - doubles[0::2]
    u2 = doubles[1::2]
    g = np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)
    sigma = noise * float(np.float32(x.max()) - np.float32(x.min()))
    noisy = (x.reshape(1, -1).astype(np.float64) + sigma * g.reshape(samples, -1)).astype(np.float32)
    noisy = noisy.reshape((samples,) + x.shape)
    return noisy, (noisy - x[None]).astype(np.float64)


# ------------------------------------------------------------------------------------------ plain TF peer


class TfModel:
    """A model's tf.functions: the predicted class (or the sigmoid's sign) is picked inside the graph."""

    def __init__(self, name, spec, cam_layer=None):
        import tensorflow as tf
        import tf_keras

        self.tf = tf
        self.name = name
        self.spec = spec
        self.keras = tf_keras.models.load_model(str(spec["savedModel"]), compile=False)
        last = self.keras.layers[-1]
        if not isinstance(last, tf_keras.layers.Activation):
            raise ValueError(f"{name}: expected a final Activation layer, got {type(last).__name__}")
        self.logits = tf_keras.Model(self.keras.inputs, last.input)
        size = spec["size"]
        one = tf.TensorSpec([1, size, size, 3], tf.float32)
        self.one = one
        self.baseline = tf.constant(black_baseline(spec)[None])
        sigmoid = spec["kind"] == "sigmoid"

        def seed_of(z):
            # the explained target's seed row: one-hot of the argmax, or +-1 on a single sigmoid unit
            if sigmoid:
                return tf.stop_gradient(tf.where(z > 0, 1.0, -1.0))
            return tf.stop_gradient(tf.one_hot(tf.argmax(z, axis=-1), tf.shape(z)[-1]))

        self.seed_of = seed_of
        keras_model, logits_model = self.keras, self.logits

        @tf.function(input_signature=[one])
        def predict(x):
            return keras_model(x, training=False)

        @tf.function(input_signature=[one])
        def gradient(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                z = logits_model(x, training=False)
                score = tf.reduce_sum(seed_of(z) * z)
            return tape.gradient(score, x)[0]

        guided_map = {"Relu": "BenchGuidedRelu", "Relu6": "BenchGuidedRelu6"}

        @tf.function(input_signature=[one])
        def guided(x):
            with tf.compat.v1.get_default_graph().gradient_override_map(guided_map):
                z = logits_model(x, training=False)
            score = tf.reduce_sum(seed_of(z) * z)
            return tf.gradients(score, x)[0][0]

        k = np.arange(IG_STEPS + 1, dtype=np.float64)
        alphas = tf.constant((k / IG_STEPS).astype(np.float32).reshape(-1, 1, 1, 1))
        weights = np.full(IG_STEPS + 1, 1.0 / IG_STEPS)
        weights[0] = weights[-1] = 0.5 / IG_STEPS
        weights = tf.constant(weights.astype(np.float32).reshape(-1, 1, 1, 1))
        base = self.baseline

        @tf.function(input_signature=[one])
        def ig(x):
            # trapezoid over 33 points from the black baseline; the last point is x itself, whose logits pick
            # the target, so one batch of 33 rows is one forward and one backward pass
            path = base + alphas * (x - base)
            with tf.GradientTape() as tape:
                tape.watch(path)
                z = logits_model(path, training=False)
                score = tf.reduce_sum(seed_of(z[-1:]) * z)
            g = tape.gradient(score, path)
            return (x - base)[0] * tf.reduce_sum(weights * g, axis=0)

        def smooth(x, noise):
            batch = tf.concat([x, x + noise], axis=0)
            with tf.GradientTape() as tape:
                tape.watch(batch)
                z = logits_model(batch, training=False)
                score = tf.reduce_sum(seed_of(z[:1]) * z[1:])
            g = tape.gradient(score, batch)
            return tf.reduce_mean(g[1:], axis=0)

        @tf.function(input_signature=[one])
        def smoothgrad(x):
            sigma = SG_NOISE * (tf.reduce_max(x) - tf.reduce_min(x))
            noise = tf.random.normal([SG_SAMPLES, size, size, 3], stddev=sigma)
            return smooth(x, noise)

        @tf.function(input_signature=[one, tf.TensorSpec([SG_SAMPLES, size, size, 3], tf.float32)])
        def smoothgrad_given(x, noise):
            return smooth(x, noise)

        self.fns = {
            "predict": predict,
            "gradient": gradient,
            "guided-backprop": guided,
            "integrated-gradients": ig,
            "smoothgrad": smoothgrad,
        }
        self.smoothgrad_given = smoothgrad_given
        if cam_layer is not None:
            self.set_cam(cam_layer)

    def set_cam(self, cam_layer):
        """Grad-CAM of the layer Salience explains by default (its name known once Salience is up)."""
        tf, seed_of = self.tf, self.seed_of
        self.cam_layer = cam_layer
        self.cam = type(self.logits)(self.keras.inputs, [self.keras.get_layer(cam_layer).output, self.logits.output])
        cam_model = self.cam

        @tf.function(input_signature=[self.one])
        def gradcam(x):
            with tf.GradientTape() as tape:
                a, z = cam_model(x, training=False)
                score = tf.reduce_sum(seed_of(z) * z)
            g = tape.gradient(score, a)
            w = tf.reduce_mean(g, axis=[1, 2], keepdims=True)
            return tf.nn.relu(tf.reduce_sum(w * a, axis=-1))[0]

        self.fns["grad-cam"] = gradcam

    def run(self, method, x):
        return self.fns[method](x).numpy()


def register_guided_gradients():
    import tensorflow as tf

    @tf.RegisterGradient("BenchGuidedRelu")
    def _guided_relu(op, grad):
        return tf.cast(op.outputs[0] > 0, grad.dtype) * tf.nn.relu(grad)

    @tf.RegisterGradient("BenchGuidedRelu6")
    def _guided_relu6(op, grad):
        x = op.inputs[0]
        return tf.cast(tf.logical_and(x > 0, x < 6), grad.dtype) * tf.nn.relu(grad)


# ------------------------------------------------------------------------------ the minimal HTTP server peer


def serve(args):
    """`peers.py --serve PORT --models a,b`: http.server around the TfModel functions (run as a subprocess)."""
    import http.server

    import tensorflow as tf

    register_guided_gradients()
    specs = model_specs()
    models = {n: TfModel(n, specs[n]) for n in args.models.split(",")}
    for m in models.values():  # trace every function once before saying ready
        x = tf.zeros([1, m.spec["size"], m.spec["size"], 3])
        for method in m.fns:
            m.fns[method](x)
    cams = json.loads(sys.stdin.readline())  # Salience's default CAM layers, sent once it is up
    for n, m in models.items():
        m.set_cam(cams[n])
        m.fns["grad-cam"](tf.zeros([1, m.spec["size"], m.spec["size"], 3]))

    route = re.compile(r"^/v1/models/([^/]+)/(saliency|predict)(?:\?(.*))?$")

    def image_part(body, content_type):
        boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()
        for part in body.split(b"--" + boundary):
            head, sep, data = part.partition(b"\r\n\r\n")
            if sep and b'name="image"' in head:
                return data[: -2] if data.endswith(b"\r\n") else data
        raise ValueError("no image part")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            m = route.match(self.path)
            model = models[m.group(1)]
            x = tf.constant(preprocess(image_part(body, self.headers["Content-Type"]), model.spec)[None])
            if m.group(2) == "predict":
                p = model.fns["predict"](x).numpy()[0]
                out = json.dumps({"probabilities": p.tolist()}).encode()
                kind = "application/json"
            else:
                query = dict(kv.split("=", 1) for kv in (m.group(3) or "").split("&") if kv)
                buf = io.BytesIO()
                np.save(buf, model.fns[query.get("method", "gradient")](x).numpy())
                out = buf.getvalue()
                kind = "application/x-npy"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = http.server.HTTPServer(("127.0.0.1", args.serve), Handler)
    print("ready", flush=True)
    server.serve_forever()


# ---------------------------------------------------------------------------------------------- PAIR, tkv


class PairPeer:
    """PAIR saliency's core API with a call_model_function in the style of its TF2 examples (eager tape)."""

    def __init__(self, tm):
        import saliency.core as pair
        import tensorflow as tf

        self.pair, self.tf, self.tm = pair, tf, tm
        self.sigmoid = tm.spec["kind"] == "sigmoid"
        self.grad = pair.GradientSaliency()
        self.ig = pair.IntegratedGradients()
        self.gradcam = pair.GradCam()
        self.baseline = black_baseline(tm.spec)
        self.methods = {
            "gradient": lambda x: self.grad.GetMask(x, self.call, self.target(x)),
            "grad-cam": lambda x: self.gradcam.GetMask(
                x, self.call, self.target(x), should_resize=False, three_dims=False),
            # 33 points, both ends included (PAIR's rule), in one batch: the same cost as 32 trapezoid steps
            "integrated-gradients": lambda x: self.ig.GetMask(
                x, self.call, self.target(x), x_baseline=self.baseline, x_steps=IG_STEPS + 1,
                batch_size=IG_STEPS + 1),
            "smoothgrad": lambda x: self.grad.GetSmoothedMask(
                x, self.call, self.target(x), stdev_spread=SG_NOISE, nsamples=SG_SAMPLES, magnitude=False),
        }

    def target(self, x):
        z = self.tm.logits(x[None], training=False).numpy()[0]
        return {"sign": 1.0 if z[0] > 0 else -1.0} if self.sigmoid else {"class": int(np.argmax(z))}

    def score(self, z, args):
        return z[:, 0] * args["sign"] if self.sigmoid else z[:, args["class"]]

    def call(self, images, call_model_args=None, expected_keys=None):
        tf, pair = self.tf, self.pair
        images = tf.convert_to_tensor(images, tf.float32)
        with tf.GradientTape() as tape:
            if expected_keys == [pair.base.INPUT_OUTPUT_GRADIENTS]:
                tape.watch(images)
                score = self.score(self.tm.logits(images, training=False), call_model_args)
                return {pair.base.INPUT_OUTPUT_GRADIENTS: tape.gradient(score, images).numpy()}
            conv, z = self.tm.cam(images, training=False)
            score = self.score(z, call_model_args)
        return {
            pair.base.CONVOLUTION_LAYER_VALUES: conv.numpy(),
            pair.base.CONVOLUTION_OUTPUT_GRADIENTS: tape.gradient(score, conv).numpy(),
        }


class TkvPeer:
    """tf-keras-vis on ReplaceToLinear copies of the model (made once), eager."""

    def __init__(self, tm):
        from tf_keras_vis.gradcam import Gradcam
        from tf_keras_vis.saliency import Saliency
        from tf_keras_vis.utils.model_modifiers import GuidedBackpropagation, ReplaceToLinear

        self.tm = tm
        self.sigmoid = tm.spec["kind"] == "sigmoid"
        self.saliency = Saliency(tm.keras, model_modifier=ReplaceToLinear(), clone=True)
        self.guided = Saliency(tm.keras, model_modifier=[ReplaceToLinear(), GuidedBackpropagation()], clone=True)
        self.gradcam_obj = Gradcam(tm.keras, model_modifier=ReplaceToLinear(), clone=True)
        raw = {"gradient_modifier": None, "keepdims": True, "normalize_map": False}
        self.methods = {
            "gradient": lambda x: self.saliency(self.score(x), x[None], **raw)[0],
            "guided-backprop": lambda x: self.guided(self.score(x), x[None], **raw)[0],
            "grad-cam": lambda x: self.gradcam_obj(
                self.score(x), x[None], penultimate_layer=tm.cam_layer, seek_penultimate_conv_layer=False,
                expand_cam=False, normalize_cam=False)[0],
            "smoothgrad": lambda x: self.saliency(
                self.score(x), x[None], smooth_samples=SG_SAMPLES, smooth_noise=SG_NOISE, **raw)[0],
        }

    def score(self, x):
        z = self.tm.logits(x[None], training=False).numpy()[0]
        if self.sigmoid:
            sign = 1.0 if z[0] > 0 else -1.0
            return lambda out: out[:, 0] * sign
        c = int(np.argmax(z))
        return lambda out: out[:, c]


class NoiseFrom:
    """Stands in for the numpy module inside a library so that np.random.normal hands out given noise."""

    def __init__(self, chunks):
        self._chunks = list(chunks)
        outer = self

        class _Random:
            def __getattr__(self, n):
                return getattr(np.random, n)

            def normal(self, loc=0.0, scale=1.0, size=None):
                out = outer._chunks.pop(0)
                if size is not None:
                    out = np.reshape(out, size)
                return out

        self.random = _Random()

    def __getattr__(self, n):
        return getattr(np, n)


# ---------------------------------------------------------------------------------------------- helpers


def spearman(a, b):
    from scipy.stats import spearmanr

    return float(spearmanr(np.ravel(a), np.ravel(b)).statistic)


def compare(ref, got):
    ref = np.asarray(ref, np.float64).reshape(-1)
    got = np.asarray(got, np.float64).reshape(-1)
    if ref.shape != got.shape:
        return {"rel": float("inf"), "spearman": float("nan"), "shape": f"{ref.size} vs {got.size}"}
    scale = max(np.abs(ref).max(), 1e-30)
    return {"rel": float(np.abs(ref - got).max() / scale), "spearman": spearman(ref, got)}


def verdict(c):
    if c["rel"] <= SAME_REL:
        return "same"
    if c["spearman"] >= CLOSE_SPEARMAN:
        return "close"
    return "different"


def quartiles(v):
    q1, med, q3 = np.percentile(np.asarray(v, np.float64), [25, 50, 75])
    return float(med), float(q1), float(q3)


def loadavg():
    return pathlib.Path("/proc/loadavg").read_text().split()[:3]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(png, boundary="salience-bench-7d3f"):
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"image.png\"\r\n"
        f"Content-Type: image/png\r\n\r\n"
    ).encode() + png + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def load_npy(content):
    return np.load(io.BytesIO(content), allow_pickle=False)


# ----------------------------------------------------------------------------------------------- Salience


def start_salience(args, names, specs, workdir):
    jars = sorted(p for p in (REPO / "target").glob("salience-*.jar") if not p.name.endswith("-plain.jar"))
    if not jars:
        sys.exit("no target/salience-*.jar: build it first (./mvnw -q -DskipTests package)")
    models_dir = pathlib.Path(workdir) / "models"
    models_dir.mkdir()
    write_descriptors(specs, names, models_dir)
    port, mport = args.port or free_port(), free_port()
    log = open(pathlib.Path(workdir) / "salience.log", "w")
    cmd = ["java", *args.jvm_arg, "-jar", str(jars[-1]), f"--salience.models.dir={models_dir}",
           f"--server.port={port}", f"--management.server.port={mport}", *args.salience_arg]
    print("salience:", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    import requests

    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"Salience exited ({proc.returncode}); see {log.name}")
        try:
            r = requests.get(f"http://127.0.0.1:{mport}/actuator/health/readiness", timeout=2)
            if r.status_code == 200 and r.json().get("status") == "UP":
                return proc, f"http://127.0.0.1:{port}", jars[-1]
        except requests.RequestException:
            pass
        time.sleep(1)
    proc.terminate()
    sys.exit("Salience did not become ready in 300 s")


def main():
    global SHARED
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15; 0 = the checks only)")
    ap.add_argument("--models", default="idc-demo,brain-mri,bench224")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--block-ms", type=float, default=40.0, help="one timed block of Salience calls, about")
    ap.add_argument("--slow-s", type=float, default=2.0,
                    help="a peer whose call takes longer than this (s) is timed only every --slow-every rounds")
    ap.add_argument("--slow-every", type=int, default=3)
    ap.add_argument("--url", help="a running Salience serving the models under these names (no jar started)")
    ap.add_argument("--port", type=int, default=0, help="Salience's API port (default: a free one)")
    ap.add_argument("--jvm-arg", action="append", default=[], help="extra JVM argument (repeatable)")
    ap.add_argument("--salience-arg", action="append", default=[], help="extra Spring argument (repeatable)")
    ap.add_argument("--json", help="write every sample and the summary to this file")
    ap.add_argument("--shared", default=str(SHARED), help="the third-party fixtures folder (default ../shared)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    SHARED = pathlib.Path(args.shared)
    if args.serve:
        return serve(args)

    specs = model_specs()
    names = []
    for n in args.models.split(","):
        if not (specs[n]["savedModel"] / "saved_model.pb").is_file():
            print(f"skipping {n}: {specs[n]['savedModel']} is absent")
            continue
        names.append(n)
    methods = args.methods.split(",")
    peers = args.peers.split(",")
    load_start = loadavg()
    print(f"load average at start: {' '.join(load_start)}", flush=True)

    import requests

    work = tempfile.TemporaryDirectory(prefix="salience-bench-")
    helper = None
    t_start = time.time()
    if "tf-http" in peers:  # loads and traces while Salience starts
        hport = free_port()
        helper = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(hport), "--models", ",".join(names), "--shared", args.shared],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        helper_url = f"http://127.0.0.1:{hport}"
    server, base_url, jar = (None, args.url, None) if args.url else start_salience(args, names, specs, work.name)
    print(f"Salience ready after {time.time() - t_start:.0f} s", flush=True)
    try:
        session = requests.Session()
        cams = {n: session.get(f"{base_url}/v1/models/{n}/layers").json()["defaultCamLayer"].split("/")[-1]
                for n in names}
        api = session.get(f"{base_url}/v3/api-docs").json()
        sal_params = {p["name"] for op in api["paths"]["/v1/models/{model}/saliency"].values()
                      for p in op.get("parameters", [])}
        listed = session.get(f"{base_url}/v1/methods").json()
        common = {q.get("name") for m in listed for q in m.get("commonParameters", []) if isinstance(q, dict)}
        multi = "methods" in sal_params or "methods" in common
        if helper is not None:
            helper.stdin.write(json.dumps(cams) + "\n")
            helper.stdin.flush()

        import tensorflow as tf

        register_guided_gradients()
        print(f"TensorFlow {tf.__version__}; Salience {jar.name if jar else base_url}; Grad-CAM layers {cams}")
        print(f"'methods=' parameter on /saliency: {'yes' if multi else 'no (three-map request not measured)'}")
        if helper is not None:
            line = helper.stdout.readline().strip()
            if line != "ready":
                sys.exit(f"TF HTTP server did not start: {line!r}")
            print(f"TF HTTP server ready after {time.time() - t_start:.0f} s", flush=True)
        hsession = requests.Session()

        # ---- per model: input, peers, the check
        cases = {}  # (model, method) -> {"calls": {peer: fn}, "n": int}
        report = {"checks": {}, "samples": {}, "excluded": {}}
        t_setup = time.time()
        for n in names:
            print(f"{n}: loading and checking ({time.time() - t_setup:.0f} s)", flush=True)
            spec = specs[n]
            png = make_png(n, spec["size"])
            body, ctype = multipart(png)
            x = preprocess(png, spec)
            tm = TfModel(n, spec, cams[n])
            xt = tf.constant(x[None])
            pair = PairPeer(tm) if "pair" in peers else None
            tkv = TkvPeer(tm) if "tkv" in peers else None

            def sal_call(method, accept="application/x-npy", body=body, ctype=ctype, n=n):
                if method == "predict":
                    url, accept = f"{base_url}/v1/models/{n}/predict", "application/json"
                else:
                    url = f"{base_url}/v1/models/{n}/saliency?{QUERY[method]}"
                r = session.post(url, data=body, headers={"Content-Type": ctype, "Accept": accept})
                if r.status_code != 200:
                    raise RuntimeError(f"{n} {method}: {r.status_code} {r.text[:300]}")
                return r

            def helper_call(method, body=body, ctype=ctype, n=n):
                path = "predict" if method == "predict" else f"saliency?{QUERY[method]}"
                r = hsession.post(f"{helper_url}/v1/models/{n}/{path}", data=body, headers={"Content-Type": ctype})
                r.raise_for_status()
                return r

            for method in methods:
                calls = {"salience": (lambda m=method, f=sal_call: f(m).content)}
                if "tf" in peers:
                    calls["tf"] = lambda m=method, tm=tm, xt=xt: tm.run(m, xt)
                if helper is not None:
                    calls["tf-http"] = lambda m=method, f=helper_call: f(m).content
                if pair is not None and method in pair.methods:
                    calls["pair"] = lambda m=method, pair=pair, x=x: pair.methods[m](x)
                if tkv is not None and method in tkv.methods:
                    calls["tkv"] = lambda m=method, tkv=tkv, x=x: tkv.methods[m](x)
                last = {}
                for peer, fn in calls.items():  # warm up: traces, JIT, first-call allocations
                    for _ in range(1 if peer in ("pair", "tkv") else 3):
                        t0 = time.perf_counter()
                        fn()
                        last[peer] = time.perf_counter() - t0

                # ---- the check: every peer against Salience's raw map of the same bytes
                if method == "predict":
                    got = sal_call("predict").json()["predictions"][0]["classes"]
                    ref = np.zeros(len(got))
                    for c in got:
                        ref[c["index"]] = c["probability"]
                    if spec["kind"] == "sigmoid":
                        ref = ref[1:]  # the model's one unit is p(class 1)
                    peer_maps = {"tf": lambda: tm.run("predict", xt)[0],
                                 "tf-http": lambda: np.array(helper_call("predict").json()["probabilities"])}
                else:
                    ref = load_npy(sal_call(method).content)
                    peer_maps = {"tf": lambda m=method: tm.run(m, xt),
                                 "tf-http": lambda m=method: load_npy(helper_call(m).content)}
                    if pair is not None and method in pair.methods:
                        peer_maps["pair"] = lambda m=method: pair.methods[m](x)
                    if tkv is not None and method in tkv.methods:
                        peer_maps["tkv"] = lambda m=method: tkv.methods[m](x)
                    if method == "grad-cam":
                        ref = ref[:, :, 0]
                    if method == "smoothgrad":
                        import saliency.core.base as pair_base
                        import tf_keras_vis.saliency as tkv_saliency

                        noisy, noise = salience_noise(x)
                        peer_maps["tf"] = lambda: tm.smoothgrad_given(xt, tf.constant(noisy - x[None])).numpy()
                        peer_maps["tf-http"] = None  # draws its own noise; the same function as "tf"

                        def with_noise(module, chunks, fn):
                            saved = module.np
                            module.np = NoiseFrom(chunks)
                            try:
                                return fn()
                            finally:
                                module.np = saved

                        if "pair" in peer_maps:
                            peer_maps["pair"] = lambda: with_noise(
                                pair_base, list(noise), lambda: pair.methods["smoothgrad"](x))
                        if "tkv" in peer_maps:
                            peer_maps["tkv"] = lambda: with_noise(
                                tkv_saliency, [noise[:, None]], lambda: tkv.methods["smoothgrad"](x))
                if method == "integrated-gradients" and "pair" in peer_maps:
                    # PAIR's own rule (33 evenly spaced points, both ends, equal weights), computed with the
                    # in-process gradient: PAIR is checked against that, and its distance to Salience's
                    # trapezoid is printed beside it
                    b = black_baseline(spec)
                    path = b[None] + np.linspace(0, 1, IG_STEPS + 1).reshape(-1, 1, 1, 1) * (x - b)[None]
                    pt = tf.constant(path.astype(np.float32))
                    with tf.GradientTape() as tape:
                        tape.watch(pt)
                        z = tm.logits(pt, training=False)
                        score = tf.reduce_sum(tm.seed_of(z[-1:]) * z)
                    pair_rule = (x - b) * tape.gradient(score, pt).numpy().mean(axis=0)
                    got = pair.methods["integrated-gradients"](x)
                    c = compare(ref, got)
                    print(f"check {n:10s} {method:21s} pair     vs Salience's trapezoid: max|diff|/max|ref| "
                          f"{c['rel']:.2e}  Spearman {c['spearman']:.6f}; against its own rule below", flush=True)
                    report["checks"][f"{n} {method} pair vs trapezoid"] = c
                    peer_maps["pair"] = lambda got=got, pair_rule=pair_rule: (pair_rule, got)
                for peer, fn in list(peer_maps.items()):
                    if peer not in calls:
                        continue
                    if peer == "pair" and method == "integrated-gradients":
                        c = compare(*fn())
                        c["note"] = "against PAIR's rule computed with GradientTape"
                    elif fn is None:
                        c = dict(report["checks"][f"{n} {method} tf"])
                        c["note"] = "same tf.function as tf, checked there"
                    else:
                        c = compare(ref, fn())
                    c["verdict"] = verdict(c)
                    report["checks"][f"{n} {method} {peer}"] = c
                    print(f"check {n:10s} {method:21s} {peer:8s} max|diff|/max|ref| {c['rel']:.2e}  "
                          f"Spearman {c['spearman']:.6f}  {c['verdict']}", flush=True)
                    if c["verdict"] == "different":
                        report["excluded"][f"{n} {method} {peer}"] = c
                        del calls[peer]
                # block length from Salience's own (last warm-up) time
                reps = max(1, min(25, int(round(args.block_ms / 1000 / max(last["salience"], 1e-4)))))
                slow = {p for p in calls if p != "salience" and last[p] > args.slow_s}
                cases[(n, method)] = {"calls": calls, "n": reps, "slow": slow, "json": None if method == "predict" else
                                      (lambda m=method, f=sal_call: f(m, "application/json").json()["timings"])}
            if multi and "gradient" in methods:
                three = "gradient,guided-backprop,grad-cam"

                def multi_call(ms, body=body, ctype=ctype, n=n):
                    query = f"methods={ms}" if "," in ms else f"method={ms}"
                    r = session.post(f"{base_url}/v1/models/{n}/saliency?{query}", data=body,
                                     headers={"Content-Type": ctype, "Accept": "application/json"})
                    if r.status_code != 200:
                        raise RuntimeError(f"{n} methods={ms}: {r.status_code} {r.text[:300]}")
                    return r.content

                for _ in range(3):
                    multi_call(three)
                    multi_call("gradient")
                # the check: each of the three maps (JSON, normalised) against its own single request
                got = json.loads(multi_call(three))["maps"]
                for one in got:
                    alone = json.loads(multi_call(one["method"]))
                    c = compare(alone["map"], one["map"])
                    c["verdict"] = verdict(c)
                    report["checks"][f"{n} methods={three} {one['method']}"] = c
                    print(f"check {n:10s} methods={three}: {one['method']:15s} vs method={one['method']} alone: "
                          f"max|diff| {c['rel']:.2e}  Spearman {c['spearman']:.6f}  {c['verdict']}", flush=True)
                cases[(n, "three maps")] = {"calls": {"salience": lambda f=multi_call: f(three),
                                                      "one map": lambda f=multi_call: f("gradient")},
                                            "n": cases[(n, "gradient")]["n"], "slow": set(), "json": None}

        # ---- the timed loop
        samples = {k: {p: [] for p in c["calls"]} for k, c in cases.items()}
        compute = {k: [] for k in cases}
        t_loop = time.time()
        for r in range(args.rounds):
            for key, case in cases.items():
                names_in = list(case["calls"])
                order = names_in[r % len(names_in):] + names_in[: r % len(names_in)]
                for peer in order:
                    if peer in case["slow"] and r % args.slow_every != 0:
                        continue
                    fn = case["calls"][peer]
                    t0 = time.perf_counter()
                    for _ in range(case["n"]):
                        fn()
                    samples[key][peer].append(((time.perf_counter() - t0) / case["n"] * 1000, r))
                if case["json"] is not None:
                    compute[key].append(case["json"]()["compute"])
            print(f"round {r + 1}/{args.rounds} done at {time.time() - t_loop:.0f} s, load {' '.join(loadavg())}",
                  flush=True)
        load_end = loadavg()
    finally:
        if helper is not None:
            helper.terminate()
            helper.wait(10)
        if server is not None:
            server.terminate()
            try:
                server.wait(40)
            except subprocess.TimeoutExpired:
                server.kill()

    if args.rounds == 0:  # --rounds 0: the checks only
        print(f"load average at start {' '.join(load_start)}, at end {' '.join(load_end)}; checks only")
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps(report, indent=1))
        return
    # ---- summary
    rows = []
    for key, s in samples.items():
        n, method = key
        sal_by_round = dict((r, t) for t, r in s["salience"])
        sal = np.asarray([t for t, _ in s["salience"]])
        row = {"model": n, "method": method, "salience_ms": quartiles(sal), "ratios": {}, "peer_ms": {},
               "rounds": {}}
        for peer, v in s.items():
            if peer == "salience":
                continue
            row["ratios"][peer] = quartiles([sal_by_round[r] / t for t, r in v])
            row["peer_ms"][peer] = quartiles([t for t, _ in v])
            row["rounds"][peer] = len(v)
        if compute[key] and "tf" in s:
            comp = np.asarray(compute[key])
            tf_ms = np.asarray([t for t, _ in s["tf"]])
            row["compute_ms"] = quartiles(comp)
            row["compute_vs_tf"] = quartiles(comp / tf_ms)
            row["fixed_ms"] = quartiles(sal - comp)
        rows.append(row)

    def cell(q, unit="×"):
        return f"{q[0]:.2f}{unit} ({q[1]:.2f}–{q[2]:.2f})"

    print()
    print(f"load average at start {' '.join(load_start)}, at end {' '.join(load_end)}; {args.rounds} rounds")
    print("ratio = Salience over HTTP / peer, median over rounds (IQR); > 1 means Salience is slower")
    for row in rows:
        print(f"{row['model']:10s} {row['method']:21s} Salience {row['salience_ms'][0]:8.2f} ms  " + "  ".join(
            f"{p} {cell(q)} [{row['peer_ms'][p][0]:.2f} ms, {row['rounds'][p]} rounds]"
            for p, q in row["ratios"].items())
            + (f"  compute {row['compute_ms'][0]:.2f} ms = {cell(row['compute_vs_tf'])} of tf; fixed "
               f"{row['fixed_ms'][0]:.2f} ms" if "compute_ms" in row else ""))
    for k, c in report["excluded"].items():
        print(f"excluded: {k} (max|diff|/max|ref| {c['rel']:.2e}, Spearman {c['spearman']:.4f})")

    table_peers = [p for p in PEERS if p in peers]
    print()
    print("| model | method | Salience HTTP (ms) | " + " | ".join(f"vs {PEER_TITLE[p]}" for p in table_peers)
          + " | Salience compute vs plain TF | fixed cost (ms) |")
    print("|---|---|---|" + "---|" * len(table_peers) + "---|---|")
    for row in rows:
        if row["method"] == "three maps":
            continue
        cells = []
        for p in table_peers:
            k = f"{row['model']} {row['method']} {p}"
            if p in row["ratios"]:
                mark = "" if report["checks"][k]["verdict"] == "same" else " ≈"
                if p == "pair" and row["method"] == "integrated-gradients":
                    mark += " †"
                if row["rounds"][p] < args.rounds:
                    mark += f" ({row['rounds'][p]} rounds)"
                cells.append(cell(row["ratios"][p]) + mark)
            elif k in report["excluded"]:
                cells.append("differs")
            else:
                cells.append("n/a")
        comp = cell(row["compute_vs_tf"]) if "compute_vs_tf" in row else ""
        fixed = f"{row['fixed_ms'][0]:.2f}" if "fixed_ms" in row else ""
        print(f"| {row['model']} | {SHORT.get(row['method'], row['method'])} | {row['salience_ms'][0]:.2f} | "
              + " | ".join(cells) + f" | {comp} | {fixed} |")
    three = [row for row in rows if row["method"] == "three maps"]
    if three:
        print()
        print("| model | `methods=gradient,guided-backprop,grad-cam` (ms) | `method=gradient` (ms) | ratio (IQR) |")
        print("|---|---|---|---|")
        for row in three:
            print(f"| {row['model']} | {row['salience_ms'][0]:.2f} | {row['peer_ms']['one map'][0]:.2f} | "
                  f"{cell(row['ratios']['one map'])} |")
    print()
    print("≈: the same method, but its map differs from Salience's by more than "
          f"{SAME_REL:g} of the map's maximum (Spearman ≥ {CLOSE_SPEARMAN}); see the check lines above.")
    if any(k.endswith("integrated-gradients pair") for k in report["checks"]):
        print("†: PAIR's IG rule (33 evenly spaced points, both ends, equal weights; the same 33 gradient rows in one "
              "batch as Salience's trapezoid) is checked against that rule; its distance to Salience's map is in "
              "the check lines.")
    if args.json:
        report.update({"rows": rows, "load_start": load_start, "load_end": load_end, "rounds": args.rounds,
                       "raw": {f"{k[0]} {k[1]}": v for k, v in samples.items()},
                       "compute": {f"{k[0]} {k[1]}": v for k, v in compute.items()}})
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
