#!/usr/bin/env python3
"""Builds the 224x224 benchmark fixture under src/test/resources/fixtures/bench224/.

A MobileNetV2 (alpha=0.35) transfer-learning classifier as hospitals deploy it:
``tf_keras.applications.MobileNetV2(input_shape=(224,224,3), alpha=0.35,
include_top=False, weights=None, pooling="avg")`` -> ``Dense(2, name="logits")`` ->
``Activation("softmax", name="probabilities")``, labels ``negative, positive``.

Same conventions as make_fixtures.py: seeded random weights, BatchNormalization
gamma/beta/moving statistics set to seeded random values calibrated on seeded smooth
random images (no dead units), logits scaled so they differ by O(1), exported with
tf_keras ``model.save(dir, save_format="tf")``. The weights are random: this fixture is
for timing only, its saliency maps mean nothing.

The script writes
  * bench224/keras2/     the SavedModel (tag serve, signature serving_default),
  * bench224/model.yaml  the service's model descriptor (savedModel relative to it),
  * bench224/README.md   what it is, how it was made, parameter count and size,
and verifies the export: reloads it with tf.saved_model.load, checks serving_default
reproduces the Keras probabilities on a seeded input (max abs diff < 1e-5), prints the
signature tensor names and the op types of the graph.

Usage: /root/venv-ref/bin/python tools/reference/make_bench224.py
"""

import pathlib
import shutil
import sys

import common  # noqa: F401  (must come before tensorflow)
from common import RESOURCES

import numpy as np
import tensorflow as tf
import tf_keras as keras2
from make_fixtures import calibrate_batchnorm, descriptor_yaml, scale_logits, smooth_images

SEED = 2240
SIZE = 224
ALPHA = 0.35
LABELS = ["negative", "positive"]
CALIB_IMAGES = 8
OUT = RESOURCES / "fixtures" / "bench224"
COMMAND = "/root/venv-ref/bin/python tools/reference/make_bench224.py"
REQUIRED_OPS = ("DepthwiseConv2dNative", "FusedBatchNormV3", "Relu6")


# ---------------------------------------------------------------------------------------
# Model, inputs and weights (same recipes as make_fixtures.py, at 224x224)
# ---------------------------------------------------------------------------------------


def build():
    keras2.utils.set_random_seed(SEED)
    inp = keras2.layers.Input((SIZE, SIZE, 3), name="image")
    base = keras2.applications.MobileNetV2(
        input_shape=(SIZE, SIZE, 3),
        alpha=ALPHA,
        include_top=False,
        weights=None,
        pooling="avg",
        input_tensor=inp,
    )
    x = keras2.layers.Dense(len(LABELS), name="logits")(base.output)
    x = keras2.layers.Activation("softmax", name="probabilities")(x)
    return keras2.Model(inp, x, name="bench224")


# ---------------------------------------------------------------------------------------
# Export inspection
# ---------------------------------------------------------------------------------------


def graph_op_types(folder):
    """Op types of the SavedModel's graph and function library (model + checkpoint fns)."""
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((folder / "saved_model.pb").read_bytes())
    mg = sm.meta_graphs[0]
    ops = {n.op for n in mg.graph_def.node}
    for fn in mg.graph_def.library.function:
        ops.update(n.op for n in fn.node_def)
    sig = mg.signature_def["serving_default"]
    names = (
        {k: (v.name, [d.size for d in v.tensor_shape.dim]) for k, v in sig.inputs.items()},
        {k: (v.name, [d.size for d in v.tensor_shape.dim]) for k, v in sig.outputs.items()},
    )
    return sorted(ops - {"NoOp"}), names, list(mg.meta_info_def.tags)


def folder_bytes(folder):
    return sum(f.stat().st_size for f in pathlib.Path(folder).rglob("*") if f.is_file())


def yaml_text():
    return descriptor_yaml("bench224-keras2", "keras2", SIZE, LABELS)


