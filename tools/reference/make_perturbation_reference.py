#!/usr/bin/env python3
"""Reference outputs of the perturbation methods on planted-demo (src/test/resources/reference/perturbation).

- lime: the `lime` package's LimeImageExplainer on two held-back images, with SLIC segments from scikit-image
  (given to lime as its segmentation_fn) and the logits of the target class as classifier_fn. The 0/1 sample matrix
  lime drew is recorded, so that the Java test feeds the same segments and the same samples to LimeMethod.
- occlusion: a direct numpy computation (patch positions, fill images, score drops, averaging), the logits computed by
  TensorFlow on the same SavedModel.

Run from the repository root: tools/reference/.venv/bin/python tools/reference/make_perturbation_reference.py
"""

from __future__ import annotations

import json

import common  # noqa: F401  (TensorFlow set-up)
import numpy as np
import tensorflow as tf
from lime import lime_image
from skimage.segmentation import slic

REPO = common.REPO
OUT = common.RESOURCES / "reference" / "perturbation"
MODEL = REPO / "models" / "planted-demo" / "saved_model"
IMAGES = [0, 1]
LIME_SAMPLES = 1000
LIME_KERNEL_WIDTH = 0.25


def logits_fn():
    model = tf.keras.models.load_model(str(MODEL), compile=False)
    logits = tf.keras.Model(model.input, model.get_layer("logits").output)
    return lambda x: logits.predict(np.asarray(x, np.float32), batch_size=256, verbose=0).astype(np.float64)


def blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian, radius ceil(3 sigma), edges clamped (the service's blur fill)."""
    radius = int(np.ceil(3 * sigma))
    k = np.exp(-(np.arange(-radius, radius + 1) ** 2) / (2 * sigma * sigma))
    k /= k.sum()
    h, w, _ = x.shape
    tmp = np.zeros_like(x, dtype=np.float64)
    for i, kv in enumerate(k):
        cols = np.clip(np.arange(w) + i - radius, 0, w - 1)
        tmp += kv * x[:, cols, :]
    tmp = tmp.astype(np.float32)
    out = np.zeros_like(x, dtype=np.float64)
    for i, kv in enumerate(k):
        rows = np.clip(np.arange(h) + i - radius, 0, h - 1)
        out += kv * tmp[rows, :, :]
    return out.astype(np.float32)


def positions(side: int, window: int, stride: int) -> list[int]:
    out = list(range(0, side - window + 1, stride))
    if out[-1] != side - window:
        out.append(side - window)
    return out


def occlusion(f, x: np.ndarray, target: int, window: int, stride: int, fill: str) -> np.ndarray:
    h, w, c = x.shape
    if fill == "mean":
        fimg = np.broadcast_to(x.astype(np.float64).mean(axis=(0, 1)).astype(np.float32), x.shape)
    elif fill == "black":
        fimg = np.zeros_like(x)
    else:
        fimg = blur(x, max(1.0, w / 16.0))
    base = f(x[None])[0, target]
    total = np.zeros((h, w))
    count = np.zeros((h, w))
    batch, where = [], []
    for y0 in positions(h, window, stride):
        for x0 in positions(w, window, stride):
            o = x.copy()
            o[y0:y0 + window, x0:x0 + window] = fimg[y0:y0 + window, x0:x0 + window]
            batch.append(o)
            where.append((y0, x0))
    scores = f(np.stack(batch))[:, target]
    for (y0, x0), s in zip(where, scores):
        total[y0:y0 + window, x0:x0 + window] += base - s
        count[y0:y0 + window, x0:x0 + window] += 1
    return (total / count).astype(np.float32)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    f = logits_fn()
    pixels = np.load(common.RESOURCES / "planted" / "heldout.npy")
    manifest = []
    captured = {}
    original = lime_image.LimeImageExplainer.data_labels

    def recording(self, *args, **kwargs):
        data, labels = original(self, *args, **kwargs)
        captured["data"] = data
        return data, labels

    lime_image.LimeImageExplainer.data_labels = recording
    for i in IMAGES:
        x = (pixels[i].astype(np.float32) / np.float32(255.0)).astype(np.float32)
        target = int(np.argmax(f(x[None])[0]))
        common.save_npy(OUT / f"input-{i}.npy", x)
        segments = slic(pixels[i], n_segments=50, compactness=10, start_label=0).astype(np.int32)
        np.save(OUT / f"segments-{i}.npy", segments)
        for hide in ("mean", "black"):
            explainer = lime_image.LimeImageExplainer(kernel_width=LIME_KERNEL_WIDTH, random_state=i)
            exp = explainer.explain_instance(
                x.astype(np.float64), f, labels=(target,), top_labels=None,
                hide_color=None if hide == "mean" else 0, num_samples=LIME_SAMPLES, batch_size=100,
                segmentation_fn=lambda img, s=segments: s, random_seed=i)
            weights = np.zeros(int(segments.max()) + 1)
            for feature, w in exp.local_exp[target]:
                weights[feature] = w
            name = f"lime-{i}-{hide}"
            np.save(OUT / f"{name}-samples.npy", captured["data"].astype(np.uint8))
            common.save_npy(OUT / f"{name}-weights.npy", weights)
            manifest.append({"method": "lime", "name": name, "input": f"input-{i}.npy",
                             "segments": f"segments-{i}.npy", "samples": f"{name}-samples.npy",
                             "expected": f"{name}-weights.npy", "target": target,
                             "params": {"hide": hide, "kernelWidth": LIME_KERNEL_WIDTH},
                             "intercept": float(exp.intercept[target]), "r2": float(exp.score),
                             "localPrediction": float(np.ravel(exp.local_pred)[0])})
        for window, stride, fill in ((0, 0, "mean"), (0, 0, "blur"), (5, 3, "black")):
            win = window or max(1, round(min(x.shape[:2]) / 8))
            st = stride or max(1, win // 2)
            name = f"occlusion-{i}-{fill}-{window}-{stride}"
            common.save_npy(OUT / f"{name}.npy", occlusion(f, x, target, win, st, fill))
            manifest.append({"method": "occlusion", "name": name, "input": f"input-{i}.npy", "expected": f"{name}.npy",
                             "target": target,
                             "params": {"window": str(window), "stride": str(stride), "fill": fill}})
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(manifest)} cases to {OUT}")


if __name__ == "__main__":
    main()
