#!/usr/bin/env python3
"""Reference saliency maps for the architecture fixtures, from published implementations.

For every fixture in src/test/resources/fixtures/arch/ (its keras2 SavedModel, loaded with
tf_keras) and every row of its input.npy this computes RAW (unnormalised) maps with
  * tf-keras-vis (Saliency, Gradcam, GradcamPlusPlus, Layercam),
  * PAIR saliency (IntegratedGradients),
  * GradientTape (gradient-x-input, vargrad, squaregrad, and guided backprop / deconvnet
    with overridden rectifier gradients, for which no published TF2 implementation fits),
always explaining the PRE-SOFTMAX logit of the predicted class, and writes them to
src/test/resources/reference/<fixture>/row<r>-<method>.npy plus manifest.json and README.md.
Every case is cross-checked against an independent computation; the checks are printed and
recorded in reference/README.md.

Usage: python tools/reference/make_reference.py [--only method[,method...]] [fixture ...]

--only regenerates just those methods' arrays and manifest entries (and their self-check lines
in the README); every other array and manifest entry is left untouched (byte-identical).
"""

import importlib.metadata as md
import json
import sys

import common  # noqa: F401  (must come before tensorflow)
from common import ARCH, CAM_LAYER, FIXTURES, REFERENCE, SIZE, rel, save_npy

import numpy as np
import saliency.core as pair
import tensorflow as tf
import tf_keras
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
from tf_keras_vis.layercam import Layercam
from tf_keras_vis.saliency import Saliency
from tf_keras_vis.utils.model_modifiers import GuidedBackpropagation, ReplaceToLinear
from tf_keras_vis.utils.scores import CategoricalScore

assert tf.keras.Model is tf_keras.Model, "tf-keras-vis needs TF_USE_LEGACY_KERAS=1"

TKV = f"tf-keras-vis {md.version('tf-keras-vis')}"
PAIR = f"saliency (PAIR) {md.version('saliency')}"
TAPE = f"tf.GradientTape (TensorFlow {tf.__version__})"

SMOOTH_SAMPLES = 8
SMOOTH_NOISE = 0.15
# PAIR's IG is x * mean_i grad(alpha_i x) over alpha_i = linspace(0, 1, steps), both ends
# included: a first-order (O(1/steps)) rule whose bias vs the path integral is
# x * ((g(0) + g(1))/2 - mean g) / steps (0.5-1.8 % of the map at 256 steps on resnet,
# mobilenetv2, efficientnet). At 16384 steps that bias is below ~3e-4 of the map, so the
# reference is the integral itself up to that, not one particular discretisation of it.
IG_STEPS = 16384
IG_BATCH = 512

GRADCAMPP_FORMULA = (
    "tf-keras-vis GradcamPlusPlus, raw: with S = logit[target], g = dS/dA (A = layer output "
    "[h,w,K]), E = exp(S): d1 = E*g, d2 = E*g^2, d3 = E*g^3; "
    "alpha_num = d2; alpha_den = 2*d2 + d3*sum_ij(A_k) (+1 where d2 == 0); "
    "alpha = alpha_num/alpha_den; alpha /= sum_ij(alpha) (+1 where that sum == 0); "
    "w_k = sum_ij(relu(d1) * alpha); cam = relu(sum_k w_k * A_k)"
)
RESIZE = (
    "tf.image.resize(cam[None,:,:,None], [32,32], method='bilinear', antialias=False) "
    "(TF2: half_pixel_centers=True, align_corners=False)"
)

CHECKS = []  # (case, text) for the README


def check(case, text, ok=True):
    line = f"{'OK ' if ok else 'BAD'} {case}: {text}"
    print(line, flush=True)
    CHECKS.append((case, text, bool(ok)))


def close(a, b, rtol=1e-4, atol=None):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.abs(b).max(), 1e-12)
    err = np.abs(a - b).max()
    return err <= (atol if atol is not None else rtol * scale), err, scale


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------


def load(name):
    model = tf_keras.models.load_model(str(ARCH / name / "keras2"), compile=False)
    x = np.load(ARCH / name / "input.npy")
    probs = np.load(ARCH / name / "expected_probabilities.npy")
    got = model.predict(x, verbose=0)
    assert np.abs(got - probs).max() < 1e-5, (name, got, probs)
    return model, x, probs


def logits_model(model):
    return tf_keras.Model(model.inputs, model.get_layer("logits").output)


def flatten_nested(model):
    """Functional copy of `model` with nested models inlined (same weights, fresh layers).

    tf-keras-vis can only explain a layer whose `.output` is a tensor of the outer graph; an
    inner layer of a nested model is not (graph disconnected), so the CAM references for
    `nested` are computed on this flattened copy, which computes the same function.
    """
    inp = tf_keras.Input(model.inputs[0].shape[1:], name="image")

    def copy(layer):
        clone = layer.__class__.from_config(layer.get_config())
        return clone

    pairs = []
    x = inp
    for layer in model.layers[1:]:
        if isinstance(layer, tf_keras.Model):
            for inner in layer.layers:
                if isinstance(inner, tf_keras.layers.InputLayer):
                    continue
                clone = copy(inner)
                x = clone(x)
                pairs.append((inner, clone))
        else:
            clone = copy(layer)
            x = clone(x)
            pairs.append((layer, clone))
    flat = tf_keras.Model(inp, x, name=model.name + "_flat")
    for layer, clone in pairs:
        clone.set_weights(layer.get_weights())
    return flat


