#!/usr/bin/env python3
"""Train the small IDC demo classifier served by Salience (models/idc-demo).

Reads the real breast-histopathology patches from ../shared/data/idc-patches
(relative to the repository root; override with --data), splits them BY PATIENT
into train / validation / test with a seeded, stratified split, trains a small
Keras 2 (tf_keras) CNN, evaluates it on the held-out test patients and writes:

  models/idc-demo/saved_model/   Keras 2 SavedModel, signature serving_default
  models/idc-demo/model.yaml     descriptor parsed by the Java service
  models/idc-demo/metrics.json   measured metrics, split, training history
  models/idc-demo/MODEL_CARD.md  model card (generated from the measured values)
  models/idc-demo/test-split.txt test patient IDs, one per line

Usage (from the repository root):  python3 tools/demo-model/train.py
Demonstration only: not a medical device, not for diagnosis.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "idc-patches"
DEFAULT_OUT = REPO_ROOT / "models" / "idc-demo"
SIZE = 50
LABELS = ["no-idc", "idc"]
FILE_RE = re.compile(r"^(?P<patient>[^_]+)_idx5_x(?P<x>\d+)_y(?P<y>\d+)_class(?P<c>[01])\.png$")

DATA_SOURCE = (
    "public GitHub repository silainanir/Detection-of-Invasive-Ductal-Carcinoma, "
    "commit 49bba5c94dc836ae6d835dc19cca40196b9eabb1, which holds part of the public "
    '"Breast Histopathology Images" dataset (Janowczyk & Madabhushi, 2016)'
)

MODEL_YAML = """\
name: idc-demo
version: "1.0.0"
description: Small CNN, IDC vs non-IDC on 50x50 H&E breast patches (demonstration only)
savedModel: saved_model        # SavedModel folder, relative to this file
signature: serving_default
input:
  layout: NHWC
  width: 50
  height: 50
  colorMode: rgb               # rgb | bgr | grayscale
  resize: bilinear             # bilinear | bicubic | nearest | area
  pipeline:                    # applied in order to 0..255 pixel values
    - scale: 0.00392156862745098
output:
  kind: softmax                # softmax | sigmoid | logits
  labels: [no-idc, idc]
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help="idc-patches folder (default: ../shared/data/idc-patches next to the repo root)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: models/idc-demo)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--epochs", type=int, default=24, help="maximum epochs")
    p.add_argument("--patience", type=int, default=7, help="early-stopping patience on val balanced accuracy")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=2, help="TensorFlow intra-op threads")
    return p.parse_args()


# --------------------------------------------------------------------------- data

def load_patches(data_dir: Path):
    """Returns uint8 images [N,50,50,3], labels [N], patient ids [N] (sorted, deterministic)."""
    if not data_dir.is_dir():
        sys.exit(
            f"ERROR: IDC patch folder not found: {data_dir}\n"
            "Expected the shared data set at ../shared/data/idc-patches (relative to the repository root), "
            "laid out as PATIENT/CLASS/PATIENT_idx5_xX_yY_classC.png. Pass --data DIR to point elsewhere."
        )
    files = sorted(data_dir.glob("*/[01]/*.png"))
    if not files:
        sys.exit(f"ERROR: no PATIENT/CLASS/*.png patches under {data_dir}")
    images = np.empty((len(files), SIZE, SIZE, 3), dtype=np.uint8)
    labels = np.empty(len(files), dtype=np.int64)
    patients = []
    resized = 0
    for i, f in enumerate(files):
        m = FILE_RE.match(f.name)
        if not m or m.group("patient") != f.parent.parent.name or m.group("c") != f.parent.name:
            sys.exit(f"ERROR: unexpected patch file name / location: {f}")
        with Image.open(f) as im:
            im = im.convert("RGB")
            if im.size != (SIZE, SIZE):
                # edge patches are narrower: resize with bilinear interpolation, as the Java service does
                im = im.resize((SIZE, SIZE), Image.BILINEAR)
                resized += 1
            images[i] = np.asarray(im, dtype=np.uint8)
        labels[i] = int(m.group("c"))
        patients.append(m.group("patient"))
    return images, labels, np.array(patients), resized


