#!/usr/bin/env python3
"""Reference maps for Score-CAM (tf-keras-vis Scorecam) and Blur IG (PAIR saliency BlurIG).

For every architecture fixture but `nested` (tf-keras-vis cannot reach an inner model's layer) and row 0 of its
input.npy, explaining the pre-softmax logit of the predicted class of the keras2 SavedModel (loaded with tf_keras):
  * score-cam: tf-keras-vis Scorecam with ReplaceToLinear (so its softmax of the outputs is the softmax of the
    logits), penultimate_layer=last_conv,
    seek_penultimate_conv_layer=False, expand_cam=False, normalize_cam=False: the raw relu(sum_k w_k A_k) at the
    layer's resolution; once with every channel and once with max_N=4 (Faster Score-CAM);
  * blur-ig: PAIR saliency core BlurIG.GetMask with its defaults (max_sigma=50, steps=100, grad_step=0.01), the
    gradients of the logit taken with tf.GradientTape.
Writes src/test/resources/reference/cam-variants/<fixture>-<case>.npy and manifest.json.

Usage: tools/reference/.venv/bin/python tools/reference/make_cam_variants_reference.py
"""

import importlib.metadata as md
import json

import common  # noqa: F401  (must come before tensorflow)
from common import ARCH, FIXTURES, REFERENCE, rel, save_npy

import numpy as np
import saliency.core as pair
import tensorflow as tf
import tf_keras
from tf_keras_vis.scorecam import Scorecam
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
from tf_keras_vis.utils.scores import CategoricalScore

OUT = REFERENCE / "cam-variants"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {
        "tools": {
            "tf-keras-vis": md.version("tf-keras-vis"),
            "saliency": md.version("saliency"),
            "tensorflow": tf.__version__,
        },
        "cases": [],
    }
    for name in FIXTURES:
        if name == "nested":
            continue
        model = tf_keras.models.load_model(str(ARCH / name / "keras2"), compile=False)
        x = np.load(ARCH / name / "input.npy")[:1].astype(np.float32)
        logits_model = tf_keras.Model(model.inputs, model.get_layer("logits").output)
        logits = logits_model(x).numpy()[0]
        target = int(logits.argmax())
        for label, max_n in (("score-cam", None), ("score-cam-channels-4", 4)):
            cam = Scorecam(model, model_modifier=ReplaceToLinear(), clone=True)(
                CategoricalScore([target]),
                x,
                penultimate_layer="last_conv",
                # tf-keras-vis 0.8.7 on TF >= 2.16 recognises only Keras 3 conv layers when it seeks one
                seek_penultimate_conv_layer=False,
                max_N=max_n,
                expand_cam=False,
                normalize_cam=False,
            )
            path = OUT / f"{name}-{label}.npy"
            save_npy(path, np.asarray(cam)[0])
            manifest["cases"].append(
                {
                    "fixture": name,
                    "method": "score-cam",
                    "params": {} if max_n is None else {"channels": str(max_n)},
                    "target": target,
                    "file": rel(path),
                }
            )

        def call_model(batch, call_model_args=None, expected_keys=None):
            t = tf.convert_to_tensor(batch)
            with tf.GradientTape() as tape:
                tape.watch(t)
                out = logits_model(t)[:, target]
            return {pair.base.INPUT_OUTPUT_GRADIENTS: tape.gradient(out, t).numpy()}

        blur = pair.BlurIG().GetMask(x[0], call_model, batch_size=20)
        path = OUT / f"{name}-blur-ig.npy"
        save_npy(path, blur)
        manifest["cases"].append(
            {"fixture": name, "method": "blur-ig", "params": {}, "target": target, "file": rel(path)}
        )
        print(name, "target", target, "done")
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
