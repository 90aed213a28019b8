"""Shared set-up for the reference tools (fixtures and reference saliency maps).

Import this module BEFORE tensorflow anywhere else: it selects the legacy Keras 2
implementation (``tf_keras``) for ``tf.keras`` (tf-keras-vis needs it), silences
TensorFlow's start-up chatter and makes the CPU kernels deterministic.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# oneDNN re-orders float reductions; turn it off so reruns give identical bytes.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pathlib  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.experimental.enable_op_determinism()
tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)

REPO = pathlib.Path(__file__).resolve().parents[2]
RESOURCES = REPO / "src" / "test" / "resources"
ARCH = RESOURCES / "fixtures" / "arch"
REFERENCE = RESOURCES / "reference"

FIXTURES = ["plain", "resnet", "concat", "mobilenetv2", "efficientnet", "nested"]
LABELS = ["a", "b", "c"]
SIZE = 32

# The layer whose output the CAM family explains, per fixture (Keras layer name as the
# Java engine is asked for it). For `nested` the layer lives inside the inner model
# `backbone`; tf-keras-vis cannot extract an inner layer of a nested model (graph
# disconnected), so the reference is computed on the output of the `backbone` layer,
# which IS the output of `backbone/last_conv` (it is the backbone's final layer).
CAM_LAYER = {name: "last_conv" for name in FIXTURES}
CAM_LAYER["nested"] = "backbone/last_conv"


def rel(path):
    """Path relative to src/test/resources, with forward slashes."""
    return pathlib.Path(path).resolve().relative_to(RESOURCES).as_posix()


def save_npy(path, array):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))
