#!/usr/bin/env python3
"""Builds the export-path fixtures under src/test/resources/fixtures/exports/.

One tiny CNN (32x32x3 input, 3 classes), saved the ways people save models, each
into <name>/model/ with a descriptor <name>/model.yaml:

  keras3-saved-model-fit  Keras 3, compile + fit, tf.saved_model.save(model): the
                          checkpoint holds the weights only under the optimizer's
                          paths, and TF's TF1 session loader leaves them unset
  keras3-export-fit       Keras 3, compile + fit, model.export()
  keras2-saved-model      tf_keras (Keras 2), compile + fit, tf.saved_model.save(model)
  tf-module               a tf.Module holding its variables in a list under another
                          attribute, with a tf.function signature
  keras3-preprocessing    Keras 3 with Resizing and Rescaling layers inside, export()
  keras3-uint8            Keras 3 whose signature takes uint8 pixels, export()
  broken-missing-value    keras3-saved-model-fit with the dense bias deleted from the
                          checkpoint (cannot load; TF cannot either)
  broken-object-graph     keras3-saved-model-fit whose checkpoint object graph lost the
                          dense bias's value entry (cannot load; TF cannot either)

For each loadable fixture: input.npy (float32 [2,32,32,3], the tensor the service
feeds), input-0.png / input-1.png, expected_probabilities.npy (the signature output
computed by tf.saved_model.load in Python for input.npy). info.json records the TF and
Keras versions, what TF's TF1 loader and tf.saved_model.load did with each export, and
the signature. README.md is written from it.

Usage: python tools/reference/make_exports.py
"""

import json
import shutil
import sys

import common  # noqa: F401  (must come before tensorflow)
from common import LABELS, RESOURCES, SIZE, save_npy

import keras as keras3
import numpy as np
import tensorflow as tf
import tf_keras as keras2
from make_fixtures import descriptor_yaml, smooth_images
from PIL import Image
from tensorflow.core.protobuf import saved_model_pb2, trackable_object_graph_pb2

EXPORTS = RESOURCES / "fixtures" / "exports"
SEED = 2024


def versions():
    return {"tensorflow": tf.__version__, "keras": keras3.__version__, "tf_keras": keras2.__version__}


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------


def cnn_layers(L, head=()):
    return [
        *head,
        L.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(8, 3, padding="same", activation="relu", name="last_conv"),
        L.GlobalAveragePooling2D(name="gap"),
        L.Dense(3, name="logits"),
        L.Activation("softmax", name="probabilities"),
    ]


def train(model, x, seed, K):
    """Two epochs on random labels (so an optimizer tracks the weights), then logits spread to O(1)."""
    y = np.random.default_rng(seed).integers(0, 3, len(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    # Random labels leave the logits nearly constant; centre them over the training images and scale them to a
    # spread of 1.5, so the class scores depend on the input (as in make_fixtures.scale_logits).
    layer = model.get_layer("logits")
    logits = np.asarray(K.Model(model.inputs, layer.output).predict(x, verbose=0))
    kernel, bias = layer.get_weights()
    factor = 1.5 / (logits.std(0).mean() + 1e-12)
    layer.set_weights([kernel * factor, (bias - logits.mean(0)) * factor])


def assert_informative(model, K, x):
    """The first input's predicted logit moves by more than 1 from black, and its Grad-CAM is not all zero."""
    probe = K.Model(model.inputs, [model.get_layer("last_conv").output, model.get_layer("logits").output])
    x0 = tf.constant(x[:1])
    with tf.GradientTape() as tape:
        acts, logits = probe(x0)
        c = int(np.argmax(logits[0]))
        score = logits[0, c]
    grads = tape.gradient(score, acts)
    cam = tf.nn.relu(tf.reduce_sum(tf.reduce_mean(grads, axis=[1, 2], keepdims=True) * acts, -1))
    black = probe(tf.zeros_like(x0))[1][0, c]
    assert abs(float(score - black)) > 1 and float(tf.reduce_max(cam)) > 0, (float(score - black), float(tf.reduce_max(cam)))


def training_images(seed, scale=1.0):
    return smooth_images(np.random.default_rng(seed), 16) * scale


def keras3_sequential(seed, head=(), input_dtype="float32"):
    keras3.utils.set_random_seed(seed)
    L = keras3.layers
    return keras3.Sequential(
        [L.Input((SIZE, SIZE, 3), dtype=input_dtype, name="image"), *cnn_layers(L, head)], name="cnn"
    )


def make_keras3_saved_model_fit(folder, x):
    model = keras3_sequential(SEED)
    train(model, training_images(SEED + 1), SEED, keras3)
    assert_informative(model, keras3, x)
    tf.saved_model.save(model, str(folder))


def make_keras3_export_fit(folder, x):
    model = keras3_sequential(SEED + 12)
    train(model, training_images(SEED + 13), SEED + 12, keras3)
    assert_informative(model, keras3, x)
    model.export(str(folder))


def make_keras2_saved_model(folder, x):
    keras2.utils.set_random_seed(SEED + 20)
    L = keras2.layers
    model = keras2.Sequential([L.Input((SIZE, SIZE, 3), name="image"), *cnn_layers(L)], name="cnn")
    train(model, training_images(SEED + 21), SEED + 20, keras2)
    assert_informative(model, keras2, x)
    tf.saved_model.save(model, str(folder))


class Conv(tf.Module):
    def __init__(self, kernel, bias, name):
        super().__init__(name=name)
        self.kernel = kernel
        self.bias = bias

    def __call__(self, x):
        with tf.name_scope(self.name):
            return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, self.kernel, 1, "SAME"), self.bias))


