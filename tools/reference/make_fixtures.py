#!/usr/bin/env python3
"""Builds the architecture fixtures under src/test/resources/fixtures/arch/.

For every architecture in common.FIXTURES this script
  * builds the model with tf_keras (Keras 2) from seeded random weights, with
    BatchNormalization statistics set to seeded random (calibrated) values and the
    logits layer scaled so that the logits differ by O(1) between classes,
  * builds the same architecture with Keras 3 and copies the weights over,
  * exports <name>/keras2/ (tf_keras `model.save(dir, save_format="tf")`) and
    <name>/keras3/ (Keras 3 `model.export(dir)`),
  * writes input.npy [2,32,32,3] (smooth random images quantised to k/255, also as
    input-0.png / input-1.png), expected_probabilities.npy, expected_logits.npy,
  * writes keras2.yaml / keras3.yaml (the service's model descriptor),
  * reloads both SavedModels with tf.saved_model.load and checks they reproduce the
    expected probabilities,
  * writes info.json (signature tensor names, op types, layer-output graph nodes),
    which make_readme.py turns into fixtures/arch/README.md.

Usage: python tools/reference/make_fixtures.py [name ...]
"""

import json
import pathlib
import shutil
import subprocess
import sys

import common  # noqa: F401  (must come before tensorflow)
from common import ARCH, FIXTURES, LABELS, SIZE, save_npy

import keras as keras3
import numpy as np
import tensorflow as tf
import tf_keras as keras2
from PIL import Image

SEEDS = {name: 1000 + i for i, name in enumerate(FIXTURES)}


# ---------------------------------------------------------------------------------------
# Architectures. Each builder takes the framework module (tf_keras or keras 3) and builds
# the identical layer graph with identical layer names, so weights copy over by name.
# ---------------------------------------------------------------------------------------


def _leaky(K, alpha, name):
    if K is keras2:
        return K.layers.LeakyReLU(alpha=alpha, name=name)
    return K.layers.LeakyReLU(negative_slope=alpha, name=name)


def _head(K, x):
    x = K.layers.Dense(3, name="logits")(x)
    return K.layers.Activation("softmax", name="probabilities")(x)


def build_plain(K):
    L = K.layers
    return K.Sequential(
        [
            L.Input((SIZE, SIZE, 3), name="image"),
            L.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            L.MaxPooling2D(2, name="pool1"),
            L.Conv2D(16, 3, padding="same", activation="relu", name="last_conv"),
            L.MaxPooling2D(2, name="pool2"),
            L.Flatten(name="flatten"),
            L.Dense(3, name="logits"),
            L.Activation("softmax", name="probabilities"),
        ],
        name="plain",
    )


def build_resnet(K):
    L = K.layers
    inp = L.Input((SIZE, SIZE, 3), name="image")
    x = L.Conv2D(8, 3, padding="same", use_bias=False, name="stem_conv")(inp)
    x = L.BatchNormalization(name="stem_bn")(x)
    x = L.ReLU(name="stem_relu")(x)
    # identity block
    y = L.Conv2D(8, 3, padding="same", use_bias=False, name="block1_conv1")(x)
    y = L.BatchNormalization(name="block1_bn1")(y)
    y = L.ReLU(name="block1_relu1")(y)
    y = L.Conv2D(8, 3, padding="same", use_bias=False, name="block1_conv2")(y)
    y = L.BatchNormalization(name="block1_bn2")(y)
    x = L.Add(name="block1_add")([x, y])
    x = L.ReLU(name="block1_out")(x)
    x = L.MaxPooling2D(2, name="pool")(x)
    # projection block
    y = L.Conv2D(12, 3, padding="same", use_bias=False, name="block2_conv1")(x)
    y = L.BatchNormalization(name="block2_bn1")(y)
    y = L.ReLU(name="block2_relu1")(y)
    y = L.Conv2D(12, 3, padding="same", use_bias=False, name="block2_conv2")(y)
    y = L.BatchNormalization(name="block2_bn2")(y)
    s = L.Conv2D(12, 1, use_bias=False, name="block2_proj")(x)
    s = L.BatchNormalization(name="block2_proj_bn")(s)
    x = L.Add(name="block2_add")([s, y])
    x = L.ReLU(name="block2_out")(x)
    x = L.Conv2D(16, 3, padding="same", activation="relu", name="last_conv")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    return K.Model(inp, _head(K, x), name="resnet")


