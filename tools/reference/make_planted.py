#!/usr/bin/env python3
"""Make the planted-signal demo model (models/planted-demo) and its images.

Synthetic 32x32 RGB images: a textured, low-saturation background (random gratings, blobs and pixel noise) and one
6x6 square of a saturated colour at a random position. The square's colour alone decides the class (red, green,
blue), so the ground truth of every explanation is known: the evidence is inside the square and nowhere else.

Writes (from the repository root: tools/reference/.venv/bin/python tools/reference/make_planted.py):

  models/planted-demo/saved_model/      Keras 2 SavedModel, signature serving_default
  models/planted-demo/model.yaml        descriptor read by the service
  models/planted-demo/metrics.json      measured accuracy, data and training facts
  models/planted-demo/MODEL_CARD.md     model card from the measured values
  examples/planted-demo/*.png           a few images, squares.csv with their square positions
  src/test/resources/planted/heldout.npy      100 held-back images, uint8 [100, 32, 32, 3]
  src/test/resources/planted/heldout.csv      their labels and square positions

Everything is seeded; a run takes about a minute on 2 CPU cores.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import time

import common  # noqa: F401  (sets up TensorFlow: legacy Keras, determinism, 2 threads)
import numpy as np
import tensorflow as tf
from PIL import Image

keras = tf.keras

REPO = common.REPO
OUT = REPO / "models" / "planted-demo"
EXAMPLES = REPO / "examples" / "planted-demo"
HELDOUT = REPO / "src" / "test" / "resources" / "planted"

SIZE = 32
SQUARE = 6
LABELS = ["red", "green", "blue"]
COLOURS = np.array([[225, 35, 35], [35, 200, 60], [40, 80, 235]], dtype=np.float32)
SEED = 20240611
COUNTS = {"train": 6000, "val": 1000, "test": 2000, "heldout": 100}

MODEL_YAML = """\
name: planted-demo
version: "1.0.0"
description: Tiny CNN on synthetic 32x32 images whose class is decided only by a 6x6 coloured square (made by the project)
savedModel: saved_model        # SavedModel folder, relative to this file
signature: serving_default
input:
  layout: NHWC
  width: 32
  height: 32
  colorMode: rgb
  resize: bilinear
  pipeline:                    # applied in order to 0..255 pixel values
    - scale: 0.00392156862745098
output:
  kind: softmax
  labels: [red, green, blue]
"""


def background(rng: np.random.Generator) -> np.ndarray:
    """A textured background of low saturation: gratings, soft blobs and pixel noise, in 0..255."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    grey = np.full((SIZE, SIZE), rng.uniform(70, 180), dtype=np.float32)
    for _ in range(rng.integers(2, 5)):
        angle = rng.uniform(0, np.pi)
        freq = rng.uniform(0.15, 0.9)
        phase = rng.uniform(0, 2 * np.pi)
        grey += rng.uniform(10, 35) * np.sin(freq * (np.cos(angle) * xx + np.sin(angle) * yy) + phase)
    for _ in range(rng.integers(1, 4)):
        cy, cx = rng.uniform(0, SIZE, 2)
        r = rng.uniform(3, 9)
        grey += rng.uniform(-40, 40) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    tint = rng.uniform(-12, 12, 3).astype(np.float32)  # a faint colour cast, far from the squares' saturation
    img = grey[..., None] + tint[None, None, :] + rng.normal(0, 8, (SIZE, SIZE, 3)).astype(np.float32)
    return np.clip(img, 0, 255)