class Net(tf.Module):
    """Variables live in `params` (a list); the layers reach the same variables."""

    def __init__(self, rng):
        super().__init__(name="net")

        def var(shape, scale, name):
            return tf.Variable(rng.standard_normal(shape).astype(np.float32) * scale, name=name)

        self.params = [
            var((3, 3, 3, 4), 0.4, "conv1/kernel"),
            var((4,), 0.1, "conv1/bias"),
            var((3, 3, 4, 8), 0.3, "last_conv/kernel"),
            var((8,), 0.1, "last_conv/bias"),
            var((8, 3), 0.8, "logits/kernel"),
            var((3,), 0.1, "logits/bias"),
        ]
        self.conv1 = Conv(self.params[0], self.params[1], "conv1")
        self.last_conv = Conv(self.params[2], self.params[3], "last_conv")

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32, name="image")])
    def __call__(self, x):
        y = self.conv1(x)
        with tf.name_scope("pool1"):
            y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        y = self.last_conv(y)
        with tf.name_scope("gap"):
            y = tf.reduce_mean(y, axis=[1, 2])
        with tf.name_scope("logits"):
            y = tf.matmul(y, self.params[4]) + self.params[5]
        return {"probabilities": tf.nn.softmax(y)}


def make_tf_module(folder, x):
    net = Net(np.random.default_rng(SEED + 30))
    tf.saved_model.save(net, str(folder), signatures={"serving_default": net.__call__})


def make_keras3_preprocessing(folder, x):
    L = keras3.layers
    head = (L.Resizing(16, 16, interpolation="bilinear", name="resize"), L.Rescaling(1 / 255, name="rescale"))
    model = keras3_sequential(SEED + 40, head)
    train(model, training_images(SEED + 41, 255.0), SEED + 40, keras3)
    assert_informative(model, keras3, x)
    model.export(str(folder))


def make_keras3_uint8(folder, x):
    L = keras3.layers
    model = keras3_sequential(SEED + 55, (L.Rescaling(1 / 255, name="rescale"),), input_dtype="uint8")
    train(model, np.round(training_images(SEED + 56, 255.0)).astype(np.uint8), SEED + 55, keras3)
    assert_informative(model, keras3, x.astype(np.uint8))
    model.export(str(folder))


# ---------------------------------------------------------------------------------------
# Broken copies of keras3-saved-model-fit
# ---------------------------------------------------------------------------------------

BROKEN_SOURCE = "keras3-saved-model-fit"
BROKEN_VARIABLE = "cnn/logits/bias"


def checkpoint_entries(folder):
    reader = tf.train.load_checkpoint(str(folder / "variables" / "variables"))
    return {k: reader.get_tensor(k) for k in sorted(reader.get_variable_to_dtype_map())}


def broken_node_id(folder):
    """The SavedObjectGraph node of BROKEN_VARIABLE (the checkpoint object graph has the same ids)."""
    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((folder / "saved_model.pb").read_bytes())
    nodes = sm.meta_graphs[0].object_graph_def.nodes
    (node,) = [i for i, n in enumerate(nodes) if n.WhichOneof("kind") == "variable" and n.variable.name == BROKEN_VARIABLE]
    return node


def write_checkpoint(folder, entries):
    (folder / "variables").mkdir(parents=True)
    names = list(entries)
    tf.raw_ops.SaveV2(
        prefix=str(folder / "variables" / "variables"),
        tensor_names=names,
        shape_and_slices=[""] * len(names),
        tensors=[tf.constant(entries[k]) for k in names],
    )