def build_concat(K):
    L = K.layers
    inp = L.Input((SIZE, SIZE, 3), name="image")
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="stem_conv")(inp)
    x = L.MaxPooling2D(2, name="stem_pool")(x)
    a = L.Conv2D(4, 1, activation="relu", name="branch_1x1")(x)
    b = L.Conv2D(4, 1, activation="relu", name="branch_3x3_reduce")(x)
    b = L.Conv2D(6, 3, padding="same", activation="relu", name="branch_3x3")(b)
    c = L.MaxPooling2D(3, strides=1, padding="same", name="branch_pool")(x)
    c = L.Conv2D(4, 1, activation="relu", name="branch_pool_proj")(c)
    x = L.Concatenate(axis=-1, name="concat")([x, a, b, c])
    x = L.Conv2D(16, 3, padding="same", activation="relu", name="last_conv")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    return K.Model(inp, _head(K, x), name="concat")


def build_mobilenetv2(K):
    L = K.layers
    inp = L.Input((SIZE, SIZE, 3), name="image")
    x = L.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inp)
    x = L.BatchNormalization(name="stem_bn")(x)
    x = L.ReLU(6.0, name="stem_relu6")(x)
    # inverted residual with skip connection
    y = L.Conv2D(24, 1, use_bias=False, name="ir1_expand")(x)
    y = L.BatchNormalization(name="ir1_expand_bn")(y)
    y = L.ReLU(6.0, name="ir1_expand_relu6")(y)
    y = L.DepthwiseConv2D(3, padding="same", use_bias=False, name="ir1_depthwise")(y)
    y = L.BatchNormalization(name="ir1_depthwise_bn")(y)
    y = L.ReLU(6.0, name="ir1_depthwise_relu6")(y)
    y = L.Conv2D(8, 1, use_bias=False, name="ir1_project")(y)
    y = L.BatchNormalization(name="ir1_project_bn")(y)
    x = L.Add(name="ir1_add")([x, y])
    # inverted residual without skip (channel change)
    y = L.Conv2D(24, 1, use_bias=False, name="ir2_expand")(x)
    y = L.BatchNormalization(name="ir2_expand_bn")(y)
    y = L.ReLU(6.0, name="ir2_expand_relu6")(y)
    y = L.DepthwiseConv2D(3, padding="same", use_bias=False, name="ir2_depthwise")(y)
    y = L.BatchNormalization(name="ir2_depthwise_bn")(y)
    y = L.ReLU(6.0, name="ir2_depthwise_relu6")(y)
    y = L.Conv2D(12, 1, use_bias=False, name="ir2_project")(y)
    x = L.BatchNormalization(name="ir2_project_bn")(y)
    # MobileNetV2 head: 1x1 conv (linear, no bias) -> BN -> ReLU6. The CAM layer is
    # the linear conv itself, so its graph output is a bare Conv2D op.
    x = L.Conv2D(24, 1, use_bias=False, name="last_conv")(x)
    x = L.BatchNormalization(name="last_bn")(x)
    x = L.ReLU(6.0, name="out_relu6")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    return K.Model(inp, _head(K, x), name="mobilenetv2")


