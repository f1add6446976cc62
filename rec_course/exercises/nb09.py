"""Exercises of notebook 09_compression."""

from __future__ import annotations

import math

import numpy as np

from rec_course.exercises._check import Verdict, Wrong, build_learner_layer, run_check
from rec_course.exercises._check import to_numpy as _numpy

_RNG = np.random.default_rng(9)
TABLE = (_RNG.normal(size=(6, 5)) * np.array([[0.01], [1.0], [3.0], [0.2], [50.0], [1.0]])
         ).astype(np.float32)
TABLE[5] = 0.0  # a row of zeros: its scale must not divide by zero
TABLE[1, 2] = -(np.abs(TABLE[1]).max() + 0.5)  # a row whose largest entry in size is < 0


def check_int8_quantization(quantize_fn) -> Verdict:
    """Exercise 1: ``quantize_fn(x) -> (q, scale)`` for a (n, d) float table: symmetric
    per-row int8, ``scale = max|x_row| / 127`` (shape (n, 1); 1 for a row of zeros),
    ``q = round(x / scale)`` as int8 in [-127, 127]."""
    def body():
        from rec_course.compression.quantization import quantize_symmetric

        out = quantize_fn(TABLE.copy())
        if out is None:
            raise NotImplementedError
        if not isinstance(out, tuple) or len(out) != 2:
            raise Wrong("return a pair (q, scale): the integers and the per-row scales.")
        q, scale = _numpy(out[0]), _numpy(out[1])
        want_q, want_scale = quantize_symmetric(TABLE, 8)
        if q.shape != TABLE.shape:
            raise Wrong(f"q has one integer per entry of x: shape {TABLE.shape} expected, got "
                        f"{q.shape}.")
        if q.dtype != np.int8:
            raise Wrong(f"q must be stored as int8 (1 byte an entry: that is the saving), got "
                        f"{q.dtype}. Round, clip, then .astype(np.int8).")
        if scale.size == 1 and TABLE.shape[0] > 1:
            raise Wrong("one scale for the whole table: give each row its own scale, shape "
                        "(n, 1), so that a row of small numbers keeps its precision (row 0 "
                        "here is 100 times smaller than row 1).")
        if scale.shape not in ((TABLE.shape[0], 1), (TABLE.shape[0],)):
            raise Wrong(f"scale holds one float per row: shape ({TABLE.shape[0]}, 1) expected, "
                        f"got {scale.shape}.")
        scale = scale.reshape(-1, 1).astype(np.float64)
        if not np.isfinite(scale).all() or (scale == 0).any():
            raise Wrong("a row of zeros (row 5) gives max|x| = 0 and a scale of 0: dividing "
                        "by it gives NaN. Use scale 1 for such rows (np.where(peak > 0, "
                        "peak / 127, 1.0)).")
        if np.allclose(scale, want_scale, rtol=1e-5) and np.array_equal(q, want_q):
            error = np.abs(q * scale - TABLE).max(axis=1)           # (n,) per row
            worst = int(error.argmax())
            print(f"int8 table: every entry within half a step of x (largest error "
                  f"{error[worst]:.4f}, in row {worst}, whose step is {scale[worst, 0]:.4f})")
            return
        if np.allclose(scale * 128 / 127, want_scale, rtol=1e-5) or q.min() < -127:
            raise Wrong("the symmetric range is [-127, 127]: scale = max|x| / 127, so that "
                        "+-max|x| maps to +-127 and 0 to 0 (-128 is left out).")
        peak = np.abs(TABLE).max(axis=1, keepdims=True)
        maxes = TABLE.max(axis=1, keepdims=True)
        if np.allclose(scale[:5], (maxes / 127)[:5], rtol=1e-5):
            raise Wrong("the scale uses max(x), not max(|x|): row 1's largest entry in size "
                        "is negative. Symmetric quantization scales by the largest absolute "
                        "value.")
        if not np.allclose(scale[:5], (peak / 127)[:5], rtol=1e-5):
            raise Wrong("scale must be max|x| / 127 for each row (np.abs(x).max(axis=1, "
                        "keepdims=True) / 127).")
        if np.array_equal(q, np.trunc(TABLE / np.where(peak > 0, peak / 127, 1)).astype(np.int8)):
            raise Wrong("the integers are truncated (astype cuts toward zero): round to the "
                        "nearest first, np.rint(x / scale), so the error stays under half a "
                        "step.")
        raise Wrong("q must be np.rint(x / scale) clipped to [-127, 127]: some entries "
                    "differ.")
    return run_check("symmetric int8 quantization by hand", body)