def broken_copy(folder, mutate):
    source = EXPORTS / BROKEN_SOURCE / "model"
    folder.mkdir(parents=True)
    for f in ("saved_model.pb", "fingerprint.pb"):
        shutil.copy(source / f, folder / f)
    entries = checkpoint_entries(source)
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(entries["_CHECKPOINTABLE_OBJECT_GRAPH"])
    mutate(entries, graph.nodes[broken_node_id(source)])
    entries["_CHECKPOINTABLE_OBJECT_GRAPH"] = graph.SerializeToString()
    write_checkpoint(folder, entries)


def make_broken_missing_value(folder, x):
    def drop_value(entries, node):
        (attr,) = node.attributes
        del entries[attr.checkpoint_key]

    broken_copy(folder, drop_value)


def make_broken_object_graph(folder, x):
    def drop_attribute(entries, node):
        del node.attributes[:]

    broken_copy(folder, drop_attribute)


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------

# name -> (builder, how it was saved, whether the model rescales 0..255 pixels itself, broken?)
FIXTURES = {
    "keras3-saved-model-fit": (
        make_keras3_saved_model_fit,
        "Keras 3 `compile` + `fit`, `tf.saved_model.save(model, dir)`",
        False,
        False,
    ),
    "keras3-export-fit": (make_keras3_export_fit, "Keras 3 `compile` + `fit`, `model.export(dir)`", False, False),
    "keras2-saved-model": (
        make_keras2_saved_model,
        "tf_keras (Keras 2) `compile` + `fit`, `tf.saved_model.save(model, dir)`",
        False,
        False,
    ),
    "tf-module": (
        make_tf_module,
        "`tf.Module` with variables in a list attribute, `tf.function` signature, `tf.saved_model.save`",
        False,
        False,
    ),
    "keras3-preprocessing": (
        make_keras3_preprocessing,
        "Keras 3 with `Resizing(16, 16)` + `Rescaling(1/255)` inside, `model.export(dir)`",
        True,
        False,
    ),
    "keras3-uint8": (
        make_keras3_uint8,
        "Keras 3, `Input(dtype='uint8')` + `Rescaling(1/255)`, `model.export(dir)`: signature takes uint8",
        True,
        False,
    ),
    "broken-missing-value": (
        make_broken_missing_value,
        f"`keras3-saved-model-fit` with `{BROKEN_VARIABLE}` deleted from the checkpoint",
        False,
        True,
    ),
    "broken-object-graph": (
        make_broken_object_graph,
        f"`keras3-saved-model-fit` whose checkpoint object graph lost `{BROKEN_VARIABLE}`'s value",
        False,
        True,
    ),
}


def signature_of(loaded):
    fn = loaded.signatures["serving_default"]
    (key,) = fn.structured_input_signature[1].keys()
    spec = fn.structured_input_signature[1][key]
    return fn, key, spec


def run_saved_model(folder, x):
    """tf.saved_model.load, then the serving_default signature on x (cast to its dtype): (status, output, spec)."""
    try:
        loaded = tf.saved_model.load(str(folder))
    except Exception as e:  # noqa: BLE001 - recorded, not handled
        return f"fails: {reason(e)}", None, tf.TensorSpec(None, tf.float32)
    fn, key, spec = signature_of(loaded)
    feed = x if spec.dtype == tf.float32 else np.round(x).astype(spec.dtype.as_numpy_dtype)
    try:
        (out,) = fn(**{key: tf.constant(feed)}).values()
    except Exception as e:  # noqa: BLE001
        return f"loads; the signature fails: {reason(e)}", None, spec
    return "ok", out.numpy(), spec


def reason(error):
    """The first informative line of the original error (TF wraps it in context and node paths)."""
    while error.__context__ is not None:
        error = error.__context__
    skip = ("Graph execution error", "Detected at node", "<stack traces", "File ", "[[")
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip() and not ln.strip().startswith(skip)]
    text = lines[0] if lines else type(error).__name__
    if text.startswith("{{") and "}} " in text:
        text = text.split("}} ", 1)[1]
    for cut in (" This could mean", " Debug info", " [Op:", " [[{{"):
        text = text.split(cut)[0]
    return text[:160]


def run_tf1_loader(folder, x, dtype):
    """What TF's TF1 session loader (the one DJL calls) does: ok, or the first line of its error."""
    graph = tf.Graph()
    with tf.compat.v1.Session(graph=graph) as sess:
        try:
            meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], str(folder))
            sig = meta.signature_def["serving_default"]
            (inp,) = sig.inputs.values()
            (out,) = sig.outputs.values()
            got = sess.run(out.name, {inp.name: x.astype(dtype.as_numpy_dtype)})
            return "ok", got
        except Exception as e:  # noqa: BLE001 - recorded, not handled
            return reason(e), None