def build_efficientnet(K):
    L = K.layers
    inp = L.Input((SIZE, SIZE, 3), name="image")
    x = L.Conv2D(8, 3, padding="same", activation="swish", name="stem_conv")(inp)
    # MBConv with squeeze-and-excitation
    y = L.Conv2D(16, 1, use_bias=False, name="mb_expand")(x)
    y = L.BatchNormalization(name="mb_expand_bn")(y)
    y = L.Activation("swish", name="mb_expand_swish")(y)
    y = L.DepthwiseConv2D(3, padding="same", use_bias=False, name="mb_depthwise")(y)
    y = L.BatchNormalization(name="mb_depthwise_bn")(y)
    y = L.Activation("swish", name="mb_depthwise_swish")(y)
    s = L.GlobalAveragePooling2D(name="se_squeeze")(y)
    s = L.Dense(4, activation="relu", name="se_reduce")(s)
    s = L.Dense(16, activation="sigmoid", name="se_expand")(s)
    s = L.Reshape((1, 1, 16), name="se_reshape")(s)
    y = L.Multiply(name="se_excite")([y, s])
    y = L.Conv2D(8, 1, use_bias=False, name="mb_project")(y)
    y = L.BatchNormalization(name="mb_project_bn")(y)
    x = L.Add(name="mb_add")([x, y])
    x = L.MaxPooling2D(2, name="pool")(x)
    x = L.Conv2D(12, 3, padding="same", name="conv_leaky")(x)
    x = _leaky(K, 0.1, "leaky_relu")(x)
    x = L.Conv2D(12, 3, padding="same", name="conv_elu")(x)
    x = L.ELU(1.0, name="elu")(x)
    x = L.Conv2D(16, 1, activation="swish", name="last_conv")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    return K.Model(inp, _head(K, x), name="efficientnet")


def build_nested(K):
    L = K.layers
    backbone = K.Sequential(
        [
            L.Input((SIZE, SIZE, 3), name="backbone_input"),
            L.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            L.MaxPooling2D(2, name="pool1"),
            L.Conv2D(16, 3, padding="same", activation="relu", name="last_conv"),
        ],
        name="backbone",
    )
    inp = L.Input((SIZE, SIZE, 3), name="image")
    x = backbone(inp)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(8, activation="relu", name="fc")(x)
    return K.Model(inp, _head(K, x), name="nested")


BUILDERS = {
    "plain": build_plain,
    "resnet": build_resnet,
    "concat": build_concat,
    "mobilenetv2": build_mobilenetv2,
    "efficientnet": build_efficientnet,
    "nested": build_nested,
}

COVERS = {
    "plain": "Sequential CNN: Conv2D+ReLU (fused), MaxPool, Flatten, Dense.",
    "resnet": "Functional ResNet: conv-BN-ReLU / conv-BN / Add / ReLU identity and "
    "projection blocks, GlobalAveragePooling.",
    "concat": "Inception/DenseNet-style Concatenate of parallel 1x1, 1x1->3x3 and "
    "maxpool->1x1 branches plus the block input.",
    "mobilenetv2": "DepthwiseConv2D + BatchNormalization + ReLU6 (layers.ReLU(6.)), "
    "inverted residuals (with and without Add); CAM layer is a linear bias-free 1x1 conv.",
    "efficientnet": "swish activations, squeeze-and-excitation (GAP -> Dense relu -> "
    "Dense sigmoid -> Reshape -> Multiply), MBConv with Add, LeakyReLU(0.1), ELU(1.0).",
    "nested": "a Keras Sequential model `backbone` used as a layer inside a functional "
    "model; CAM layer is the inner `backbone/last_conv`.",
}


# ---------------------------------------------------------------------------------------
# Inputs and weights
# ---------------------------------------------------------------------------------------


def smooth_images(rng, n, size=SIZE):
    """Smooth random RGB images in [0,1], quantised to k/255 (exact as 8-bit PNG)."""
    yy, xx = np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size), indexing="ij")
    out = np.zeros((n, size, size, 3), np.float64)
    for i in range(n):
        for c in range(3):
            v = np.zeros((size, size))
            for _ in range(3):  # gaussian blobs
                cy, cx = rng.uniform(0, 1, 2)
                s = rng.uniform(0.08, 0.3)
                v += rng.uniform(-1, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
            for _ in range(2):  # low-frequency waves
                f = rng.uniform(0.5, 3.0, 2)
                v += 0.4 * rng.uniform(-1, 1) * np.sin(
                    2 * np.pi * (f[0] * yy + f[1] * xx) + rng.uniform(0, 2 * np.pi)
                )
            v += 0.05 * rng.standard_normal((size, size))  # a little texture
            v = (v - v.min()) / (v.max() - v.min())
            out[i, :, :, c] = 0.05 + 0.9 * v
    return (np.round(out * 255.0) / 255.0).astype(np.float32)


def iter_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras2.Model):
            yield from iter_layers(layer)
        else:
            yield layer