def readme_text(params, sizes, inputs, outputs, probs, ops):
    (ik, (iname, ishape)), = inputs.items()
    (ok, (oname, oshape)), = outputs.items()
    files = "\n".join(f"| `keras2/{p}` | {n:,} |" for p, n in sizes)
    return f"""# bench224: 224x224 MobileNetV2 benchmark fixture

**Random weights, for timing only.** The predictions and saliency maps of this model mean
nothing; it exists so that the performance benchmark runs a realistically sized network
(a hospital-style transfer-learning classifier) instead of the 32x32 test fixtures.

* Architecture: `tf_keras.applications.MobileNetV2(input_shape=(224,224,3), alpha={ALPHA},
  include_top=False, weights=None, pooling="avg")` -> `Dense(2, name="logits")` ->
  `Activation("softmax", name="probabilities")`; labels `{", ".join(LABELS)}`.
* Parameters: {params:,}.
* Weights: seeded random (seed {SEED}); BatchNormalization gamma/beta/moving statistics
  are seeded random values calibrated on {CALIB_IMAGES} seeded smooth random images (as in
  `make_fixtures.py`), logits scaled so the two classes differ by O(1).
* `keras2/`: tf_keras 2.16 `model.save(dir, save_format="tf", include_optimizer=False,
  save_traces=False, signatures={{"serving_default": serve}})` where `serve` is a
  `tf.function` returning `{{"probabilities": model(image, training=False)}}` for a float32
  `[None,224,224,3]` input named `image` (`save_traces=False` keeps `saved_model.pb` small by
  dropping the per-layer traced functions; the signature is then given explicitly, with the
  same key names the default one would have).
* Tag `serve`, signature `serving_default`: input `{ik}` = `{iname}` float32 {ishape},
  output `{ok}` = `{oname}` float32 {oshape}. The graph contains
  `DepthwiseConv2dNative`, `FusedBatchNormV3`, `Relu6` (op types: {", ".join(ops)}).
* `model.yaml`: the service's model descriptor (`savedModel: keras2`, relative to the
  yaml), 224x224 RGB, bilinear resize, `scale: 1/255`.
* Size of `keras2/`: {sum(n for _, n in sizes):,} bytes.

| file | bytes |
| --- | --- |
{files}

Check at generation: `tf.saved_model.load` + `serving_default` reproduces the Keras model's
probabilities on a seeded input (max abs diff < 1e-5; probabilities of that input:
{np.round(probs.astype(float), 4).tolist()}).

Generated by `tools/reference/make_bench224.py`; do not edit by hand. To regenerate:

```sh
{COMMAND}
```

The weights are deterministic (seeded); the SavedModel bytes (function names) differ from
run to run.
"""


# ---------------------------------------------------------------------------------------


def main():
    model = build()
    rng = np.random.default_rng(SEED)
    calib = smooth_images(np.random.default_rng(SEED + 7), CALIB_IMAGES, size=SIZE)
    calibrate_batchnorm(model, rng, calib)
    scale_logits(model, calib)
    params = int(model.count_params())

    x = smooth_images(np.random.default_rng(SEED + 99), 2, size=SIZE)
    probs = model.predict(x, verbose=0)
    logits = keras2.Model(model.inputs, model.get_layer("logits").output).predict(x, verbose=0)
    print(f"params={params} probabilities={probs.tolist()} logits={logits.tolist()}")

    OUT.mkdir(parents=True, exist_ok=True)
    export = OUT / "keras2"
    shutil.rmtree(export, ignore_errors=True)
    # save_traces=False drops the per-layer traced call functions, which make
    # saved_model.pb ~2.5 MB at this size; without them tf_keras writes no default
    # signature, so serving_default is given explicitly, with the same key names as the
    # default one (input `image` = the Input layer name, output `probabilities`).
    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32, name="image")])
    def serve(image):
        return {"probabilities": model(image, training=False)}

    model.save(
        str(export),
        save_format="tf",
        include_optimizer=False,
        save_traces=False,
        signatures={"serving_default": serve},
    )

    # Verify the export.
    loaded = tf.saved_model.load(str(export))
    fn = loaded.signatures["serving_default"]
    (in_key,) = fn.structured_input_signature[1].keys()
    res = fn(**{in_key: tf.constant(x)})
    (out_key,) = res.keys()
    err = float(np.abs(res[out_key].numpy() - probs).max())
    print(f"serving_default: input key {in_key!r}, output key {out_key!r}, max abs diff {err:.2e}")
    assert err < 1e-5, err

    ops, (inputs, outputs), tags = graph_op_types(export)
    print(f"tags={tags}")
    print(f"signature inputs={inputs}")
    print(f"signature outputs={outputs}")
    print(f"op types ({len(ops)}): {', '.join(ops)}")
    missing = [o for o in REQUIRED_OPS if o not in ops]
    assert not missing, missing
    assert list(inputs.values())[0][1] == [-1, SIZE, SIZE, 3], inputs
    assert list(outputs.values())[0][1] == [-1, len(LABELS)], outputs

    sizes = sorted(
        (f.relative_to(export).as_posix(), f.stat().st_size) for f in export.rglob("*") if f.is_file()
    )
    (OUT / "model.yaml").write_text(yaml_text())
    (OUT / "README.md").write_text(readme_text(params, sizes, inputs, outputs, probs, ops))
    print(f"keras2/ = {folder_bytes(export)} bytes; bench224/ = {folder_bytes(OUT)} bytes")


if __name__ == "__main__":
    main()
    sys.exit(0)
