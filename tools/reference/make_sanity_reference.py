"""Reference values for the model parameter randomisation test (issue 12).

1. Similarity functions on committed map pairs (src/test/resources/reference/sanity/pair-*.npy, each [2, H, W]
   float32): Spearman (scipy.stats.spearmanr, and Quantus's correlation_spearman), SSIM (Quantus's ssim, i.e.
   skimage.metrics.structural_similarity with data_range = range of both maps) of the maps divided by their maxima,
   and the HOG similarity (scipy.stats.pearsonr of skimage.feature.hog with its defaults) of the same.
2. Quantus's MPRT (quantus.MPRT, top_down and independent, seed 42, similarity correlation_spearman, abs=True,
   normalise=True) on planted-demo and examples/planted-demo/red-6.png with a plain-gradient explain_func (the
   gradient of the target's pre-softmax logit, absolute values summed over channels). The randomised weights
   Quantus draws (np.random.permutation with seed 43 per layer) are saved per step, so the Java test can feed the
   same weights to its graph copy and compare its figures with Quantus's.

Run (Quantus 0.5.3 needs cachetools, which the shared venv lacks):
  /work/venv-ref/bin/python -m pip install --target tools/reference/sanity/.venv -r tools/reference/sanity/requirements.txt
  /work/venv-ref/bin/python tools/reference/make_sanity_reference.py
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "sanity" / ".venv"))

import common  # noqa: F401  (sets up TensorFlow first)
import numpy as np
import quantus
import scipy.stats
import tensorflow as tf
import tf_keras
from PIL import Image
from skimage.feature import hog

OUT = common.REFERENCE / "sanity"
OUT.mkdir(parents=True, exist_ok=True)


def smooth(rng, h, w, k=5):
    f = rng.normal(size=(h + 2 * k, w + 2 * k))
    kern = np.ones(2 * k + 1) / (2 * k + 1)
    f = np.apply_along_axis(lambda r: np.convolve(r, kern, "valid"), 1, f)
    f = np.apply_along_axis(lambda c: np.convolve(c, kern, "valid"), 0, f)
    return f[:h, :w]


def by_max(a):
    m = np.max(np.abs(a))
    return a / m if m > 0 else a


def similarity_cases():
    rng = np.random.default_rng(12)
    cases = {}
    a = np.abs(smooth(rng, 50, 50))
    cases["smooth-50"] = (a, np.abs(smooth(rng, 50, 50)))
    cases["noisy-50"] = (a, np.abs(a + 0.3 * rng.normal(size=a.shape) * a.std()))
    q = np.round(a * 4 / a.max()) / 4  # many ties
    cases["ties-50"] = (q, np.round(np.abs(a + 0.5 * rng.normal(size=a.shape) * a.std()) * 3 / a.max()) / 3)
    b = np.abs(smooth(rng, 32, 32, 3))
    cases["noisy-32"] = (b, np.abs(b + 0.5 * rng.normal(size=b.shape) * b.std()))
    c = np.abs(smooth(rng, 48, 64, 4))
    cases["wide-48x64"] = (c, np.abs(smooth(rng, 48, 64, 4)))
    signed = smooth(rng, 40, 40)
    cases["signed-40"] = (signed, signed + 0.7 * smooth(rng, 40, 40))
    ref = {}
    for name, (x, y) in cases.items():
        x = x.astype(np.float32)
        y = y.astype(np.float32)
        np.save(OUT / f"pair-{name}.npy", np.stack([x, y]))
        xm, ym = by_max(np.abs(x)), by_max(np.abs(y))
        hx = hog(xm.astype(np.float64))
        hy = hog(ym.astype(np.float64))
        ref[name] = {
            "spearman": float(scipy.stats.spearmanr(x.ravel(), y.ravel())[0]),
            "quantusSpearman": float(quantus.similarity_func.correlation_spearman(x.ravel(), y.ravel())),
            "ssimByMax": float(quantus.similarity_func.ssim(xm, ym)),
            "hogByMax": float(scipy.stats.pearsonr(hx, hy)[0]),
            "hogLength": int(hx.size),
        }
    return ref


def mprt():
    model = tf_keras.models.load_model(str(common.REPO / "models/planted-demo/saved_model"), compile=False)
    logits_model = tf_keras.Model(model.inputs, model.get_layer("logits").output)
    img = np.asarray(Image.open(common.REPO / "examples/planted-demo/red-6.png").convert("RGB"), dtype=np.float32)
    x = (img * np.float32(0.00392156862745098))[None]
    y = np.array([int(np.argmax(model.predict(x, verbose=0)[0]))])
    calls = []

    def explain(model, inputs, targets, **kwargs):
        xs = np.asarray(inputs, dtype=np.float32)
        if xs.shape[1] == 3 and xs.shape[-1] != 3:
            xs = np.transpose(xs, (0, 2, 3, 1))
        sub = tf_keras.Model(model.inputs, model.get_layer("logits").output)
        t = tf.convert_to_tensor(xs)
        with tf.GradientTape() as tape:
            tape.watch(t)
            z = sub(t, training=False)
            score = tf.reduce_sum(z * tf.one_hot(np.asarray(targets).reshape(-1), z.shape[-1]))
        g = tape.gradient(score, t).numpy()
        calls.append({w.name: w.numpy().copy() for w in model.weights})
        return np.sum(np.abs(g), axis=-1)[:, None, :, :]

    trained = {w.name: w.numpy().copy() for w in logits_model.weights}
    out = {"image": "examples/planted-demo/red-6.png", "target": int(y[0]), "orders": {}}
    for order in ["top_down", "independent"]:
        calls.clear()
        metric = quantus.MPRT(
            layer_order=order,
            seed=42,
            similarity_func=quantus.similarity_func.correlation_spearman,
            abs=True,
            normalise=True,
            disable_warnings=True,
        )
        scores = metric(
            model=model,
            x_batch=x,
            y_batch=y,
            a_batch=None,
            explain_func=explain,
            channel_first=False,
            softmax=False,
        )
        steps = []
        # calls: [0] a_batch on the trained model, [1] original on the trained model, then one per layer
        for i, (layer, values) in enumerate(list(scores.items())[1:]):
            weights = calls[i + 2]
            changed = {}
            for name, v in weights.items():
                if not np.array_equal(v, trained[name]):
                    var = name.split(":")[0]
                    file = f"mprt-{order}-{i + 1}-{var.replace('/', '_')}.npy"
                    np.save(OUT / file, v.astype(np.float32))
                    changed[var] = file
            steps.append({"layer": layer, "spearman": float(values[0]), "weights": changed})
        out["orders"][order] = {"original": float(scores["original"][0]), "steps": steps}
    return out


if __name__ == "__main__":
    ref = {"similarity": similarity_cases(), "mprt": mprt()}
    (OUT / "reference.json").write_text(json.dumps(ref, indent=2) + "\n")
    print(json.dumps(ref, indent=2))