def calibrate_batchnorm(model, rng, calib):
    """Random but alive BN statistics: mean/var near the observed ones, random affine."""
    for layer in model.layers:
        if not isinstance(layer, keras2.layers.BatchNormalization):
            continue
        probe = keras2.Model(model.inputs, layer.input)
        act = probe.predict(calib, verbose=0).reshape(-1, layer.input.shape[-1])
        mean, std = act.mean(0), act.std(0) + 1e-3
        c = mean.shape[0]
        gamma = rng.uniform(0.6, 1.4, c)
        beta = 0.3 * rng.standard_normal(c)
        moving_mean = mean + 0.3 * std * rng.standard_normal(c)
        moving_var = (std**2) * rng.uniform(0.5, 2.0, c)
        layer.set_weights([w.astype(np.float32) for w in (gamma, beta, moving_mean, moving_var)])


def scale_logits(model, calib, spread=1.5):
    """Centre the logits over the calibration batch and scale them to O(1) spread."""
    layer = model.get_layer("logits")
    probe = keras2.Model(model.inputs, layer.output)
    logits = probe.predict(calib, verbose=0)
    kernel, bias = layer.get_weights()
    bias = bias - logits.mean(0)
    logits = logits - logits.mean(0)
    factor = spread / (logits.std() + 1e-12)
    layer.set_weights([kernel * factor, bias * factor])


def build_keras2(name, seed):
    keras2.utils.set_random_seed(seed)
    model = BUILDERS[name](keras2)
    rng = np.random.default_rng(seed)
    calib = smooth_images(np.random.default_rng(seed + 7), 32)
    calibrate_batchnorm(model, rng, calib)
    scale_logits(model, calib)
    return model


def pick_inputs(model, seed):
    """Two inputs with different predicted classes and an unsaturated softmax."""
    cands = smooth_images(np.random.default_rng(seed + 99), 32)
    probs = model.predict(cands, verbose=0)
    top2 = np.sort(probs, axis=1)[:, -2:]
    ok = [i for i in range(len(cands)) if top2[i, 1] < 0.9 and top2[i, 1] - top2[i, 0] > 0.05]
    first = ok[0]
    second = next(i for i in ok if probs[i].argmax() != probs[first].argmax())
    return cands[[first, second]]


def copy_weights(src, dst):
    for layer in src.layers:
        target = dst.get_layer(layer.name)
        if isinstance(layer, keras2.Model):
            copy_weights(layer, target)
        elif layer.weights:
            target.set_weights(layer.get_weights())


# ---------------------------------------------------------------------------------------
# SavedModel inspection
# ---------------------------------------------------------------------------------------


def load_saved_model_proto(folder):
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((folder / "saved_model.pb").read_bytes())
    return sm


def _called_functions(node):
    for attr in node.attr.values():
        if attr.HasField("func"):
            yield attr.func.name
        for f in attr.list.func:
            yield f.name


