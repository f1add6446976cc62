"""Exercises of notebook 06_wide_and_deep."""

from __future__ import annotations

import numpy as np

from rec_course import metrics
from rec_course.exercises._check import Verdict, Wrong, build_learner_layer, run_check
from rec_course.exercises._check import to_numpy as _numpy


def check_hashed_cross(cross_fn) -> Verdict:
    """Exercise 1: ``cross_fn(first, second, num_bins) -> (n,) int`` buckets in
    ``[0, num_bins)`` of the cross of two (n,) arrays of strings: one bucket per distinct
    *pair*, the pair written as one string with a separator and hashed by a stable hash
    (``keras.layers.Hashing``). The checker tests the properties a hashed cross needs."""
    def body():
        rng = np.random.default_rng(0)
        occupations = np.array([f"job{i}" for i in range(20)])
        genres = np.array([f"genre{j}" for j in range(10)])
        a = np.repeat(occupations, 10)
        b = np.tile(genres, 20)                                       # 200 distinct pairs
        order = rng.permutation(400) % 200                            # each pair twice
        out = cross_fn(a[order], b[order], 1000)
        if out is None:
            raise NotImplementedError
        got = _numpy(out).reshape(-1)
        if got.shape != (400,):
            raise Wrong(f"return one bucket per row, shape (400,); got {got.shape}.")
        if not np.issubdtype(got.dtype, np.integer):
            raise Wrong(f"buckets are integer indices; got dtype {got.dtype}.")
        if got.min() < 0 or got.max() >= 1000:
            raise Wrong(f"buckets must lie in [0, num_bins) = [0, 1000); got "
                        f"{got.min()}..{got.max()}.")
        bucket = {}
        for pair, g in zip(zip(a[order], b[order]), got):
            if bucket.setdefault(pair, g) != g:
                raise Wrong(f"the pair {pair} went to two buckets ({bucket[pair]} and {g}): "
                            "the same pair must always land in the same bucket (use a "
                            "stable hash, not a random one).")
        per_first = len({bucket[(occupations[0], g)] for g in genres})
        per_second = len({bucket[(o, genres[0])] for o in occupations})
        if per_first == 1 or per_second == 1:
            side = "second" if per_first == 1 else "first"
            raise Wrong(f"the bucket does not change with the {side} value: a cross "
                        "hashes the pair, both values together.")
        distinct = len(set(bucket.values()))
        expected = 1000 * (1 - (1 - 1 / 1000) ** 200)
        if distinct < 160:
            raise Wrong(f"200 distinct pairs fill only {distinct} of 1000 buckets; a "
                        f"uniform hash fills about {expected:.0f}. Hash the whole pair "
                        "string into all num_bins buckets.")
        tricky = _numpy(cross_fn(np.array(["ab", "a"]), np.array(["c", "bc"]), 10 ** 6))
        if tricky.reshape(-1)[0] == tricky.reshape(-1)[1]:
            raise Wrong("('ab', 'c') and ('a', 'bc') share a bucket: joined without a "
                        "separator they are the same string 'abc'. Put a separator "
                        "between the two values.")
        print(f"200 distinct pairs -> {distinct} distinct buckets of 1000 "
              f"(a uniform hash: about {expected:.0f} on average)")
    return run_check("the hashed cross", body)


