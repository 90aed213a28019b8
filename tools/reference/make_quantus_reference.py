#!/usr/bin/env python3
"""Quantus reference values of the evaluation metrics on planted-demo (src/test/resources/reference/evaluation).

On four held-back planted images, with committed maps (|gradient| of the predicted logit, max over channels, computed
here by TensorFlow) and the ground-truth square as the region, Quantus 0.5.3 computes:

- PixelFlipping (deletion): features_in_step = 32 of the 1024 pixels (32 steps), perturb_baseline "black" (the
  image's minimum), softmax=True: the probability after each step. Quantus's curve has no point before the first step
  and its AUC is np.trapz(curve, dx=1); Salience's curve starts at the unperturbed input and its AUC is the trapezoid
  over the pixel fraction 0..1. The Java test compares the points and both AUCs.
- Insertion: Quantus has no insertion metric; the same PixelFlipping loop (its ranking, steps and prediction) is run
  from the black canvas with a perturb_func that puts the original pixels back, which is insertion by definition.
- FaithfulnessCorrelation: nr_runs 20, subset_size 102, perturb_baseline "black", softmax=False (the logit). The
  subsets Quantus draws (np.random.choice) are recorded, so the Java test feeds the same ones.
- PointingGame, RelevanceMassAccuracy (energy inside), AttributionLocalisation (abs=True; the same on these
  non-negative maps) and TopKIntersection (k = the square's 36 pixels; IoU = I / (2k - I) follows from it).

Run from the repository root (Quantus needs its own venv, see requirements-quantus.txt):
  tools/reference/.venv/bin/python tools/reference/make_quantus_reference.py
"""

from __future__ import annotations

import json
import os

# Quantus 0.5.3 builds its softmax/linear heads with Keras 3 (`from keras import Model`), so this script keeps
# tf.keras = Keras 3 and rebuilds the planted model there with the weights of the Keras 2 SavedModel (read by tf_keras).
os.environ["TF_USE_LEGACY_KERAS"] = "0"

import common  # noqa: E402,F401  (TensorFlow set-up: determinism)
import numpy as np  # noqa: E402
import quantus  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

OUT = common.RESOURCES / "reference" / "evaluation"
MODEL = common.REPO / "models" / "planted-demo" / "saved_model"
HELDOUT = common.RESOURCES / "planted"
IMAGES = [0, 1, 2, 3]
STEPS = 32
FC_RUNS = 20
FC_SUBSET = 102


