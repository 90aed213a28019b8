#!/usr/bin/env python3
"""Reference maps for XRAI (PAIR saliency core XRAI) on the architecture fixtures.

For every architecture fixture but `nested` and row 0 of its input.npy, explaining the pre-softmax logit of the
predicted class of the keras2 SavedModel (tf_keras): PAIR's own Felzenszwalb segments (its _get_segments_felzenszwalb:
the image scaled to [-1, 1] and resized to 224x224, scales 50..1200, sigma 0.8, min_size 150, dilated by a disk of 5)
are saved as masks, and XRAI.GetMask(..., segments=those masks) with its defaults (IG over the min and max constant
baselines, 100 steps; the full greedy algorithm) is saved as the reference map. The Java test feeds the same masks,
so the comparison is of the attribution and ranking, not of two segmentation libraries.
Writes src/test/resources/reference/xrai/<fixture>-{segments,xrai}.npy and manifest.json.

Usage: tools/reference/.venv/bin/python tools/reference/make_xrai_reference.py
"""

import importlib.metadata as md
import json

import common  # noqa: F401  (must come before tensorflow)
from common import ARCH, FIXTURES, REFERENCE, rel, save_npy

import numpy as np
import saliency.core as pair
import tensorflow as tf
import tf_keras
from saliency.core import xrai as pair_xrai

OUT = REFERENCE / "xrai"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"tools": {"saliency": md.version("saliency"), "tensorflow": tf.__version__}, "cases": []}
    for name in FIXTURES:
        if name == "nested":
            continue
        model = tf_keras.models.load_model(str(ARCH / name / "keras2"), compile=False)
        x = np.load(ARCH / name / "input.npy")[0].astype(np.float32)
        logits_model = tf_keras.Model(model.inputs, model.get_layer("logits").output)
        target = int(logits_model(x[None]).numpy()[0].argmax())

        def call_model(batch, call_model_args=None, expected_keys=None):
            t = tf.convert_to_tensor(batch)
            with tf.GradientTape() as tape:
                tape.watch(t)
                out = logits_model(t)[:, target]
            return {pair.base.INPUT_OUTPUT_GRADIENTS: tape.gradient(out, t).numpy()}

        masks = pair_xrai._get_segments_felzenszwalb(x)
        seg_path = OUT / f"{name}-segments.npy"
        seg_path.parent.mkdir(parents=True, exist_ok=True)
        np.save(seg_path, np.asarray(masks, dtype=np.uint8))
        attr = pair.XRAI().GetMask(x, call_model, segments=masks, batch_size=101)
        path = OUT / f"{name}-xrai.npy"
        save_npy(path, attr)
        manifest["cases"].append(
            {
                "fixture": name,
                "target": target,
                "segments": rel(seg_path),
                "masks": len(masks),
                "file": rel(path),
            }
        )
        print(name, "target", target, "masks", len(masks))
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
