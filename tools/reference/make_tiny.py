"""Tiny hand-checkable SavedModels for the rectifier-rule tests (guided backprop, DeconvNet).

Writes, under src/test/resources/fixtures/tiny/:

* ``relu/``  input [N,1,2,1] -> Flatten -> Dense(3, relu) -> Dense(2, "logits") -> softmax
* ``tanh/``  the same with tanh instead of relu (no rectifier at all)
* ``relu.yaml``, ``tanh.yaml``: the service's descriptors (grayscale 2x1, scale 1)

The weights are small integers so the gradients can be computed by hand (see
RectifierRulesTest for the worked computation):

    kernel1 = [[1, -1,  2],      (rows: inputs x1, x2; columns: hidden units h1..h3)
               [2,  1, -1]]      bias1 = 0
    kernel2 = [[ 1, 0],          (rows: h1..h3; columns: logits z0, z1)
               [ 3, 1],
               [-2, 1]]          bias2 = 0

Run with the reference venv: ``python tools/reference/make_tiny.py``.
"""

import common  # noqa: F401  (must come before tensorflow)

import shutil

import numpy as np
import tensorflow as tf
import tf_keras as keras

OUT = common.RESOURCES / "fixtures" / "tiny"
K1 = np.array([[1, -1, 2], [2, 1, -1]], dtype=np.float32)
K2 = np.array([[1, 0], [3, 1], [-2, 1]], dtype=np.float32)

YAML = """name: tiny-{name}
version: "1"
savedModel: {name}
signature: serving_default
input:
  layout: NHWC
  width: 2
  height: 1
  colorMode: grayscale
  resize: nearest
  pipeline:
    - scale: 1.0
output:
  kind: softmax
  labels: [z0, z1]
"""


def build(name, activation):
    inp = keras.Input(shape=(1, 2, 1), name="image")
    x = keras.layers.Flatten(name="flatten")(inp)
    x = keras.layers.Dense(3, activation=activation, name="hidden")(x)
    x = keras.layers.Dense(2, name="logits")(x)
    out = keras.layers.Activation("softmax", name="probabilities")(x)
    model = keras.Model(inp, out, name=name)
    model.get_layer("hidden").set_weights([K1, np.zeros(3, np.float32)])
    model.get_layer("logits").set_weights([K2, np.zeros(2, np.float32)])
    return model


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, act in [("relu", "relu"), ("tanh", "tanh")]:
        model = build(name, act)
        target = OUT / name
        if target.exists():
            shutil.rmtree(target)
        serve = tf.function(
            lambda image: {"probabilities": model(image)},
            input_signature=[tf.TensorSpec([None, 1, 2, 1], tf.float32, name="image")],
        )
        model.save(
            target,
            save_format="tf",
            include_optimizer=False,
            save_traces=False,
            signatures={"serving_default": serve.get_concrete_function()},
        )
        # Not needed to serve the model (TensorFlow ignores it); keeps the fixture small.
        (target / "keras_metadata.pb").unlink(missing_ok=True)
        (OUT / f"{name}.yaml").write_text(YAML.format(name=name))
        x = np.array([[[[2.0], [1.0]]]], dtype=np.float32)
        print(name, "probabilities at x=[2,1]:", model(x).numpy())


if __name__ == "__main__":
    main()