def keras3_model():
    """The planted-demo architecture (tools/reference/make_planted.py) in Keras 3, weights from the SavedModel."""
    keras = tf.keras
    inp = keras.Input((32, 32, 3), name="image")
    x = keras.layers.Conv2D(12, 3, padding="same", activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Conv2D(24, 3, padding="same", activation="relu", name="last_conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(3, name="logits")(x)
    # a Softmax layer (the same function as the saved Activation("softmax")): Quantus strips only that for logits
    out = keras.layers.Softmax(name="probabilities")(x)
    model = keras.Model(inp, out, name="planted_demo")
    legacy = tf_keras.models.load_model(str(MODEL), compile=False)
    for layer in model.layers:
        weights = legacy.get_layer(layer.name).get_weights()
        if weights:
            layer.set_weights(weights)
    probe = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    assert np.allclose(model.predict(probe, verbose=0), legacy.predict(probe, verbose=0), atol=1e-6)
    return model


def f9(v):
    """A float32 value with the 9 significant digits that round-trip it."""
    return float(f"{float(v):.9g}")


def main():
    model = keras3_model()
    logits_model = tf.keras.Model(model.input, model.get_layer("logits").output)
    pixels = np.load(HELDOUT / "heldout.npy").astype(np.float32)
    rows = [line.split(",") for line in (HELDOUT / "heldout.csv").read_text().splitlines()[1:]]
    cases = []
    for i in IMAGES:
        x = pixels[i] / 255.0
        x = x.astype(np.float32)
        _, label, sx, sy, size = rows[i]
        sx, sy, size = int(sx), int(sy), int(size)
        mask = np.zeros((32, 32), dtype=np.float32)
        mask[sy : sy + size, sx : sx + size] = 1
        xt = tf.constant(x[None])
        with tf.GradientTape() as tape:
            tape.watch(xt)
            z = logits_model(xt)
            target = int(tf.argmax(z[0]))
            score = z[0, target]
        grad = tape.gradient(score, xt).numpy()[0]
        amap = np.max(np.abs(grad), axis=-1).astype(np.float32)

        xb = x[None]  # (1, 32, 32, 3): channel last
        yb = np.array([target])
        ab = amap[None, None]  # (1, 1, 32, 32)
        sb = mask[None, None]

        deletion = quantus.PixelFlipping(
            features_in_step=1024 // STEPS, perturb_baseline="black", disable_warnings=True
        )(model=model, x_batch=xb, y_batch=yb, a_batch=ab, channel_first=False, softmax=True)[0]

        original = np.transpose(x, (2, 0, 1)).copy()  # Quantus perturbs channel-first arrays

        def put_back(arr, indices, indexed_axes, **kwargs):
            idx = quantus.helpers.utils.expand_indices(arr, indices, indexed_axes)
            out = arr.copy()
            out[idx] = original[idx]
            return out

        canvas = np.full_like(xb, xb.min())
        insertion = quantus.PixelFlipping(
            features_in_step=1024 // STEPS, perturb_func=put_back, disable_warnings=True
        )(model=model, x_batch=canvas, y_batch=yb, a_batch=ab, channel_first=False, softmax=True)[0]

        subsets = []
        choice = np.random.choice

        def recording_choice(*args, **kwargs):
            r = choice(*args, **kwargs)
            subsets.append([int(v) for v in r])
            return r

        np.random.seed(i)
        np.random.choice = recording_choice
        try:
            fc = quantus.FaithfulnessCorrelation(
                nr_runs=FC_RUNS,
                subset_size=FC_SUBSET,
                perturb_baseline="black",
                return_aggregate=False,
                disable_warnings=True,
            )(model=model, x_batch=xb, y_batch=yb, a_batch=ab, channel_first=False, softmax=False)[0]
        finally:
            np.random.choice = choice

        common_args = dict(model=model, x_batch=xb, y_batch=yb, a_batch=ab, s_batch=sb, channel_first=False)
        pointing = quantus.PointingGame(disable_warnings=True)(**common_args)[0]
        rma = quantus.RelevanceMassAccuracy(disable_warnings=True)(**common_args)[0]
        al = quantus.AttributionLocalisation(disable_warnings=True)(**common_args)[0]
        tki = quantus.TopKIntersection(k=size * size, disable_warnings=True)(**common_args)[0]

        cases.append(
            {
                "index": i,
                "target": target,
                "input": [f9(v) for v in x.reshape(-1)],
                "map": [f9(v) for v in amap.reshape(-1)],
                "mask": [int(v) for v in mask.reshape(-1)],
                "deletion": [float(v) for v in deletion],
                "deletionAuc": float(quantus.helpers.utils.calculate_auc(np.array(deletion))),
                "insertion": [float(v) for v in insertion],
                "insertionAuc": float(quantus.helpers.utils.calculate_auc(np.array(insertion))),
                "fcSubsets": subsets,
                "faithfulnessCorrelation": float(fc),
                "pointingGame": bool(pointing),
                "relevanceMassAccuracy": float(rma),
                "attributionLocalisation": float(al),
                "topKIntersection": float(tki),
                "k": size * size,
            }
        )
        print(f"image {i}: target {target}, deletion auc {cases[-1]['deletionAuc']:.4f}, "
              f"insertion auc {cases[-1]['insertionAuc']:.4f}, fc {fc:.4f}, pointing {pointing}, rma {rma:.4f}")
    OUT.mkdir(parents=True, exist_ok=True)
    doc = {
        "tool": f"quantus {quantus.__version__}, tensorflow {tf.__version__}",
        "steps": STEPS,
        "fill": "black",
        "fcRuns": FC_RUNS,
        "fcSubset": FC_SUBSET,
        "cases": cases,
    }
    (OUT / "quantus.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