def split_patients(patients: np.ndarray, labels: np.ndarray, seed: int):
    """Deterministic patient-level split, ~70/15/15, stratified by each patient's IDC fraction.

    Patients are ranked by (IDC fraction, id) and cut into consecutive blocks of 20; within each
    block a seeded permutation sends round(70 %) to train, round(15 %) to validation, the rest to test.
    """
    ids = sorted(set(patients.tolist()), key=lambda s: (len(s), s))
    frac = {p: float(labels[patients == p].mean()) for p in ids}
    ranked = sorted(ids, key=lambda p: (frac[p], int(p) if p.isdigit() else p))
    rng = np.random.default_rng(seed)
    train, val, test = [], [], []
    for start in range(0, len(ranked), 20):
        block = ranked[start:start + 20]
        block = [block[i] for i in rng.permutation(len(block))]
        n_tr = int(round(0.70 * len(block)))
        n_va = int(round(0.15 * len(block)))
        train += block[:n_tr]
        val += block[n_tr:n_tr + n_va]
        test += block[n_tr + n_va:]
    key = lambda s: (len(s), s)  # noqa: E731
    return sorted(train, key=key), sorted(val, key=key), sorted(test, key=key)


# --------------------------------------------------------------------------- model

def build_model(keras):
    layers = keras.layers

    def conv_bn_relu(x, filters, name):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
        x = layers.BatchNormalization(name=name + "_bn")(x)
        return layers.ReLU(name=name + "_relu")(x)

    inp = keras.Input(shape=(SIZE, SIZE, 3), dtype="float32", name="image")
    x = conv_bn_relu(inp, 16, "conv1")
    x = layers.MaxPooling2D(name="pool1")(x)                      # 25x25
    x = conv_bn_relu(x, 32, "conv2a")
    x = conv_bn_relu(x, 32, "conv2b")
    x = layers.MaxPooling2D(name="pool2")(x)                      # 12x12
    x = conv_bn_relu(x, 64, "conv3a")
    # last conv block: Conv2D with fused ReLU, so its output is the rectified 12x12x64 feature map (Grad-CAM target)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="last_conv")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(2, name="logits")(x)                         # pre-softmax logits, distinct node
    out = layers.Activation("softmax", name="probabilities")(x)
    return keras.Model(inp, out, name="idc_demo_cnn")