def inspect_export(folder):
    """Signature tensor names, op types and the graph node that ends each layer scope."""
    sm = load_saved_model_proto(folder)
    mg = sm.meta_graphs[0]
    sig = mg.signature_def["serving_default"]
    inputs = {k: v.name for k, v in sig.inputs.items()}
    outputs = {k: v.name for k, v in sig.outputs.items()}
    library = {fn.signature.name: fn for fn in mg.graph_def.library.function}
    all_ops = {n.op for n in mg.graph_def.node}
    for fn in library.values():
        all_ops.update(n.op for n in fn.node_def)
    # Functions reachable from the node that produces serving_default's output.
    out_nodes = {t.split(":")[0] for t in outputs.values()}
    todo = [f for n in mg.graph_def.node if n.name in out_nodes for f in _called_functions(n)]
    reached = []
    while todo:
        name = todo.pop()
        if name in reached or name not in library:
            continue
        reached.append(name)
        for n in library[name].node_def:
            todo.extend(_called_functions(n))
    model_ops = set()
    for name in reached:
        model_ops.update(n.op for n in library[name].node_def)
    model_fn = max(reached, key=lambda name: len(library[name].node_def))
    # Layer scope -> its last computing node (the layer's output inside model_fn).
    layer_outputs = {}
    for nd in library[model_fn].node_def:
        if "/" in nd.name and nd.op not in ("ReadVariableOp", "Const", "Identity"):
            layer_outputs[nd.name.rsplit("/", 1)[0]] = f"{nd.name} ({nd.op})"
    return {
        "tags": list(mg.meta_info_def.tags),
        "signatures": sorted(mg.signature_def.keys()),
        "inputs": inputs,
        "outputs": outputs,
        "input_shape": [d.size for d in next(iter(sig.inputs.values())).tensor_shape.dim],
        "model_ops": sorted(model_ops - {"NoOp"}),
        "all_ops": sorted(all_ops),
        "model_functions": reached,
        "model_function": model_fn,
        "layer_outputs": layer_outputs,
    }