def check_qr_embedding(layer_class) -> Verdict:
    """Exercise 2: ``layer_class(num_ids, dim, num_buckets)``, a Keras layer with two
    ``Embedding`` tables, quotient (ceil(num_ids / m), dim) and remainder (m, dim), whose
    ``call(ids)`` returns ``Q[ids // m] * R[ids % m]``, shape ``ids.shape + (dim,)``."""
    def body():
        num_ids, dim, m = 10, 3, 4
        layer = build_learner_layer(layer_class, num_ids, dim, m,
                                    signature="num_ids, dim, num_buckets")
        ids = np.array([[0, 9], [5, 3]], np.int32)
        quotients = math.ceil(num_ids / m)

        def too_few_rows() -> None:
            shapes = [tuple(w.shape) for w in layer.weights]
            if (num_ids // m, dim) in shapes and (quotients, dim) not in shapes:
                raise Wrong(f"the quotient table has num_ids // m = {num_ids // m} rows, but "
                            f"id {num_ids - 1} needs quotient row {(num_ids - 1) // m}: use "
                            f"ceil(num_ids / m) = {quotients} rows (-(-num_ids // m)).")

        try:
            out = layer(ids)
        except NotImplementedError:
            raise
        except Exception:
            too_few_rows()          # an id past the last quotient row fails the lookup
            raise
        if out is None:
            raise NotImplementedError
        got = _numpy(out)
        if got.shape == (2, 2, 2 * dim):
            raise Wrong("the output has 2 * dim columns: the quotient-remainder trick "
                        "combines the two rows element-wise (Q[id // m] * R[id % m]), "
                        "not by concatenation.")
        if got.shape != (2, 2, dim):
            raise Wrong(f"ids of shape (2, 2) should give vectors of shape (2, 2, {dim}), got "
                        f"{got.shape}.")
        shapes = sorted(tuple(w.shape) for w in layer.weights)
        too_few_rows()
        if shapes != sorted([(quotients, dim), (m, dim)]):
            raise Wrong(f"with num_ids={num_ids} and num_buckets={m}, keep two tables: "
                        f"quotient ({quotients}, {dim}) and remainder ({m}, {dim}); the "
                        f"layer's weights have shapes {shapes}. (Embedding layers build on "
                        f"their first call; create both in __init__.)")
        q = next(w for w in layer.weights if tuple(w.shape) == (quotients, dim))
        r = next(w for w in layer.weights if tuple(w.shape) == (m, dim))
        q_val = _RNG.normal(size=(quotients, dim)).astype(np.float32)
        r_val = _RNG.normal(size=(m, dim)).astype(np.float32)
        q.assign(q_val)
        r.assign(r_val)
        all_ids = np.arange(num_ids, dtype=np.int32)
        got = _numpy(layer(all_ids))
        want = q_val[all_ids // m] * r_val[all_ids % m]
        if np.allclose(got, want, atol=1e-5):
            if len({tuple(np.round(v, 5)) for v in got}) != num_ids:
                raise Wrong("two ids got the same vector")
            print(f"QR embedding: {num_ids} ids, {quotients} + {m} rows, every id its own "
                  f"(quotient, remainder) pair and its own vector")
            return
        if np.allclose(got, q_val[all_ids // m] + r_val[all_ids % m], atol=1e-5):
            raise Wrong("the rows are added: this course (and Shi et al.'s best variant) "
                        "multiplies them element-wise, Q[id // m] * R[id % m].")
        if np.allclose(got, q_val[all_ids % quotients] * r_val[all_ids % m], atol=1e-5) or \
                np.allclose(got, q_val[all_ids // m] * r_val[all_ids // m % m], atol=1e-5):
            raise Wrong("both indices come from the same operation: the quotient row is "
                        "id // m and the remainder row id % m, so that no two ids share "
                        "both.")
        raise Wrong("call(ids) must return quotient(ids // m) * remainder(ids % m).")
    return run_check("the quotient-remainder embedding in Keras", body)


def check_distillation_loss(loss_fn) -> Verdict:
    """Exercise 3: ``loss_fn(weights, x_uij)``: the weighted BPR loss of ranking
    distillation, ``mean(weights * softplus(-x_uij))`` over the batch, written with
    ``keras.ops`` and finite for any score difference."""
    def body():
        from keras import ops

        x = np.array([2.0, -1.0, 0.5, 0.0, -3.0], np.float32)
        w = np.array([1.0, 1.0, 0.4, 2.0, 0.1], np.float32)
        out = loss_fn(ops.convert_to_tensor(w), ops.convert_to_tensor(x))
        if out is None:
            raise NotImplementedError
        got = _numpy(out)
        if got.shape not in ((), (1,)):
            raise Wrong(f"return one number, the mean over the batch (shape ()), got shape "
                        f"{got.shape}.")
        got = float(got.reshape(()))
        softplus = np.log1p(np.exp(-x))
        want = float(np.mean(w * softplus))
        if abs(got - want) > 1e-5:
            if abs(got - float(np.mean(softplus))) < 1e-5:
                raise Wrong("the weights are ignored: multiply each pair's loss by its "
                            "weight (1 for train pairs, alpha * w_r for the teacher's).")
            if abs(got - float(np.sum(w * softplus))) < 1e-4:
                raise Wrong("that is the sum over the batch: take the mean, so the loss "
                            "does not grow with the batch size.")
            if abs(got - float(np.mean(w * np.log1p(np.exp(x))))) < 1e-5:
                raise Wrong("the sign is flipped: BPR wants s(u, i) > s(u, j), so the loss "
                            "is softplus(-x_uij) = -log sigmoid(x_uij), small when x_uij is "
                            "large.")
            if abs(got + want) < 1e-5:
                raise Wrong("the loss is negative: -log sigmoid(x) is the loss "
                            "(log sigmoid(x) is the log-likelihood to maximize).")
            raise Wrong(f"expected mean(weights * softplus(-x_uij)) = {want:.5f}, got "
                        f"{got:.5f}.")
        far = np.array([-200.0, 200.0], np.float32)
        extreme = float(_numpy(loss_fn(ops.convert_to_tensor(np.ones(2, np.float32)),
                                       ops.convert_to_tensor(far))).reshape(()))
        if not np.isfinite(extreme) or abs(extreme - 100.0) > 1e-2:
            raise Wrong(f"for x_uij = -200 the loss should be 200 (mean with x = 200: 100), "
                        f"got {extreme}: -log(sigmoid(x)) overflows; ops.softplus(-x) "
                        f"computes it stably.")
        print("weighted BPR loss: matches, and stays finite for score gaps of +-200")
    return run_check("the distillation loss", body)