def augment_batch(x_u8: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dihedral (flips + 90-degree rotations) and light H&E colour jitter; returns float32 in ~[0,1]."""
    x = x_u8.astype(np.float32) / 255.0
    out = np.empty_like(x)
    k = rng.integers(0, 4, len(x))
    flip = rng.random(len(x)) < 0.5
    for rot in range(4):  # the 8 dihedral transforms, applied group-wise
        for f in (False, True):
            sel = np.flatnonzero((k == rot) & (flip == f))
            if len(sel):
                im = np.rot90(x[sel], rot, axes=(1, 2))
                out[sel] = im[:, :, ::-1] if f else im
    n = len(x)
    # light colour jitter: per-channel gain/offset (stain variation), brightness, contrast, saturation
    gain = rng.uniform(0.95, 1.05, (n, 1, 1, 3)).astype(np.float32)
    offset = rng.uniform(-0.03, 0.03, (n, 1, 1, 3)).astype(np.float32)
    out = out * gain + offset
    mean = out.mean(axis=(1, 2, 3), keepdims=True)
    out = (out - mean) * rng.uniform(0.9, 1.1, (n, 1, 1, 1)).astype(np.float32) + mean
    grey = out.mean(axis=3, keepdims=True)
    out = (out - grey) * rng.uniform(0.9, 1.1, (n, 1, 1, 1)).astype(np.float32) + grey
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------- metrics

def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney U formulation with average ranks for ties."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2.0 + 1.0
        i = j + 1
    r = np.empty_like(ranks)
    r[order] = ranks
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((r[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def metrics(y: np.ndarray, prob_idc: np.ndarray) -> dict:
    pred = (prob_idc > 0.5).astype(np.int64)  # == argmax over the two softmax outputs
    tp = int(((pred == 1) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    sens = tp / max(tp + fn, 1)
    spec = tn / max(tn + fp, 1)
    prec = tp / max(tp + fp, 1)
    return {
        "n": int(len(y)),
        "accuracy": (tp + tn) / len(y),
        "balanced_accuracy": (sens + spec) / 2.0,
        "roc_auc": roc_auc(y, prob_idc),
        "f1_idc": 2 * prec * sens / max(prec + sens, 1e-12),
        "sensitivity_idc": sens,
        "specificity": spec,
        "precision_idc": prec,
        "confusion_matrix": {"rows": "true [no-idc, idc]", "cols": "predicted [no-idc, idc]",
                             "matrix": [[tn, fp], [fn, tp]]},
    }


# --------------------------------------------------------------------------- main

def main() -> None:
    args = parse_args()
    t_start = time.time()

    import tensorflow as tf
    import tf_keras as keras

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    os.environ["PYTHONHASHSEED"] = str(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    keras.utils.set_random_seed(args.seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception as e:  # pragma: no cover
        print(f"warning: op determinism not available: {e}")

    data_dir = args.data.resolve()
    print(f"TensorFlow {tf.__version__}, tf_keras {keras.__version__}, numpy {np.__version__}")
    print(f"loading patches from {data_dir} ...")
    images, labels, patients, resized = load_patches(data_dir)
    n_pat = len(set(patients.tolist()))
    print(f"{len(images)} patches ({int((labels == 0).sum())} class 0, {int((labels == 1).sum())} class 1), "
          f"{n_pat} patients, {resized} edge patches resized to 50x50")

    train_p, val_p, test_p = split_patients(patients, labels, args.seed)
    assert not (set(train_p) & set(val_p) or set(train_p) & set(test_p) or set(val_p) & set(test_p))
    masks = {name: np.isin(patients, ps) for name, ps in (("train", train_p), ("val", val_p), ("test", test_p))}
    counts = {}
    for (name, m), ps in zip(masks.items(), (train_p, val_p, test_p)):
        counts[name] = {"patients": len(ps), "patches": int(m.sum()),
                        "class0": int((labels[m] == 0).sum()), "class1": int((labels[m] == 1).sum())}
        print(f"  {name:5s}: {counts[name]}")

    x_tr, y_tr = images[masks["train"]], labels[masks["train"]]
    x_va, y_va = images[masks["val"]].astype(np.float32) / 255.0, labels[masks["val"]]
    x_te, y_te = images[masks["test"]].astype(np.float32) / 255.0, labels[masks["test"]]

    n0, n1 = int((y_tr == 0).sum()), int((y_tr == 1).sum())
    class_weight = {0: len(y_tr) / (2.0 * n0), 1: len(y_tr) / (2.0 * n1)}
    print(f"class weights: {class_weight}")

    model = build_model(keras)
    model.summary(line_length=100)
    n_params = int(model.count_params())
    n_trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))

    steps_per_epoch = int(np.ceil(len(x_tr) / args.batch))
    schedule = keras.optimizers.schedules.CosineDecay(args.lr, decay_steps=steps_per_epoch * args.epochs,
                                                      alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy"])

    sample_w = np.where(y_tr == 1, class_weight[1], class_weight[0]).astype(np.float32)
    rng = np.random.default_rng(args.seed + 1)
    history, best = [], None
    best_weights, bad_epochs = None, 0
    t_train = time.time()
    for epoch in range(args.epochs):
        t_ep = time.time()
        perm = rng.permutation(len(x_tr))
        losses = []
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch:(b + 1) * args.batch]
            xb = augment_batch(x_tr[idx], rng)
            out = model.train_on_batch(xb, y_tr[idx], sample_weight=sample_w[idx], return_dict=True)
            losses.append(out["loss"])
        p_va = model.predict(x_va, batch_size=256, verbose=0)[:, 1]
        m_va = metrics(y_va, p_va)
        rec = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)),
               "val_accuracy": m_va["accuracy"], "val_balanced_accuracy": m_va["balanced_accuracy"],
               "val_roc_auc": m_va["roc_auc"], "val_f1_idc": m_va["f1_idc"], "seconds": time.time() - t_ep}
        history.append(rec)
        score = (m_va["balanced_accuracy"], m_va["roc_auc"])
        improved = best is None or score > best
        if improved:
            best, best_weights, bad_epochs = score, model.get_weights(), 0
        else:
            bad_epochs += 1
        print(f"epoch {epoch + 1:2d}/{args.epochs}  loss {rec['train_loss']:.4f}  val acc {rec['val_accuracy']:.4f}  "
              f"bal {rec['val_balanced_accuracy']:.4f}  auc {rec['val_roc_auc']:.4f}  f1 {rec['val_f1_idc']:.4f}  "
              f"({rec['seconds']:.0f}s){'  *' if improved else ''}", flush=True)
        if bad_epochs >= args.patience:
            print(f"early stopping: no val improvement for {args.patience} epochs")
            break
    train_seconds = time.time() - t_train
    model.set_weights(best_weights)
    best_epoch = max(history, key=lambda r: (r["val_balanced_accuracy"], r["val_roc_auc"]))["epoch"]

    p_va = model.predict(x_va, batch_size=256, verbose=0)
    p_te = model.predict(x_te, batch_size=256, verbose=0)
    m_val = metrics(y_va, p_va[:, 1])
    m_test = metrics(y_te, p_te[:, 1])
    print(f"best epoch {best_epoch}; TEST patients: acc {m_test['accuracy']:.4f}  bal {m_test['balanced_accuracy']:.4f}  "
          f"auc {m_test['roc_auc']:.4f}  f1 {m_test['f1_idc']:.4f}  cm {m_test['confusion_matrix']['matrix']}")

    # ---------------------------------------------------------------- export
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    sm_dir = out_dir / "saved_model"
    if sm_dir.exists():
        shutil.rmtree(sm_dir)
    model.save(str(sm_dir), save_format="tf", include_optimizer=False)

    loaded = tf.saved_model.load(str(sm_dir))
    sig = loaded.signatures["serving_default"]
    in_spec = sig.structured_input_signature[1]
    out_spec = sig.structured_outputs
    check_x = np.concatenate([x_te[:128], x_va[:128]])
    sm_out = sig(**{next(iter(in_spec)): tf.constant(check_x)})
    sm_prob = sm_out["probabilities"].numpy()
    keras_prob = model.predict(check_x, batch_size=256, verbose=0)
    max_abs_diff = float(np.max(np.abs(sm_prob - keras_prob)))
    print(f"SavedModel reload check: max |signature - keras| = {max_abs_diff:.3e} over {len(check_x)} patches")
    if max_abs_diff > 1e-4:
        sys.exit("ERROR: SavedModel outputs differ from the Keras model")
    logits_model = keras.Model(model.input, model.get_layer("logits").output)
    logit_check = float(np.max(np.abs(tf.nn.softmax(logits_model.predict(check_x, verbose=0)).numpy() - keras_prob)))
    print(f"softmax(logits) vs probabilities: max abs diff {logit_check:.3e}")

    signature_info = {
        "inputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list(), "tensor": f"serving_default_{k}:0"}
                   for k, v in in_spec.items()},
        "outputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()} for k, v in out_spec.items()},
        "saved_model_vs_keras_max_abs_diff": max_abs_diff,
    }
    sm_bytes = sum(f.stat().st_size for f in sm_dir.rglob("*") if f.is_file())

    (out_dir / "model.yaml").write_text(MODEL_YAML)
    (out_dir / "test-split.txt").write_text("\n".join(test_p) + "\n")

    total_seconds = time.time() - t_start
    result = {
        "model": "idc-demo", "version": "1.0.0",
        "evaluated_on": "held-out TEST patients (never used for training or model selection)",
        "decision_rule": "argmax of softmax (== P(idc) > 0.5)",
        "positive_class": "idc (class 1)",
        "test": m_test,
        "validation": m_val,
        "reference": {"source": "Janowczyk & Madabhushi (2016)", "balanced_accuracy": 0.8423, "f1": 0.7648},
        "split": {"method": "by patient; patients ranked by IDC fraction, blocks of 20, seeded permutation "
                            "within each block: round(70%) train, round(15%) validation, rest test",
                  "seed": args.seed, "counts": counts,
                  "patients": {"train": train_p, "val": val_p, "test": test_p}},
        "data": {"source": DATA_SOURCE, "patches": int(len(images)), "patients": n_pat,
                 "class0": int((labels == 0).sum()), "class1": int((labels == 1).sum()),
                 "resized_edge_patches": resized},
        "model_info": {"params_total": n_params, "params_trainable": n_trainable,
                       "saved_model_bytes": sm_bytes, "last_conv_layer": "last_conv",
                       "logits_layer": "logits", "probabilities_layer": "probabilities",
                       "signature": signature_info},
        "training": {"epochs_max": args.epochs, "epochs_run": len(history), "best_epoch": best_epoch,
                     "batch": args.batch, "optimizer": "Adam", "lr": args.lr,
                     "lr_schedule": "cosine decay to 2% over epochs_max", "loss": "sparse categorical cross-entropy",
                     "class_weight": class_weight, "patience": args.patience,
                     "selection": "best validation balanced accuracy (tie-break: AUC)",
                     "train_seconds": round(train_seconds, 1), "total_seconds": round(total_seconds, 1),
                     "threads": args.threads, "history": history},
        "environment": {"python": platform.python_version(), "tensorflow": tf.__version__,
                        "tf_keras": keras.__version__, "numpy": np.__version__,
                        "distributions": installed_versions(),
                        "platform": platform.platform()},
    }
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / "MODEL_CARD.md").write_text(model_card(model, result))
    print(f"wrote {out_dir} (SavedModel {sm_bytes} bytes, {n_params} params) in {total_seconds:.0f}s")


def installed_versions() -> str:
    from importlib import metadata
    found = []
    for dist in ("tensorflow-cpu", "tensorflow", "tf-keras", "keras"):
        try:
            found.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def model_card(model, r: dict) -> str:
    t, v, c = r["test"], r["validation"], r["split"]["counts"]
    tr, mi = r["training"], r["model_info"]
    rows = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list):
            shape = shape[0]
        rows.append(f"| `{layer.name}` | {type(layer).__name__} | {tuple(shape[1:])} | {layer.count_params()} |")
    cm = t["confusion_matrix"]["matrix"]
    sig = mi["signature"]
    sig_in = ", ".join(f"`{k}` ({s['dtype']} {s['shape']}, tensor `{s['tensor']}`)" for k, s in sig["inputs"].items())
    sig_out = ", ".join(f"`{k}` ({s['dtype']} {s['shape']})" for k, s in sig["outputs"].items())
    split_rows = "\n".join(
        f"| {n} | {c[n]['patients']} | {c[n]['patches']} | {c[n]['class0']} | {c[n]['class1']} |"
        for n in ("train", "val", "test"))
    return f"""# Model card: idc-demo 1.0.0

**Demonstration only.** This model exists to exercise the Salience service (serving and saliency maps)
on a real task. It is **not a medical device, not validated clinically, and must not be used for
diagnosis** or any other clinical decision.

## Task
Binary classification of 50x50 RGB H&E patches of breast tissue: `idc` (invasive ductal carcinoma
present, class 1, the positive class) vs `no-idc` (class 0).

## Data
- Source: {r['data']['source']}. Read from `../shared/data/idc-patches` (not copied into this repository).
- {r['data']['patches']} patches ({r['data']['class0']} class 0, {r['data']['class1']} class 1) from
  {r['data']['patients']} patients; {r['data']['resized_edge_patches']} narrower edge patches were resized to 50x50
  with bilinear interpolation.
- Split **by patient** (no patient appears in two splits), seed {r['split']['seed']}: patients ranked by their
  IDC fraction, cut into blocks of 20, and a seeded permutation inside each block sends round(70 %) to train,
  round(15 %) to validation and the rest to test (so the split is stratified by IDC fraction).
  Test patient IDs: `test-split.txt`; all three lists: `metrics.json`.

| split | patients | patches | class 0 | class 1 |
|---|---|---|---|---|
{split_rows}

Validation was used only for model selection (best epoch); the numbers below are on the test patients.

## Preprocessing (also in `model.yaml`)
RGB, resized to 50x50 (bilinear) if needed, float32, pixel values x 1/255. Input layout NHWC [N,50,50,3].
No mean/std normalisation.

## Architecture
Small CNN, {mi['params_total']} parameters ({mi['params_trainable']} trainable). Conv layers are 3x3, `same` padding.

| layer | type | output | params |
|---|---|---|---|
{chr(10).join(rows)}

- Last conv layer: `last_conv` (Conv2D with fused ReLU, 12x12x64 output; Grad-CAM target).
- `logits` (Dense(2)) holds the pre-softmax logits; `probabilities` is a separate softmax Activation.
- SavedModel (Keras 2 format, `saved_model/`, {mi['saved_model_bytes']} bytes, optimizer state not included):
  signature `serving_default`, input {sig_in}; output {sig_out}.
  Reloaded with `tf.saved_model.load`, the signature matched the Keras model to a max abs difference of
  {sig['saved_model_vs_keras_max_abs_diff']:.1e}.
- Inside the SavedModel's function graph (`__inference__wrapped_model_*`) the logits are the node
  `idc_demo_cnn/logits/BiasAdd` and the last conv feature map is `idc_demo_cnn/last_conv/Relu`
  (softmax: `idc_demo_cnn/probabilities/Softmax`).

## Training
- tf_keras (Keras 2 API) on CPU, {tr['threads']} threads; Adam, initial learning rate {tr['lr']}, cosine decay;
  batch {tr['batch']}; up to {tr['epochs_max']} epochs, early stopping with patience {tr['patience']};
  {tr['epochs_run']} epochs run, best epoch {tr['best_epoch']} by validation balanced accuracy.
- Loss: cross-entropy with class weights {{0: {tr['class_weight'][0]:.3f}, 1: {tr['class_weight'][1]:.3f}}} (balanced).
- Augmentation: random 90-degree rotations and flips; light colour jitter (per-channel gain 0.95-1.05 and
  offset +-0.03, contrast and saturation 0.9-1.1).
- Training took {tr['train_seconds']:.0f} s ({tr['total_seconds']:.0f} s for the whole script); wall time depends
  heavily on how busy the shared CPU is (7 to 14 minutes for the whole script in our runs on 2 cores).

## Results on held-out test patients ({t['n']} patches)
Decision rule: argmax of the softmax (P(idc) > 0.5).

| metric | test | validation |
|---|---|---|
| accuracy | {t['accuracy']:.4f} | {v['accuracy']:.4f} |
| balanced accuracy | {t['balanced_accuracy']:.4f} | {v['balanced_accuracy']:.4f} |
| ROC AUC | {t['roc_auc']:.4f} | {v['roc_auc']:.4f} |
| F1 (IDC positive) | {t['f1_idc']:.4f} | {v['f1_idc']:.4f} |
| sensitivity (IDC) | {t['sensitivity_idc']:.4f} | {v['sensitivity_idc']:.4f} |
| specificity | {t['specificity']:.4f} | {v['specificity']:.4f} |

Test confusion matrix (rows true, columns predicted, order [no-idc, idc]): `{cm}`.

Reference point: Janowczyk & Madabhushi (2016) report balanced accuracy 0.8423 and F1 0.7648 on this task.
They used their own patient split and the full set of patches; this model sees only the ~10,000 patches in
the subset above and a different split, so the comparison is indicative only.

## Reproduce
```
pip install -r tools/requirements.txt
python3 tools/demo-model/train.py          # --data DIR to point at another idc-patches copy
```
Environment of this run: Python {r['environment']['python']}, TensorFlow {r['environment']['tensorflow']}
(installed distributions: {r['environment']['distributions']}), tf_keras {r['environment']['tf_keras']},
numpy {r['environment']['numpy']}, CPU only.
Python, NumPy and TensorFlow are seeded, the data order and augmentation come from a seeded NumPy generator,
and TF op determinism is enabled, but bit-exact reproduction is not guaranteed across machines, CPU
instruction sets, thread counts or library versions.

## Limitations
A small data set (one public subset, {r['data']['patients']} patients), no external validation, patch-level
labels only, and staining/scanner variation from a single source. Outputs are not calibrated probabilities
for any clinical population.
"""


if __name__ == "__main__":
    main()