def saved_model_cli(folder):
    exe = pathlib.Path(sys.executable).parent / "saved_model_cli"
    exe = str(exe) if exe.exists() else shutil.which("saved_model_cli")
    out = subprocess.run(
        [exe, "show", "--dir", str(folder), "--all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "signature_def['serving_default']" in out, out
    return out


def descriptor_yaml(model_name, saved_model, size, labels):
    """The service's model descriptor for an RGB softmax fixture with 1/255 scaling."""
    return f"""name: {model_name}
version: "1"
savedModel: {saved_model}
signature: serving_default
input:
  layout: NHWC
  width: {size}
  height: {size}
  colorMode: rgb
  resize: bilinear
  pipeline:
    - scale: 0.00392156862745098
output:
  kind: softmax
  labels: [{", ".join(labels)}]
"""


def yaml_text(name, export):
    return descriptor_yaml(f"arch-{name}-{export}", export, SIZE, LABELS)


def make(name):
    seed = SEEDS[name]
    out = ARCH / name
    for export in ("keras2", "keras3"):
        shutil.rmtree(out / export, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)

    m2 = build_keras2(name, seed)
    x = pick_inputs(m2, seed)
    probs = m2.predict(x, verbose=0)
    logits = keras2.Model(m2.inputs, m2.get_layer("logits").output).predict(x, verbose=0)
    save_npy(out / "input.npy", x)
    save_npy(out / "expected_probabilities.npy", probs)
    save_npy(out / "expected_logits.npy", logits)
    for i in range(len(x)):
        Image.fromarray(np.round(x[i] * 255).astype(np.uint8), "RGB").save(out / f"input-{i}.png")
        png = np.asarray(Image.open(out / f"input-{i}.png"), np.float32) / 255.0
        assert np.array_equal(png.astype(np.float32), x[i]), "PNG does not round-trip"

    keras3.utils.set_random_seed(seed)
    m3 = BUILDERS[name](keras3)
    copy_weights(m2, m3)
    p3 = np.asarray(m3(x, training=False))
    assert np.allclose(p3, probs, atol=1e-5), (p3, probs)

    m2.save(str(out / "keras2"), save_format="tf")
    m3.export(str(out / "keras3"))
    for export in ("keras2", "keras3"):
        (out / f"{export}.yaml").write_text(yaml_text(name, export))

    info = {
        "name": name,
        "covers": COVERS[name],
        "seed": seed,
        "params": int(m2.count_params()),
        "predicted": [int(i) for i in probs.argmax(1)],
        "probabilities": np.round(probs.astype(float), 4).tolist(),
        "logits": np.round(logits.astype(float), 4).tolist(),
        "exports": {},
    }
    for export in ("keras2", "keras3"):
        folder = out / export
        cli = saved_model_cli(folder)
        loaded = tf.saved_model.load(str(folder))
        fn = loaded.signatures["serving_default"]
        (in_key,) = fn.structured_input_signature[1].keys()
        res = fn(**{in_key: tf.constant(x)})
        (got,) = res.values()
        err = float(np.abs(got.numpy() - probs).max())
        assert err < 1e-5, (export, err)
        det = inspect_export(folder)
        det["max_abs_error_vs_expected"] = err
        det["size_bytes"] = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        det["saved_model_cli_has_serving_default"] = "serving_default" in cli
        info["exports"][export] = det
        print(
            f"{name}/{export}: inputs={det['inputs']} outputs={det['outputs']} "
            f"size={det['size_bytes']} err={err:.2e}"
        )
    (out / "info.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"{name}: params={info['params']} predicted={info['predicted']} probs={info['probabilities']}")


README_HEAD = """# Architecture fixtures

Tiny Keras image classifiers (input float32 `[N,32,32,3]` in `[0,1]`, 3 classes
`a, b, c`), each exported twice as a TensorFlow SavedModel:

* `<name>/keras2/`: tf_keras 2.16 (`TF_USE_LEGACY_KERAS=1`), `model.save(dir, save_format="tf")`;
* `<name>/keras3/`: Keras 3.3.3, `model.export(dir)`.

Both exports of a fixture hold the same weights and compute the same function (checked by
reloading them with `tf.saved_model.load` and calling `serving_default`: max abs error of the
probabilities vs `expected_probabilities.npy` is listed below). Every model ends with
`Dense(3, name="logits")` -> `Activation("softmax", name="probabilities")`, so the
pre-softmax logits are a node of their own. Weights are seeded random; BatchNormalization
moving mean/variance/gamma/beta are seeded random values calibrated on random images (no
dead units), and the logits layer is scaled so logits differ by O(1) between classes.

Generated by `tools/reference/make_fixtures.py` -- do not edit by hand. To regenerate:

```sh
python3.11 -m venv tools/reference/.venv
tools/reference/.venv/bin/pip install -r tools/requirements.txt
tools/reference/.venv/bin/python tools/reference/make_fixtures.py      # all, or: ... plain resnet
tools/reference/.venv/bin/python tools/reference/make_reference.py     # reference saliency maps
```

Regenerating rewrites the weights only if the seeds/architectures change (they are seeded),
but SavedModel bytes (function names, fingerprints) differ from run to run, so
regenerate the reference maps (`src/test/resources/reference/`) together with the fixtures.

## Files per fixture `<name>/`

| file | content |
| --- | --- |
| `keras2/`, `keras3/` | the SavedModels (tag `serve`, signature `serving_default`) |
| `keras2.yaml`, `keras3.yaml` | the service's model descriptor; `savedModel` is relative to the yaml file |
| `input.npy` | float32 `[2,32,32,3]`, smooth random images, every value is exactly `k/255` |
| `input-0.png`, `input-1.png` | the same two images as 8-bit RGB PNG (`png / 255 == input[i]`), for end-to-end tests through the image pipeline (`scale: 1/255`, 32x32 so resize is the identity) |
| `expected_logits.npy` | float32 `[2,3]`, pre-softmax logits computed by the Keras model |
| `expected_probabilities.npy` | float32 `[2,3]`, softmax output computed by the Keras model |
| `info.json` | machine-readable summary: signature tensor names, op types, the graph node ending each layer's name scope |

The two rows of `input.npy` are chosen to have different predicted classes, top
probability < 0.9 and a top-2 margin > 0.05.

## Signatures

Both exports take one input `image` (`serving_default_image:0`, float32 `[-1,32,32,3]`).
The keras2 output key is `probabilities` (`StatefulPartitionedCall:0`); the keras3 output
key is `output_0` (`StatefulPartitionedCall_1:0`). Keras 3 exports also carry a second
signature `serve` (same function).

## Graph naming (for mapping a Keras layer name to a graph node)

The model ops live in the function library: `serving_default` -> `StatefulPartitionedCall`
-> `__inference_signature_wrapper_*` -> `__inference__wrapped_model_*` (keras2) or
`__inference___call___*` (keras3). Inside, each layer's ops are under a name scope:

* keras2: `<model>/<layer>/<op>`, nested models `<model>/<inner model>/<layer>/<op>`,
  e.g. `plain/last_conv/Relu`, `nested/backbone/last_conv/Relu`;
* keras3: every scope gets a `_1` suffix, e.g. `plain_1/last_conv_1/Relu`,
  `nested_1/backbone_1/last_conv_1/Relu`; Keras 3 BatchNormalization is decomposed into
  `<layer>_1/batchnorm/{Rsqrt,mul,sub,add_1}` (no `FusedBatchNormV3`), Dense/Conv bias is an
  `AddV2` (`<layer>_1/add` or `Add`) instead of `BiasAdd`, MaxPool ops are named `MaxPool2d`.
* swish (`activation="swish"`) is `tf.nn.silu`, a `tf.custom_gradient` function: its graph
  is `Sigmoid` + `Mul` wrapped in an `IdentityN` (the layer output is the `IdentityN`).
  A gradient builder that treats `IdentityN` as pass-through (as TF's C++ `IdentityN`
  gradient does) differentiates the `Sigmoid`/`Mul` ops behind it, which is the exact swish
  derivative, i.e. the same gradient as the Python custom gradient.
* All exports load and run with `tf.saved_model.load` (checked by the generator). A Keras 3
  export once failed to load in DJL with "Could not find variable ..."; that is a loader
  issue on the Java side, not a property of these files.

The tables below list, per export, the node that ends the name scope of the CAM layer and
of `logits` (the last non-`Const`/`ReadVariableOp`/`Identity` node in the scope), and the
op types of the model functions (the checkpoint functions additionally hold
`SaveV2`, `RestoreV2`, `MergeV2Checkpoints`, `ShardedFilename`, `StringJoin`,
`StaticRegexFullMatch`, `Select`, `Pack`, `AssignVariableOp`, `VarHandleOp`, `DisableCopyOnRead`, ...;
`info.json` has both lists).
"""


def _scope_node(layer_outputs, keras_path, export):
    parts = keras_path.split("/")
    if export == "keras3":
        parts = [p + "_1" for p in parts]
    for scope, node in layer_outputs.items():
        segs = scope.split("/")
        if segs[1:] == parts:
            return node
    return "?"


def write_readme():
    import common

    out = [README_HEAD]
    for name in FIXTURES:
        path = ARCH / name / "info.json"
        if not path.exists():
            continue
        info = json.loads(path.read_text())
        cam = common.CAM_LAYER[name]
        out.append(f"## `{name}`\n")
        out.append(f"{info['covers']}\n")
        out.append(
            f"Parameters: {info['params']}. Predicted classes of the two input rows: "
            f"{info['predicted']}; probabilities {info['probabilities']}; logits "
            f"{info['logits']}. CAM layer (Keras name): `{cam}`.\n"
        )
        out.append("| export | size | input | output | CAM layer node | logits node | max abs err |")
        out.append("| --- | --- | --- | --- | --- | --- | --- |")
        for export, det in info["exports"].items():
            (ik, iv), (ok, ov) = next(iter(det["inputs"].items())), next(iter(det["outputs"].items()))
            out.append(
                f"| {export} | {det['size_bytes'] // 1024} KiB | `{ik}` = `{iv}` | `{ok}` = `{ov}` "
                f"| `{_scope_node(det['layer_outputs'], cam, export)}` "
                f"| `{_scope_node(det['layer_outputs'], 'logits', export)}` "
                f"| {det['max_abs_error_vs_expected']:.1e} |"
            )
        out.append("")
        for export, det in info["exports"].items():
            out.append(f"* {export} op types: " + ", ".join(f"`{o}`" for o in det["model_ops"]))
        out.append("")
    (ARCH / "README.md").write_text("\n".join(out))


def main(argv):
    names = argv[1:] or FIXTURES
    for name in names:
        make(name)
    write_readme()


if __name__ == "__main__":
    main(sys.argv)