def resize_bilinear_half_pixel(img, out_h, out_w):
    """numpy version of TF2 bilinear resize (half_pixel_centers=True, no antialias)."""

    def axis(n_in, n_out):
        src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        lo = np.floor(src)
        frac = src - lo
        lo_i = np.clip(lo, 0, n_in - 1).astype(int)
        hi_i = np.clip(lo + 1, 0, n_in - 1).astype(int)
        return lo_i, hi_i, frac

    y0, y1, fy = axis(img.shape[0], out_h)
    x0, x1, fx = axis(img.shape[1], out_w)
    img = img.astype(np.float64)
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return (top * (1 - fy)[:, None] + bottom * fy[:, None])[:, :, None]


def tape_grad(fn, x, target):
    x = tf.convert_to_tensor(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = fn(x, training=False)[:, target]
    return tape.gradient(score, x).numpy()


def layer_tensor_model(model, layer):
    """Model x -> [A (layer output), logits] for a possibly nested layer path."""
    if "/" in layer:
        flat = flatten_nested(model)
        return tf_keras.Model(
            flat.inputs, [flat.get_layer(layer.split("/")[-1]).output, flat.get_layer("logits").output]
        )
    return tf_keras.Model(model.inputs, [model.get_layer(layer).output, model.get_layer("logits").output])


# ---------------------------------------------------------------------------------------
# Guided backprop / deconvnet: rectifier gradient override in a graph (tf.function)
# ---------------------------------------------------------------------------------------


def _pos(g):
    return tf.maximum(g, tf.zeros_like(g))


def _mask(cond, g):
    return tf.cast(cond, g.dtype)


@tf.RegisterGradient("GuidedRelu")
def _guided_relu(op, grad):
    x = op.inputs[0]
    return _mask(x > 0, grad) * _pos(grad)


@tf.RegisterGradient("GuidedRelu6")
def _guided_relu6(op, grad):
    x = op.inputs[0]
    return _mask(tf.logical_and(x > 0, x < 6), grad) * _pos(grad)


@tf.RegisterGradient("GuidedLeakyRelu")
def _guided_leaky(op, grad):
    x = op.inputs[0]
    alpha = op.get_attr("alpha")
    return tf.where(x > 0, tf.ones_like(x), alpha * tf.ones_like(x)) * _pos(grad)


@tf.RegisterGradient("GuidedElu")
def _guided_elu(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    return tf.where(x > 0, tf.ones_like(x), y + 1.0) * _pos(grad)


@tf.RegisterGradient("DeconvRelu")
def _deconv_relu(op, grad):
    return _pos(grad)


for _op in ("Relu6", "LeakyRelu", "Elu"):
    tf.RegisterGradient(f"Deconv{_op}")(_deconv_relu)

RECTIFIERS = ("Relu", "Relu6", "LeakyRelu", "Elu")


def modified_backprop(fn, x, target, mode):
    """d logit[target] / d x with every rectifier's gradient replaced (mode: Guided|Deconv)."""
    mapping = {op: f"{mode}{op}" for op in RECTIFIERS}

    @tf.function
    def run(x):
        graph = tf.compat.v1.get_default_graph()
        with graph.gradient_override_map(mapping):
            score = fn(x, training=False)[:, target]
        seen = {op.type for op in graph.get_operations()}
        return tf.gradients(score, x)[0], sorted(seen & set(RECTIFIERS))

    grad, _ = run(tf.convert_to_tensor(x, tf.float32))
    return grad.numpy()


def rectifier_ops(fn, x):
    @tf.function
    def run(x):
        return fn(x, training=False)

    graph = run.get_concrete_function(tf.TensorSpec(x.shape, tf.float32)).graph
    return sorted({op.type for op in graph.get_operations()} & set(RECTIFIERS))


def hand_check_modified_backprop():
    """Tiny 3-layer MLP: compare the override with a chain rule written out in numpy."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 5)).astype(np.float32)
    w1, w2, w3 = (rng.standard_normal(s).astype(np.float32) for s in ((5, 6), (6, 6), (6, 3)))
    acts = {
        "Relu": (tf.nn.relu, lambda h: (h > 0).astype(np.float32)),
        "Relu6": (tf.nn.relu6, lambda h: ((h > 0) & (h < 6)).astype(np.float32)),
        "LeakyRelu": (
            lambda h: tf.nn.leaky_relu(h, alpha=0.1),
            lambda h: np.where(h > 0, 1.0, 0.1).astype(np.float32),
        ),
        "Elu": (tf.nn.elu, lambda h: np.where(h > 0, 1.0, np.exp(h)).astype(np.float32)),
    }
    for name, (act, deriv) in acts.items():
        # scale so that some Relu6 units exceed 6
        s1 = 3.0 if name == "Relu6" else 1.0

        def fn(v, training=False, act=act, s1=s1):
            return tf.matmul(act(tf.matmul(act(s1 * tf.matmul(v, w1)), w2)), w3)

        h1 = s1 * x @ w1
        a1 = np.asarray(act(tf.constant(h1)))
        h2 = a1 @ w2
        for target in range(3):
            for mode in ("Guided", "Deconv"):
                g = w3[:, target][None, :]  # d score / d a2
                g2 = np.maximum(g, 0) * (deriv(h2) if mode == "Guided" else 1.0)
                g1 = g2 @ w2.T
                g1 = np.maximum(g1, 0) * (deriv(h1) if mode == "Guided" else 1.0)
                expect = s1 * g1 @ w1.T
                got = modified_backprop(fn, x, target, mode)
                ok, err, scale = close(got, expect, rtol=1e-5)
                assert ok, (name, mode, target, got, expect)
    check("hand-check", "guided/deconvnet override == numpy chain rule on a 3-layer MLP for "
          "Relu, Relu6 (units above 6 included), LeakyRelu(0.1), Elu, 3 targets")


# ---------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------


class Writer:
    """Writes the .npy files and collects manifest cases (compare=True: only diffs them)."""

    def __init__(self, compare=False, only=None):
        self.only = only  # None: every method; else the set of methods to (re)compute
        self.cases = []
        self.bytes = 0
        self.compare = compare
        self.diffs = {}

    def save_extra(self, path, array):
        if self.compare:
            assert np.array_equal(np.load(path), np.asarray(array, np.float32)), path
        else:
            save_npy(path, array)

    def wants(self, *methods):
        return self.only is None or any(m in self.only for m in methods)

    def add(self, fixture, row, method, target, layer, params, array, implementation):
        if not self.wants(method):
            return None
        case = f"row{row}-{method}"
        path = REFERENCE / fixture / f"{case}.npy"
        if self.compare:
            stored = np.load(path).astype(np.float64)
            self.diffs[rel(path)] = float(np.abs(stored - np.asarray(array, np.float64)).max())
        else:
            save_npy(path, array)
            self.bytes += path.stat().st_size
        self.cases.append(
            {
                "fixture": fixture,
                "export": "keras2",
                "input": rel(ARCH / fixture / "input.npy"),
                "row": row,
                "method": method,
                "target": int(target),
                "layer": layer,
                "params": params,
                "expected": rel(path),
                "shape": list(np.shape(array)),
                "implementation": implementation,
            }
        )
        return path


def fd_check(case, lm, x, target, grad, rng):
    """Central finite differences (float64 accumulation of float32 logits) on 3 pixels."""
    errs = []
    for _ in range(3):
        i, j, c = rng.integers(0, SIZE), rng.integers(0, SIZE), rng.integers(0, 3)
        best = None
        for eps in (1e-2, 3e-3, 1e-3):
            xp, xm = x.copy(), x.copy()
            xp[0, i, j, c] += eps
            xm[0, i, j, c] -= eps
            lp = float(lm(xp, training=False)[0, target])
            lmn = float(lm(xm, training=False)[0, target])
            fd = (lp - lmn) / (2 * eps)
            err = abs(fd - grad[i, j, c])
            best = err if best is None else min(best, err)
        errs.append((int(i), int(j), int(c), float(grad[i, j, c]), best))
    scale = np.abs(grad).max()
    worst = max(e[-1] for e in errs) / scale
    check(
        case,
        "grad vs central FD at 3 pixels: max |fd-grad|/max|grad| = %.1e (%s)"
        % (worst, ", ".join(f"[{i},{j},{c}] g={g:.3e}" for i, j, c, g, _ in errs)),
        worst < 2e-2,
    )


def run_fixture(name, writer):
    model, xs, probs = load(name)
    lm = logits_model(model)
    cam_layer = CAM_LAYER[name]
    rng = np.random.default_rng(FIXTURES.index(name))
    # tf-keras-vis model for the CAM family (nested: flattened copy, see flatten_nested)
    if "/" in cam_layer:
        cam_model = flatten_nested(model)
        assert np.abs(cam_model.predict(xs, verbose=0) - probs).max() < 1e-5
        tkv_layer = cam_layer.split("/")[-1]
        cam_note = (
            "; computed on a flattened copy of the model (nested model inlined, same weights, "
            "same outputs) because tf-keras-vis cannot extract a layer inside a nested model"
        )
    else:
        cam_model, tkv_layer, cam_note = model, cam_layer, ""
    rect = rectifier_ops(lm, xs[:1])
    print(f"== {name}: rectifier ops in the logits graph: {rect}", flush=True)

    for row in range(len(xs)):
        x = xs[row : row + 1]
        target = int(probs[row].argmax())
        score = CategoricalScore(target)
        pre = f"{name}/row{row}"
        logit = float(lm(x, training=False)[0, target])

        if writer.wants("gradient", "gradient-x-input", "guided-backprop", "deconvnet", "guided-grad-cam"):
            # --- gradient (tf-keras-vis Saliency, raw) -----------------------------------
            sal = Saliency(model, model_modifier=ReplaceToLinear(), clone=True)
            g_tkv = sal(score, x, keepdims=True, gradient_modifier=None, normalize_map=False)[0]
            g_tape = tape_grad(lm, x, target)[0]
            ok, err, _ = close(g_tkv, g_tape, rtol=1e-6)
            check(f"{pre}-gradient", f"tf-keras-vis Saliency == GradientTape (max abs diff {err:.1e})", ok)
            fd_check(f"{pre}-gradient", lm, x.copy(), target, g_tkv, rng)
            writer.add(name, row, "gradient", target, None, {"score": "logit"}, g_tkv,
                       f"{TKV} Saliency(model_modifier=ReplaceToLinear())(CategoricalScore(target), x, "
                       "keepdims=True, gradient_modifier=None, normalize_map=False)")

            # --- gradient x input --------------------------------------------------------
            writer.add(name, row, "gradient-x-input", target, None, {"score": "logit"}, g_tape * x[0],
                       f"{TAPE}: gradient * input")

        if writer.wants("integrated-gradients"):
            # --- integrated gradients (PAIR) ---------------------------------------------
            # every batch PAIR evaluates is recorded (its path points and their gradients)
            seen_path, seen_ig_grads = [], []

            def call_model_function(batch, call_model_args=None, expected_keys=None):
                t = tf.convert_to_tensor(np.asarray(batch, np.float32))
                with tf.GradientTape() as tape:
                    tape.watch(t)
                    out = lm(t, training=False)[:, call_model_args["target"]]
                g = tape.gradient(out, t).numpy()
                seen_path.append(np.asarray(batch, np.float32).copy())
                seen_ig_grads.append(g)
                return {pair.INPUT_OUTPUT_GRADIENTS: g}

            ig = pair.IntegratedGradients().GetMask(
                x[0], call_model_function, {"target": target},
                x_steps=IG_STEPS, x_baseline=np.zeros_like(x[0]), batch_size=IG_BATCH,
            )
            f0 = float(lm(np.zeros_like(x), training=False)[0, target])
            gap_abs = abs(float(ig.sum()) - (logit - f0))
            gap = gap_abs / max(abs(logit - f0), 1e-12)
            # independent recomputation of PAIR's scheme: numpy (1.x) evaluates
            # baseline + alpha * (x - baseline) in float32 (float32(alpha) * x, one rounding).
            # PAIR must have evaluated exactly those points (checked on the recorded batches),
            # and its map must be x * (float64 mean of the recorded gradients); the gradients
            # themselves are re-checked against GradientTape on every 64th path point.
            alphas = np.linspace(0, 1, IG_STEPS)
            path = np.stack([np.float32(a) * x[0] for a in alphas])
            recorded = np.concatenate(seen_path)
            same_path = recorded.shape == path.shape and np.array_equal(recorded, path)
            grads = np.concatenate(seen_ig_grads)
            sub = np.arange(0, IG_STEPS, 64)
            ok_g, err_g, _ = close(grads[sub], tape_grad(lm, path[sub], target), rtol=1e-6)
            ig_mine = x[0] * grads.mean(0, dtype=np.float64)
            ok, err, _ = close(ig, ig_mine, rtol=1e-5)
            # sensitivity: the same integral on the path rounded from float64 (ulp-level change)
            # (not recorded by the oneDNN comparison run, which only needs the map)
            spread = float("nan")
            if not writer.compare:
                path64 = (alphas[:, None, None, None] * x[0][None].astype(np.float64)).astype(np.float32)
                grads64 = np.concatenate([tape_grad(lm, path64[i:i + IG_BATCH], target)
                                          for i in range(0, IG_STEPS, IG_BATCH)])
                spread = float(np.abs(x[0] * grads64.mean(0, dtype=np.float64) - ig_mine).max())
            check(f"{pre}-integrated-gradients",
                  f"{IG_STEPS} steps; PAIR path == float32(linspace alpha)*x: {same_path}; its grads == "
                  f"GradientTape at every 64th point (max abs diff {err_g:.1e}); map == x*mean(grads) "
                  f"(max abs diff {err:.1e}); completeness "
                  f"gap |sum-(F(x)-F(0))| = {gap_abs:.1e}, relative {gap:.1e} (F(x)={logit:.4f}, "
                  f"F(0)={f0:.4f}); ulp-level path change moves the map by {spread:.1e} "
                  f"(max |map| {np.abs(ig).max():.1e})",
                  same_path and ok_g and ok and (gap < 0.05 or gap_abs < 0.05))
            writer.add(name, row, "integrated-gradients", target, None,
                       {"steps": IG_STEPS, "baseline": "black", "riemann": "pair-linspace",
                        "alphas": "numpy.linspace(0, 1, steps) (both ends included)",
                        "formula": "(x - baseline) * mean_i grad(baseline + alpha_i * (x - baseline))",
                        "path": "float32(alpha_i) * x (float32 multiply, as numpy 1.x does)",
                        "convergence": "first-order rule; its endpoint bias x*((g(0)+g(1))/2 - mean g)/steps "
                                       "is < ~3e-4 of max|map| at this many steps: compare with the "
                                       "integral (any converged rule), not with a 256-step sum",
                        "batchSize": IG_BATCH, "completenessGap": gap, "completenessGapAbs": gap_abs,
                        "ulpPathSpread": spread},
                       ig, f"{PAIR} IntegratedGradients().GetMask(x, call_model_function, "
                       f"x_steps={IG_STEPS}, x_baseline=zeros, batch_size={IG_BATCH})")

        if writer.wants("smoothgrad", "vargrad", "squaregrad"):
            # --- smoothgrad / vargrad / squaregrad (tf-keras-vis, recorded noise) -------
            noise_rng = np.random.default_rng(10_000 + 10 * FIXTURES.index(name) + row)
            drawn, seen_inputs, seen_grads = [], [], []
            real_normal = np.random.normal

            def recording_normal(loc=0.0, scale=1.0, size=None):
                z = noise_rng.standard_normal(tuple(int(d) for d in size))
                out = loc + np.asarray(scale, np.float64) * z
                drawn.append((np.asarray(scale, np.float64).copy(), out))
                return out

            real_get = Saliency._get_gradients

            def recording_get(self, seed_inputs, *args, **kwargs):
                grads = real_get(self, seed_inputs, *args, **kwargs)
                seen_inputs.append(np.asarray(seed_inputs[0]))
                seen_grads.append(np.asarray(grads[0]))
                return grads

            np.random.normal = recording_normal
            Saliency._get_gradients = recording_get
            try:
                sal = Saliency(model, model_modifier=ReplaceToLinear(), clone=True)
                sg = sal(score, x, smooth_samples=SMOOTH_SAMPLES, smooth_noise=SMOOTH_NOISE,
                         keepdims=True, gradient_modifier=None, normalize_map=False)[0]
            finally:
                np.random.normal = real_normal
                Saliency._get_gradients = real_get
            assert len(drawn) == 1 and len(seen_inputs) == SMOOTH_SAMPLES
            sigma_used, noise64 = drawn[0]
            noise = noise64.reshape(SMOOTH_SAMPLES, SIZE, SIZE, 3).astype(np.float32)
            sigma = float(np.float32(SMOOTH_NOISE) * (x.max() - x.min()))
            assert np.allclose(sigma_used, sigma, rtol=1e-6), (sigma_used, sigma)
            noisy = np.concatenate(seen_inputs)
            exact = np.array_equal(noisy, (x + noise).astype(np.float32))
            per_sample = np.concatenate(seen_grads)  # [S,32,32,3]
            mine = np.stack([tape_grad(lm, (x + noise[i:i + 1]).astype(np.float32), target)[0]
                             for i in range(SMOOTH_SAMPLES)])
            ok1, err1, _ = close(per_sample, mine, rtol=1e-6)
            ok2, err2, _ = close(sg, per_sample.mean(0), rtol=1e-6)
            check(f"{pre}-smoothgrad",
                  f"model saw exactly x + noise: {exact}; per-sample grads == GradientTape on "
                  f"x+noise (max diff {err1:.1e}); tf-keras-vis result == mean of them ({err2:.1e}); "
                  f"sigma = {sigma:.6f}", exact and ok1 and ok2)
            noise_path = REFERENCE / name / f"row{row}-smoothgrad-noise.npy"
            writer.save_extra(noise_path, noise)
            smooth = {"samples": SMOOTH_SAMPLES, "noiseLevel": SMOOTH_NOISE, "sigma": sigma,
                      "sigmaFormula": "noiseLevel * (max(x) - min(x)) over the whole image",
                      "noise": rel(noise_path),
                      "noiseNote": "float32 [samples,32,32,3], already scaled by sigma: sample i "
                                   "is the gradient at x + noise[i]"}
            writer.add(name, row, "smoothgrad", target, None, {**smooth, "aggregation": "mean"}, sg,
                       f"{TKV} Saliency(model_modifier=ReplaceToLinear())(CategoricalScore(target), x, "
                       f"smooth_samples={SMOOTH_SAMPLES}, smooth_noise={SMOOTH_NOISE}, keepdims=True, "
                       "gradient_modifier=None, normalize_map=False) with numpy.random.normal "
                       "recorded/replaced to fix the noise")
            writer.add(name, row, "vargrad", target, None,
                       {**smooth, "aggregation": "variance", "ddof": 0}, per_sample.var(0),
                       f"numpy var(axis=0, ddof=0) of the per-sample gradients inside {TKV} Saliency "
                       "(same noise as smoothgrad)")
            writer.add(name, row, "squaregrad", target, None,
                       {**smooth, "aggregation": "mean-of-squares"}, (per_sample ** 2).mean(0),
                       f"numpy mean(g**2, axis=0) of the per-sample gradients inside {TKV} Saliency "
                       "(same noise as smoothgrad)")

        if writer.wants("grad-cam", "grad-cam++", "layer-cam", "guided-grad-cam"):
            # --- CAM family ------------------------------------------------------------
            cam_kwargs = dict(penultimate_layer=tkv_layer, seek_penultimate_conv_layer=False,
                              expand_cam=False, normalize_cam=False)
            sub = layer_tensor_model(model, cam_layer)
            with tf.GradientTape() as tape:
                a, out = sub(x, training=False)
                s = out[:, target]
            dA = tape.gradient(s, a).numpy()[0].astype(np.float64)
            A = a.numpy()[0].astype(np.float64)

            gc = np.asarray(Gradcam(cam_model, model_modifier=ReplaceToLinear(), clone=True)(
                score, x, **cam_kwargs))[0]
            gc_mine = np.maximum((A * dA.mean((0, 1))).sum(-1), 0)
            ok, err, _ = close(gc, gc_mine, rtol=1e-5)
            check(f"{pre}-grad-cam", f"tf-keras-vis == relu(sum_k mean_ij(dS/dA_k) A_k) "
                  f"(max abs diff {err:.1e}, max {gc.max():.3e}, nonzero {np.mean(gc > 0):.2f})",
                  ok and gc.max() > 0)
            writer.add(name, row, "grad-cam", target, cam_layer,
                       {"weights": "spatial mean of dS/dA", "relu": True,
                        "formula": "relu(sum_k mean_ij(dS/dA_ijk) * A_ijk)", "resolution": "layer"},
                       gc, f"{TKV} Gradcam(model_modifier=ReplaceToLinear())(CategoricalScore(target), "
                       f"x, penultimate_layer='{tkv_layer}', seek_penultimate_conv_layer=False, expand_cam=False, normalize_cam=False)"
                       + cam_note)

            gpp = np.asarray(GradcamPlusPlus(cam_model, model_modifier=ReplaceToLinear(), clone=True)(
                score, x, **cam_kwargs))[0]
            e = np.exp(logit)
            d1, d2, d3 = e * dA, e * dA ** 2, e * dA ** 3
            den = 2 * d2 + d3 * A.sum((0, 1))
            den = den + (d2 == 0)
            alpha = d2 / den
            norm = alpha.sum((0, 1))
            alpha = alpha / (norm + (norm == 0))
            w = (np.maximum(d1, 0) * alpha).sum((0, 1))
            gpp_mine = np.maximum((w * A).sum(-1), 0)
            ok, err, _ = close(gpp, gpp_mine, rtol=1e-4)
            check(f"{pre}-grad-cam++", f"tf-keras-vis == numpy closed form (max abs diff {err:.1e}, "
                  f"max {gpp.max():.3e})", ok and gpp.max() > 0)
            writer.add(name, row, "grad-cam++", target, cam_layer,
                       {"formula": GRADCAMPP_FORMULA, "scoreExp": True, "resolution": "layer"},
                       gpp, f"{TKV} GradcamPlusPlus(model_modifier=ReplaceToLinear())(CategoricalScore("
                       f"target), x, penultimate_layer='{tkv_layer}', seek_penultimate_conv_layer=False, expand_cam=False, "
                       "normalize_cam=False)" + cam_note)

            lc = np.asarray(Layercam(cam_model, model_modifier=ReplaceToLinear(), clone=True)(
                score, x, **cam_kwargs))[0]
            lc_mine = np.maximum((np.maximum(dA, 0) * A).sum(-1), 0)
            ok, err, _ = close(lc, lc_mine, rtol=1e-5)
            check(f"{pre}-layer-cam", f"tf-keras-vis == relu(sum_k relu(dS/dA_k) A_k) "
                  f"(max abs diff {err:.1e}, max {lc.max():.3e})", ok and lc.max() > 0)
            writer.add(name, row, "layer-cam", target, cam_layer,
                       {"formula": "relu(sum_k relu(dS/dA_ijk) * A_ijk)", "resolution": "layer"},
                       lc, f"{TKV} Layercam(model_modifier=ReplaceToLinear())(CategoricalScore(target), "
                       f"x, penultimate_layer='{tkv_layer}', seek_penultimate_conv_layer=False, expand_cam=False, normalize_cam=False)"
                       + cam_note)

        if writer.wants("guided-backprop", "deconvnet", "guided-grad-cam"):
            # --- guided backprop / deconvnet ---------------------------------------------
            gb = modified_backprop(lm, x, target, "Guided")[0]
            dc = modified_backprop(lm, x, target, "Deconv")[0]
            if name in ("plain", "concat"):  # only fused relu activations: tf-keras-vis can do it
                gbm = tf_keras.models.clone_model(lm)
                gbm.set_weights(lm.get_weights())
                GuidedBackpropagation()(gbm)
                gb_tkv = tape_grad(gbm, x, target)[0]
                ok, err, _ = close(gb, gb_tkv, rtol=1e-6)
                check(f"{pre}-guided-backprop", f"== tf-keras-vis GuidedBackpropagation modifier "
                      f"(max abs diff {err:.1e})", ok)
            differs = float(np.abs(gb - g_tape).max() / np.abs(g_tape).max())
            check(f"{pre}-guided-backprop", f"rectifiers overridden: {rect}; max|guided-grad|/max|grad| "
                  f"= {differs:.2f}; max|deconv-guided|/max|guided| = "
                  f"{np.abs(dc - gb).max() / np.abs(gb).max():.2f}", differs > 0 and np.abs(gb).max() > 0)
            rule = {"Relu": "x>0", "Relu6": "0<x<6", "LeakyRelu": "1 if x>0 else alpha",
                    "Elu": "1 if x>0 else elu(x)+1"}
            writer.add(name, row, "guided-backprop", target, None,
                       {"rule": "f'(x) * max(g, 0) at every rectifier", "rectifiers": rect,
                        "derivatives": {k: v for k, v in rule.items() if k in rect},
                        "otherActivations": "normal gradient (sigmoid, swish, softmax, max-pool, ...)"},
                       gb, f"{TAPE} + tf.gradients with gradient_override_map on {', '.join(rect)} "
                       "(no published TF2 implementation covers all rectifiers)")
            writer.add(name, row, "deconvnet", target, None,
                       {"rule": "max(g, 0) at every rectifier, regardless of x", "rectifiers": rect,
                        "otherActivations": "normal gradient (sigmoid, swish, softmax, max-pool, ...)"},
                       dc, f"{TAPE} + tf.gradients with gradient_override_map on {', '.join(rect)} "
                       "(no published TF2 implementation covers all rectifiers)")

        if writer.wants("guided-grad-cam"):
            # --- guided grad-cam -------------------------------------------------------------
            up = tf.image.resize(gc[None, :, :, None].astype(np.float32), [SIZE, SIZE],
                                 method="bilinear", antialias=False).numpy()[0]
            ok, err, _ = close(up, resize_bilinear_half_pixel(gc, SIZE, SIZE), rtol=1e-6)
            check(f"{pre}-guided-grad-cam", f"tf.image.resize bilinear == numpy half-pixel bilinear "
                  f"({err:.1e})", ok)
            writer.add(name, row, "guided-grad-cam", target, cam_layer,
                       {"resize": RESIZE, "formula": "resize(grad-cam)[:,:,None] * guided-backprop",
                        "camShape": list(gc.shape)},
                       up * gb, f"{TKV} Gradcam (as grad-cam) x guided-backprop (as above), {RESIZE}"
                       + cam_note)


def write_readme(cases, checks, total_bytes, versions):
    fixtures = sorted({c["fixture"] for c in cases}, key=FIXTURES.index)
    methods = []
    for c in cases:
        if c["method"] not in methods:
            methods.append(c["method"])
    lines = [README.format(**versions, total=total_bytes // 1024, ncases=len(cases))]
    lines.append("| fixture | rows (target) | CAM layer | CAM shape |")
    lines.append("| --- | --- | --- | --- |")
    for f in fixtures:
        cs = [c for c in cases if c["fixture"] == f]
        tg = sorted({(c["row"], c["target"]) for c in cs})
        cam = next(c for c in cs if c["method"] == "grad-cam")
        lines.append(f"| {f} | {', '.join(f'{r} ({t})' for r, t in tg)} | `{cam['layer']}` | {cam['shape']} |")
    lines.append("\nMethods: " + ", ".join(f"`{m}`" for m in methods) + "\n")
    lines.append(NUMERICS)
    lines.append("| method | " + " | ".join(fixtures) + " |")
    lines.append("| --- |" + " --- |" * len(fixtures))
    from common import RESOURCES

    for m in methods:
        cells = []
        for f in fixtures:
            rels = []
            for c in cases:
                if c["fixture"] == f and c["method"] == m:
                    scale = float(np.abs(np.load(RESOURCES / c["expected"])).max())
                    rels.append(c["params"].get("onednnMaxAbsDiff", float("nan")) / max(scale, 1e-30))
            cells.append(f"{max(rels):.1e}" if rels else "")
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("## Self-checks (output of the last run)\n")
    lines.append("```")
    for case, text, ok in checks:
        lines.append(f"{'OK ' if ok else 'BAD'} {case}: {text}")
    lines.append("```\n")
    (REFERENCE / "README.md").write_text("\n".join(lines))


NUMERICS = """## Numerical reproducibility

The maps of these piecewise-linear networks are exact functions of the float32 input only
up to kinks: a max-pool window whose two largest inputs are within an ulp, or a rectifier
input within an ulp of 0, makes the gradient jump. Integrated gradients evaluates 16384
points, so such near-ties do occur (e.g. `efficientnet` row 0: at 256 steps a max-pool near-tie
at two path points moved single IG pixels by ~3e-4; at 16384 steps one such point weighs 64x
less, see `ulpPathSpread`). Each case
therefore records in `params`:

* `onednnMaxAbsDiff`: max abs difference between the stored map and the same computation in
  a second process with oneDNN kernels ON (`TF_ENABLE_ONEDNN_OPTS=1`; the stored maps were
  computed with it OFF). This is a realistic size of "same method, other float32 kernels"
  differences, as a Java runtime may see them.
* `ulpPathSpread` (integrated-gradients only): max abs change of the map when the path points
  are rounded from float64 instead of computed in float32.

Max over the two rows of `onednnMaxAbsDiff / max|map|`:

"""


README = """# Reference saliency maps

Generated by `tools/reference/make_reference.py` from the keras2 exports of the fixtures in
`../fixtures/arch/` (see its README for the models and how to regenerate). Versions:
TensorFlow {tf}, tf_keras {tf_keras}, tf-keras-vis {tkv}, saliency (PAIR) {pair}, numpy {numpy}.
{ncases} cases, {total} KiB of .npy files.

`manifest.json` is a JSON list; each case is

```json
{{
  "fixture": "plain",                 // folder under fixtures/arch/
  "export": "keras2",                 // the SavedModel the maps were computed on
  "input": "fixtures/arch/plain/input.npy",   // float32 [2,32,32,3], the model input (already scaled to [0,1])
  "row": 0,                           // row of input.npy
  "method": "grad-cam",
  "target": 0,                        // class explained = predicted class of that row
  "layer": "last_conv",               // Keras layer name (CAM family, guided-grad-cam), else null
  "params": {{ ... }},                  // method parameters, free-form (see below)
  "expected": "reference/plain/row0-grad-cam.npy",   // float32, raw map
  "shape": [16, 16],
  "implementation": "tf-keras-vis 0.8.7 Gradcam(...)"
}}
```

All paths are relative to `src/test/resources`. The score is always the PRE-SOFTMAX logit
of `target` (tf-keras-vis `model_modifier=ReplaceToLinear()` + `CategoricalScore(target)`;
PAIR and GradientTape use the `logits` layer output). The stored arrays are RAW: no
normalisation, no abs, no channel reduction.

| method | shape | definition | implementation |
| --- | --- | --- | --- |
| `gradient` | [32,32,3] | dS/dx | tf-keras-vis `Saliency(..., keepdims=True, gradient_modifier=None, normalize_map=False)` (its default `gradient_modifier` is abs, so `None` is passed); checked == GradientTape and vs finite differences |
| `gradient-x-input` | [32,32,3] | dS/dx * x | GradientTape |
| `integrated-gradients` | [32,32,3] | x * mean_i dS/dx(alpha_i x), alpha_i = linspace(0,1,16384) (both ends included, i.e. NOT a midpoint/trapezoid rule; alpha_i = i * (1/16383) in float64), baseline 0 ("black"); path points are float32(alpha_i) * x in float32 (numpy 1.x scalar casting). This first-order rule is biased by x*((g(0)+g(1))/2 - mean g)/steps (0.5-1.8 % of the map at 256 steps on resnet/mobilenetv2/efficientnet); at 16384 steps it is the path integral to within ~3e-4 of max|map|, so compare it with a converged IG of any rule, not with a short sum | PAIR `IntegratedGradients().GetMask(x, f, x_steps=16384, x_baseline=zeros, batch_size=512)`; params `steps: 16384`, `riemann: pair-linspace` |
| `smoothgrad` | [32,32,3] | mean_i dS/dx(x + noise_i) | tf-keras-vis `Saliency(..., smooth_samples=8, smooth_noise=0.15, keepdims=True, gradient_modifier=None, normalize_map=False)`; its noise draw (`numpy.random.normal(0, sigma, ...)`, sigma = 0.15 * (max(x)-min(x))) was replaced by a recorded seeded draw, stored ALREADY SCALED as float32 `params.noise` ([8,32,32,3]); the model saw exactly `float32(x + noise[i])` (checked) |
| `vargrad` | [32,32,3] | var_i dS/dx(x + noise_i), population variance (ddof 0) | numpy on the per-sample gradients of the smoothgrad run (same noise file) |
| `squaregrad` | [32,32,3] | mean_i (dS/dx(x + noise_i))^2 | same |
| `grad-cam` | [h,w] | relu(sum_k w_k A_k), w_k = mean_ij dS/dA_ijk | tf-keras-vis `Gradcam(..., penultimate_layer=layer, seek_penultimate_conv_layer=False, expand_cam=False, normalize_cam=False)` |
| `grad-cam++` | [h,w] | see below | tf-keras-vis `GradcamPlusPlus(...)`, same arguments |
| `layer-cam` | [h,w] | relu(sum_k relu(dS/dA_ijk) A_ijk) | tf-keras-vis `Layercam(...)`, same arguments |
| `guided-backprop` | [32,32,3] | backprop where each rectifier (forward input x, incoming grad g) passes f'(x) * max(g,0): Relu x>0; Relu6 0<x<6; LeakyRelu 1 if x>0 else alpha; Elu 1 if x>0 else elu(x)+1. Other ops (sigmoid, swish, softmax, max-pool, BN, ...) keep their gradient | `tf.gradients` in a `tf.function` under `gradient_override_map` (no published TF2 implementation covers Relu6/LeakyRelu/Elu/nested models; tf-keras-vis' `GuidedBackpropagation` only patches fused `activation=relu`: it agrees on `plain` and `concat`) |
| `deconvnet` | [32,32,3] | same, each rectifier passes max(g,0) regardless of x | same |
| `guided-grad-cam` | [32,32,3] | resize(grad-cam)[:,:,None] * guided-backprop | resize = `tf.image.resize(cam[None,:,:,None], [32,32], method="bilinear", antialias=False)`: TF2 bilinear with half_pixel_centers=True, align_corners=False (source coord = (dst + 0.5) * in/out - 0.5, clamped at the edges) |

Grad-CAM++ as tf-keras-vis 0.8.7 computes it (raw, expand_cam=False): with S = logit[target],
g = dS/dA for the layer output A [h,w,K], E = exp(S):
d1 = E*g, d2 = E*g^2, d3 = E*g^3;
alpha = d2 / (2*d2 + d3 * sum_ij A_k + [d2 == 0]);
alpha = alpha / (sum_ij alpha + [sum_ij alpha == 0]);
w_k = sum_ij relu(d1) * alpha;
cam = relu(sum_k w_k A_k). (Note: E scales w_k, so the map scales with exp(logit).)

`seek_penultimate_conv_layer=False`: tf-keras-vis 0.8.7 on TF >= 2.16 recognises only Keras 3
conv layers (`keras.src...BaseConv`), not tf_keras ones, so it cannot "seek" a conv layer in
a tf_keras model; the layer is given by exact name instead (same result, no seeking).

CAM layer of `nested`: `backbone/last_conv` is the last conv of the Keras model `backbone`
nested inside the outer model (graph node `nested/backbone/last_conv/Relu` in keras2).
tf-keras-vis cannot explain a layer inside a nested model, so its CAMs were computed on a
flattened copy of the model (the nested model's layers inlined, same weights, outputs
checked identical); the layer is identical.

Suggested tolerances for the Java comparison (float32 throughout; the maps agree with
independent recomputations to ~1e-6 relative to their max, see the checks): compare
max|java - ref| against max|ref| of the case. 1e-4 relative is ample for every method
except `integrated-gradients`, whose 16384 path points can hit max-pool/rectifier near-ties
(see "Numerical reproducibility": up to 1e-3 relative between two TF kernel sets); use
~5e-3 relative there. `grad-cam++` is scaled by exp(logit), so compare relatively too.

## Fixtures

"""


def merge_checks(readme, fresh):
    """The README's recorded self-checks with those of the cases just recomputed replaced."""
    text = readme.read_text() if readme.exists() else ""
    start = text.find("## Self-checks")
    block = text[start:].split("```")[1] if start >= 0 else ""
    old = []
    for line in block.strip().splitlines():
        ok, rest = line[:3].strip() == "OK", line[4:]
        case, _, body = rest.partition(": ")
        old.append((case, body, ok))
    fresh_cases = {c for c, _, _ in fresh}
    merged = []
    for c in old:
        if c[0] in fresh_cases:  # fresh lines for a case go where its first old line was
            merged.extend(f for f in fresh if f[0] == c[0] and f not in merged)
        else:
            merged.append(c)
    merged.extend(f for f in fresh if f not in merged)
    return merged


def onednn_compare(args):
    """Recompute every case in a process with oneDNN on; returns {expected: max abs diff}."""
    import os
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS="1")
    subprocess.run([sys.executable, __file__, "--compare", out, *args], env=env, check=True)
    with open(out) as f:
        result = json.load(f)
    os.unlink(out)
    return result


