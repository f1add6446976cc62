"""Exercises of notebook 04_neural_cf."""

from __future__ import annotations

import numpy as np

from rec_course import data
from rec_course.exercises._check import Verdict, Wrong, run_check


def check_gmf_logits(gmf_fn) -> Verdict:
    """Exercise 1: ``gmf_fn(p, q, h) -> (batch,)`` logits h . (p_u * q_i) for user vectors
    p (batch, d), item vectors q (batch, d) and output weights h (d,)."""
    def body():
        rng = np.random.default_rng(0)
        p, q, h = rng.normal(size=(7, 4)), rng.normal(size=(7, 4)), rng.normal(size=4)
        got = np.asarray(gmf_fn(p, q, h), dtype=np.float64)
        truth = (p * q) @ h
        if got.shape != (7,):
            raise Wrong(f"return one logit per pair, shape (7,), got {got.shape}.")
        if np.allclose(got, np.sum(p * q, axis=1)):
            raise Wrong("that is the plain dot product: GMF weights each dimension by h.")
        if np.allclose(got, 1 / (1 + np.exp(-truth))):
            raise Wrong("return logits; the sigmoid lives in the loss (from_logits=True).")
        if not np.allclose(got, truth):
            raise Wrong("logit = sum_d h_d * p_ud * q_id.")
    return run_check("GMF logits", body)


def check_pointwise_examples(build_fn) -> Verdict:
    """Exercise 2: ``build_fn(positives_csr, num_negatives, seed) -> (users, items,
    labels)``: every positive with label 1 plus ``num_negatives`` uniform negatives per
    positive (label 0), none of them a positive of its user."""
    def body():
        df = data.make_synthetic(30, 40, 2, 8, seed=5)
        m = data.interaction_matrix(df, 30, 40)
        users, items, labels = (np.asarray(a) for a in build_fn(m, 3, 0))
        n = m.nnz
        if not (len(users) == len(items) == len(labels) == 4 * n):
            raise Wrong(f"{n} positives and 3 negatives each make {4 * n} examples; got "
                        f"{len(users)} users, {len(items)} items, {len(labels)} labels.")
        if labels.sum() != n:
            raise Wrong(f"exactly {n} labels must be 1 (the positives), got {labels.sum()}.")
        is_pos = np.asarray(m[users, items]).ravel() > 0
        if not np.array_equal(is_pos, labels == 1):
            raise Wrong("some label-0 examples are positives of their user, or label-1 "
                        "examples are not: re-draw negatives that hit a positive.")
        per_user = np.bincount(users[labels == 0], minlength=30)
        if not np.array_equal(per_user, 3 * np.diff(m.indptr)):
            raise Wrong("each user needs 3 negatives per positive of that user.")
        other = np.asarray(build_fn(m, 3, 1)[1])
        if np.array_equal(np.sort(other), np.sort(items)):
            raise Wrong("seeds 0 and 1 gave the same negatives: draw them at random, "
                        "from a generator seeded with `seed`.")
        many_u, many_i, many_l = (np.asarray(a) for a in build_fn(m, 50, 2))
        neg_u, neg_i = many_u[many_l == 0], many_i[many_l == 0]
        counts = np.zeros(m.shape)  # (users, items): times each pair was drawn as negative
        np.add.at(counts, (neg_u, neg_i), 1)
        unseen = m.toarray() == 0
        per_item = 50 * np.diff(m.indptr) / unseen.sum(axis=1)   # expected count if uniform
        if (counts[unseen] == 0).any() or (counts.max(axis=1) > 4 * per_item).any():
            raise Wrong("with 50 negatives per positive, every item a user has not seen "
                        "should be drawn, each about equally often: draw uniformly among "
                        "all of the user's unseen items, not the first few or the popular ones.")
    return run_check("pointwise training examples", body)


def check_neumf_output_init(init_fn) -> Verdict:
    """Exercise 3: ``init_fn(w_gmf, b_gmf, w_mlp, b_mlp, alpha) -> (w, b)``: the NeuMF output
    layer built from the pretrained GMF (w_gmf (d1, 1)) and MLP (w_mlp (d2, 1)) output
    layers, mixed by alpha (He et al. 2017, eq. 12)."""
    def body():
        rng = np.random.default_rng(1)
        wg, bg = rng.normal(size=(4, 1)), rng.normal(size=(1,))
        wm, bm = rng.normal(size=(3, 1)), rng.normal(size=(1,))
        w, b = (np.asarray(a, dtype=np.float64) for a in init_fn(wg, bg, wm, bm, 0.3))
        if w.shape != (7, 1):
            raise Wrong(f"the NeuMF output sees the GMF vector then the MLP vector: shape "
                        f"(7, 1), got {w.shape}.")
        if np.allclose(w, np.concatenate([0.7 * wg, 0.3 * wm])):
            raise Wrong("alpha weighs the GMF part and 1 - alpha the MLP part, not the reverse.")
        if not np.allclose(w, np.concatenate([0.3 * wg, 0.7 * wm])):
            raise Wrong("w = [alpha * w_gmf ; (1 - alpha) * w_mlp] (concatenated).")
        if not np.allclose(b, 0.3 * bg + 0.7 * bm):
            raise Wrong("the bias mixes the same way: alpha * b_gmf + (1 - alpha) * b_mlp.")
    return run_check("NeuMF output initialisation", body)