def check_fm_layer(layer_cls) -> Verdict:
    """Exercise 2: ``layer_cls()``, a ``keras.layers.Layer`` whose ``call(embeddings)``
    maps (batch, F, d) field embeddings to (batch,) FM second-order terms, the sum over
    field pairs f < g of <e_f, e_g>, with the O(F d) identity, in ``keras.ops``."""
    def body():
        import keras

        layer = build_learner_layer(layer_cls)
        rng = np.random.default_rng(1)
        e = rng.normal(size=(5, 4, 3)).astype("float32")              # (batch, F, d)
        pairs = sum((e[:, f] * e[:, g]).sum(-1) for f in range(4) for g in range(f + 1, 4))
        got = _numpy(layer(e))
        if got.shape == (5, 1):
            raise Wrong("return shape (batch,), one number per example: sum over the "
                        "embedding dimension too (ops.sum(..., axis=-1)), no trailing 1.")
        if got.shape != (5,):
            raise Wrong(f"expected shape (5,) for input (5, 4, 3), got {got.shape}.")
        all_pairs = sum((e[:, f] * e[:, g]).sum(-1) for f in range(4) for g in range(4))
        if np.allclose(got, all_pairs, atol=1e-4):
            raise Wrong("you sum (sum_f e_f)^2 without subtracting sum_f e_f^2: that counts "
                        "every pair twice and each field with itself.")
        if np.allclose(got, 2 * pairs, atol=1e-4):
            raise Wrong("twice the answer: the identity has a factor 1/2.")
        if not np.allclose(got, pairs, rtol=1e-4, atol=1e-4):
            raise Wrong(f"for the test input expected {np.round(pairs[:3], 4)}..., got "
                        f"{np.round(got[:3], 4)}...: 0.5 * sum_d[(sum_f e_fd)^2 - "
                        "sum_f e_fd^2].")
        inputs = keras.Input((4, 3))
        model = keras.Model(inputs, layer_cls()(inputs))              # symbolic tensors too
        out = _numpy(model(e))
        if not np.allclose(out, pairs, rtol=1e-4, atol=1e-4):
            raise Wrong("inside a keras.Model the layer gives other numbers: use keras.ops "
                        "(not NumPy) on the input tensor.")
    return run_check("the FM interaction layer (Keras)", body)


def check_auc(auc_fn) -> Verdict:
    """Exercise 3: ``auc_fn(labels, scores) -> float``, the ROC AUC as the probability
    that a random positive scores higher than a random negative, a tie counting 1/2."""
    def body():
        rng = np.random.default_rng(2)
        labels = rng.integers(0, 2, 300).astype(float)
        scores = np.round(rng.normal(size=300) + labels, 1)           # many ties
        truth = metrics.auc(labels, scores)
        got = auc_fn(labels, scores)
        if got is None:
            raise NotImplementedError
        got = float(np.asarray(got, dtype=np.float64).reshape(()))
        if abs(got - truth) < 1e-6:
            flat = float(auc_fn(np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.3, 0.3, 0.3, 0.3])))
            if abs(flat - 0.5) > 1e-9:
                raise Wrong(f"equal scores for everything must give 0.5, got {flat}.")
            return
        pos, neg = scores[labels == 1], scores[labels == 0]
        strict = float((pos[:, None] > neg[None, :]).mean())
        if abs(got - strict) < 1e-6:
            raise Wrong("ties count for half a win: add 0.5 * P(score_pos == score_neg).")
        if abs(got - (1 - truth)) < 1e-6:
            raise Wrong("you measure how often a negative beats a positive (1 - AUC).")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: the mean over all (positive, "
                    "negative) pairs of 1 if s_pos > s_neg, 1/2 if equal, 0 otherwise.")
    return run_check("AUC by hand", body)


def check_id_dropout_experiment(prediction, measured) -> Verdict:
    """Exercise 4: ``prediction`` (a sentence written before measuring) and ``measured``
    (``{id_dropout: cold-user nDCG@10}``) for at least 0.0 and two positive rates."""
    def body():
        if prediction is None or measured is None:
            raise NotImplementedError
        if not isinstance(prediction, str) or not prediction.strip():
            raise Wrong("write your prediction as a sentence in `my_prediction` before you "
                        "measure (does id dropout help the new users, and how much?).")
        try:
            values = {float(k): float(v) for k, v in dict(measured).items()}
        except (TypeError, ValueError):
            raise Wrong("`dropout_runs` should map each id_dropout rate to one cold-user "
                        "nDCG@10, e.g. {0.0: 0.20, 0.1: 0.25, 0.3: 0.26}.") from None
        if 0.0 not in values or sum(k > 0 for k in values) < 2:
            raise Wrong("measure id_dropout = 0.0 and at least two positive rates.")
        bad = {k: v for k, v in values.items() if not (np.isfinite(v) and 0.0 <= v <= 1.0)}
        if bad or any(not 0.0 <= k < 1.0 for k in values):
            raise Wrong(f"rates lie in [0, 1) and an nDCG in [0, 1]; got {values}.")
        if max(values.values()) - min(values.values()) < 1e-9:
            raise Wrong("every rate gave exactly the same number: did id_dropout reach the "
                        "model (DeepFM(..., id_dropout=r))?")
        order = sorted(values, key=values.get, reverse=True)
        print("measured, best first: " + ", ".join(f"id_dropout={r:g}: {values[r]:.4f}"
                                                   for r in order))
    return run_check("the id-dropout experiment", body)