def main(argv):
    args = argv[1:]
    compare_out = None
    only = None
    if args[:1] == ["--compare"]:
        compare_out, args = args[1], args[2:]
    if args[:1] == ["--only"]:
        only, args = set(args[1].split(",")), args[2:]
    names = args or FIXTURES
    writer = Writer(compare=compare_out is not None, only=only)
    if compare_out:
        import os

        print(f"-- comparison run, TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}")
        for name in names:
            run_fixture(name, writer)
        with open(compare_out, "w") as f:
            json.dump({"diffs": writer.diffs, "checks": CHECKS}, f)
        return 0

    if writer.wants("guided-backprop", "deconvnet"):
        hand_check_modified_backprop()
    for name in names:
        run_fixture(name, writer)
    compared = onednn_compare((["--only", ",".join(sorted(only))] if only else []) + names)
    for case in writer.cases:
        case["params"]["onednnMaxAbsDiff"] = compared["diffs"][case["expected"]]
    failed_compare = [c for c in compared["checks"] if not c[2]]
    for c in failed_compare:
        check("onednn-run " + c[0], c[1], False)
    manifest = REFERENCE / "manifest.json"
    cases, checks = writer.cases, CHECKS
    if only and manifest.exists():
        # --only: replace just the regenerated entries, in place; everything else as it was
        new = {c["expected"]: c for c in writer.cases}
        cases = [new.pop(c["expected"], c) for c in json.loads(manifest.read_text())]
        cases = sorted(cases + list(new.values()), key=lambda c: FIXTURES.index(c["fixture"]))
        checks = merge_checks(REFERENCE / "README.md", CHECKS)
    elif args and manifest.exists():  # partial run: keep the other fixtures' cases
        old = [c for c in json.loads(manifest.read_text()) if c["fixture"] not in names]
        cases = sorted(old + writer.cases, key=lambda c: FIXTURES.index(c["fixture"]))
    manifest.write_text(json.dumps(cases, indent=1) + "\n")
    versions = {"tf": tf.__version__, "tf_keras": md.version("tf-keras"),
                "tkv": md.version("tf-keras-vis"), "pair": md.version("saliency"),
                "numpy": np.__version__}
    total_bytes = sum(p.stat().st_size for p in REFERENCE.rglob("*.npy"))
    write_readme(cases, checks, total_bytes, versions)
    bad = [c for c in CHECKS if not c[2]]
    print(f"{len(writer.cases)} cases written ({len(cases)} in the manifest), {total_bytes} bytes of "
          f".npy, {len(bad)} failed checks")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