def make(name):
    builder, how, rescales, broken = FIXTURES[name]
    out = EXPORTS / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pixels = smooth_images(np.random.default_rng(SEED + 99), 2)  # k/255
    # the tensor the service feeds: k/255 (descriptor scale 1/255), or k where the model rescales itself
    x = np.round(pixels * 255).astype(np.float32) if rescales else pixels
    builder(out / "model", x)
    yaml = descriptor_yaml(f"export-{name}", "model", SIZE, LABELS)
    if rescales:
        yaml = yaml.replace("  pipeline:\n    - scale: 0.00392156862745098\n", "  pipeline: []\n")
    (out / "model.yaml").write_text(yaml)
    info = {"name": name, "saved_by": how, "versions": versions(), "broken": broken}
    status, expected, spec = run_saved_model(out / "model", x)
    assert broken == (expected is None), (name, status)
    info["tf_saved_model_load"] = status
    if spec.shape.rank is not None:
        info["signature_input"] = {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}
    tf1, tf1_out = run_tf1_loader(out / "model", x, spec.dtype)
    info["tf1_session_loader"] = tf1
    if expected is not None:
        save_npy(out / "input.npy", x)
        save_npy(out / "expected_probabilities.npy", expected)
        for i in range(len(x)):
            Image.fromarray(np.round(pixels[i] * 255).astype(np.uint8), "RGB").save(out / f"input-{i}.png")
        info["probabilities"] = np.round(expected.astype(float), 4).tolist()
        if tf1_out is not None:
            info["tf1_max_abs_diff"] = float(np.abs(tf1_out - expected).max())
    info["size_bytes"] = sum(f.stat().st_size for f in (out / "model").rglob("*") if f.is_file())
    (out / "info.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"{name}: tf.saved_model.load={info['tf_saved_model_load']!r} TF1={tf1!r} size={info['size_bytes']}")
    return info


README_HEAD = """# Export-path fixtures

One tiny CNN (input `[N,32,32,3]`, Conv2D+ReLU, MaxPool, Conv2D+ReLU `last_conv`,
GlobalAveragePooling, Dense `logits`, softmax; 3 classes `a, b, c`) saved the ways people
save image classifiers, to check that Salience loads what TensorFlow itself can load and
says exactly why when it cannot. Weights are seeded random; where the path involves
`compile` + `fit` they are trained for 2 epochs on random labels (so an optimizer tracks
them), then the logits layer is centred and scaled so the class scores vary by O(1) with
the input.

Generated by `tools/reference/make_exports.py` -- do not edit by hand:

```sh
tools/reference/.venv/bin/python tools/reference/make_exports.py
```

Per fixture `<name>/`: `model/` (the SavedModel, tag `serve`, signature `serving_default`),
`model.yaml` (the service's descriptor), `info.json` (versions, what TensorFlow's loaders
did), and for the loadable ones `input.npy` (float32 `[2,32,32,3]`: `k/255`, or the whole
pixel values `k` where the model rescales itself), `input-0.png`, `input-1.png` and
`expected_probabilities.npy` (the signature's output for `input.npy`, computed with
`tf.saved_model.load` in Python; uint8 signatures get `input.npy` cast to uint8).

"TF1 loader" is `tf.compat.v1.saved_model.loader.load` followed by one session run of the
signature, which is what DJL does through the C API.

| fixture | saved by | versions | signature input | `tf.saved_model.load` | TF1 loader | size |
| --- | --- | --- | --- | --- | --- | --- |
"""


def write_readme(infos):
    lines = [README_HEAD.rstrip("\n")]
    for info in infos:
        v = info["versions"]
        made = f"TF {v['tensorflow']}, " + (
            f"tf_keras {v['tf_keras']}" if "tf_keras" in info["saved_by"] else f"Keras {v['keras']}"
        )
        if info["name"] == "tf-module":
            made = f"TF {v['tensorflow']}"
        sig = info.get("signature_input")
        sig = f"{sig['dtype']} {sig['shape']}" if sig else "-"
        lines.append(
            f"| `{info['name']}` | {info['saved_by']} | {made} | {sig} | {info['tf_saved_model_load']} "
            f"| {info['tf1_session_loader']} | {info['size_bytes'] // 1024} KiB |"
        )
    (EXPORTS / "README.md").write_text("\n".join(lines) + "\n")


def main(argv):
    names = argv[1:] or list(FIXTURES)
    infos = [make(name) for name in names]
    if set(names) == set(FIXTURES):
        write_readme(infos)


if __name__ == "__main__":
    main(sys.argv)
