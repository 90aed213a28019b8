#!/usr/bin/env python3
"""A tiny classifier with a Dense layer applied to a 4-D tensor (a per-pixel projection), exported twice.

Keras applies Dense to the last axis of any tensor; tf_keras does it with `tensordot`, whose reshape hides the
static height and width from the graph. The service must still list that layer with its [h, w, c] shape and pick it
as the automatic CAM layer. Writes src/test/resources/fixtures/dense4d/{keras2,keras3}/, keras2.yaml, keras3.yaml,
input-0.png and expected.json (the per-pixel layer's output shape and the logits of input-0.png).

Usage: tools/reference/.venv/bin/python tools/reference/make_dense4d.py
"""

import json
import shutil

import common  # noqa: F401  (must come before tensorflow)
from common import RESOURCES

import keras as keras3
import numpy as np
import tf_keras as keras2
from PIL import Image

OUT = RESOURCES / "fixtures" / "dense4d"
SIZE = 16


def build(K):
    inp = K.Input((SIZE, SIZE, 3), name="image")
    x = K.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv")(inp)
    x = K.layers.Dense(4, activation="relu", name="pixel_proj")(x)
    x = K.layers.GlobalAveragePooling2D(name="pool")(x)
    x = K.layers.Dense(2, name="logits")(x)
    out = K.layers.Activation("softmax", name="probabilities")(x)
    return K.Model(inp, out, name="dense4d")


def descriptor(name):
    return (
        f"name: dense4d-{name}\nversion: \"1\"\ndescription: Dense on a 4-D tensor ({name})\n"
        f"savedModel: {name}\ninput:\n  colorMode: rgb\n  pipeline:\n    - scale: 0.00392156862745098\n"
        "output:\n  kind: softmax\n  labels: [a, b]\n"
    )


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    rng = np.random.default_rng(7)
    m2 = build(keras2)
    for w in m2.weights:
        w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))
    m3 = build(keras3)
    m3.set_weights(m2.get_weights())
    m2.save(OUT / "keras2", save_format="tf")
    m3.export(str(OUT / "keras3"))
    pixels = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(OUT / "input-0.png")
    x = pixels[None].astype("float32") / 255.0
    logits_model = keras2.Model(m2.input, m2.get_layer("logits").output)
    (OUT / "keras2.yaml").write_text(descriptor("keras2"))
    (OUT / "keras3.yaml").write_text(descriptor("keras3"))
    expected = {
        "pixelProjShape": list(m2.get_layer("pixel_proj").output.shape[1:]),
        "logits": logits_model(x).numpy()[0].tolist(),
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(expected)


if __name__ == "__main__":
    main()