def make(rng: np.random.Generator, n: int):
    images = np.empty((n, SIZE, SIZE, 3), dtype=np.uint8)
    labels = rng.integers(0, len(LABELS), n)
    pos = rng.integers(0, SIZE - SQUARE + 1, (n, 2))  # (x, y) of the top-left corner
    for i in range(n):
        img = background(rng)
        x, y = pos[i]
        colour = COLOURS[labels[i]] + rng.uniform(-15, 15, 3)
        img[y:y + SQUARE, x:x + SQUARE] = colour + rng.normal(0, 5, (SQUARE, SQUARE, 3))
        images[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return images, labels.astype(np.int64), pos.astype(np.int64)


def build_model() -> keras.Model:
    inp = keras.Input((SIZE, SIZE, 3), name="image")
    x = keras.layers.Conv2D(12, 3, padding="same", activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Conv2D(24, 3, padding="same", activation="relu", name="last_conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(len(LABELS), name="logits")(x)
    out = keras.layers.Activation("softmax", name="probabilities")(x)
    return keras.Model(inp, out, name="planted_demo")


def main() -> None:
    t0 = time.time()
    rng = np.random.default_rng(SEED)
    data = {k: make(rng, n) for k, n in COUNTS.items()}
    keras.utils.set_random_seed(SEED)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x_tr, y_tr, _ = data["train"]
    x_va, y_va, _ = data["val"]
    hist = model.fit(x_tr / 255.0, y_tr, validation_data=(x_va / 255.0, y_va), epochs=12, batch_size=64,
                     shuffle=True, verbose=2)
    train_seconds = time.time() - t0

    acc = {}
    for split in ("val", "test", "heldout"):
        x, y, _ = data[split]
        p = model.predict(x / 255.0, batch_size=256, verbose=0)
        acc[split] = float(np.mean(np.argmax(p, 1) == y))
    print("accuracy", acc)
    if acc["test"] < 0.98:
        sys.exit(f"ERROR: test accuracy {acc['test']:.4f} < 0.98; the planted signal was not learned")

    sm_dir = OUT / "saved_model"
    if sm_dir.exists():
        shutil.rmtree(sm_dir)
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(str(sm_dir), save_format="tf", include_optimizer=False)
    loaded = tf.saved_model.load(str(sm_dir)).signatures["serving_default"]
    x_chk = data["test"][0][:64] / 255.0
    diff = float(np.max(np.abs(loaded(image=tf.constant(x_chk, tf.float32))["probabilities"].numpy()
                               - model.predict(x_chk, verbose=0))))
    if diff > 1e-5:
        sys.exit(f"ERROR: SavedModel differs from the Keras model by {diff}")
    sm_bytes = sum(f.stat().st_size for f in sm_dir.rglob("*") if f.is_file())

    # the held-back images for the Java tests, and a few examples for the README
    HELDOUT.mkdir(parents=True, exist_ok=True)
    xh, yh, ph = data["heldout"]
    np.save(HELDOUT / "heldout.npy", xh)
    with open(HELDOUT / "heldout.csv", "w") as f:
        f.write("index,label,x,y,size\n")
        for i in range(len(xh)):
            f.write(f"{i},{LABELS[yh[i]]},{ph[i][0]},{ph[i][1]},{SQUARE}\n")
    if EXAMPLES.exists():
        shutil.rmtree(EXAMPLES)
    EXAMPLES.mkdir(parents=True)
    xt, yt, pt = data["test"]
    with open(EXAMPLES / "squares.csv", "w") as f:
        f.write("file,label,x,y,size\n")
        picks = [i for c in range(len(LABELS)) for i in np.flatnonzero(yt == c)[:2]]  # two of each class
        for i in picks:
            name = f"{LABELS[yt[i]]}-{i}.png"
            Image.fromarray(xt[i]).save(EXAMPLES / name, optimize=True)
            f.write(f"{name},{LABELS[yt[i]]},{pt[i][0]},{pt[i][1]},{SQUARE}\n")

    (OUT / "model.yaml").write_text(MODEL_YAML)
    n_params = int(model.count_params())
    metrics = {
        "model": "planted-demo", "version": "1.0.0", "accuracy": acc, "counts": COUNTS, "seed": SEED,
        "square": SQUARE, "size": SIZE, "labels": LABELS, "params": n_params, "saved_model_bytes": sm_bytes,
        "saved_model_vs_keras_max_abs_diff": diff,
        "history": {k: [round(float(v), 5) for v in vs] for k, vs in hist.history.items()},
        "train_seconds": round(train_seconds, 1),
        "environment": {"python": platform.python_version(), "tensorflow": tf.__version__,
                        "numpy": np.__version__, "platform": platform.platform()},
    }
    (OUT / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (OUT / "MODEL_CARD.md").write_text(card(model, metrics))
    print(f"wrote {OUT} ({sm_bytes} bytes, {n_params} params) in {time.time() - t0:.0f}s")


def card(model: keras.Model, m: dict) -> str:
    rows = "\n".join(
        f"| `{layer.name}` | {type(layer).__name__} | {tuple(layer.output.shape[1:])} | {layer.count_params()} |"
        for layer in model.layers)
    a = m["accuracy"]
    return f"""# Model card: planted-demo 1.0.0

**Made by the project, on synthetic data**, so that every explanation has a known ground truth. It has no use
beyond testing and demonstrating saliency methods.

## Task
Three classes, `red`, `green`, `blue`: the colour of one {SQUARE}x{SQUARE} square placed at a uniformly random position on
a {SIZE}x{SIZE} RGB image. The background (random grey gratings, soft blobs, a faint colour cast and pixel noise) carries no
information about the class. So a faithful saliency map of the predicted class puts its evidence inside the square.

## Data
Generated by `tools/reference/make_planted.py` (numpy `default_rng({m['seed']})`): {m['counts']['train']} training,
{m['counts']['val']} validation, {m['counts']['test']} test and {m['counts']['heldout']} held-back images, all distinct draws.
The held-back images (`src/test/resources/planted/heldout.npy`, positions in `heldout.csv`) are used by the saliency
correctness tests; two test images per class are in `examples/planted-demo/` with their square positions (`squares.csv`).

## Measured accuracy
| split | images | accuracy |
|---|---|---|
| validation | {m['counts']['val']} | {a['val']:.4f} |
| test | {m['counts']['test']} | {a['test']:.4f} |
| held-back | {m['counts']['heldout']} | {a['heldout']:.4f} |

## Preprocessing (also in `model.yaml`)
RGB, {SIZE}x{SIZE}, pixel values x 1/255, NHWC.

## Architecture
{m['params']} parameters; Keras 2 (`tf_keras`) SavedModel of {m['saved_model_bytes']} bytes.

| layer | type | output | params |
|---|---|---|---|
{rows}

- `last_conv` (8x8x24) is the default layer of the CAM family; `logits` holds the pre-softmax logits.

## Training
Adam (3e-3), sparse categorical cross-entropy, 12 epochs of batch 64, seeded
(`keras.utils.set_random_seed`, deterministic ops, 2 threads); {m['train_seconds']} s including data generation.
TensorFlow {m['environment']['tensorflow']}, numpy {m['environment']['numpy']}.
"""


if __name__ == "__main__":
    main()
