"""Exercises of notebook 03_collaborative_filtering."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from rec_course import data
from rec_course.exercises._check import Verdict, Wrong, run_check
from rec_course.models import als, knn


def _small_matrix(seed: int = 0) -> sp.csr_matrix:
    df = data.make_synthetic(num_users=40, num_items=25, num_factors=2,
                             interactions_per_user=6, seed=seed)
    return data.interaction_matrix(df, 40, 25)


def check_cosine_similarity(similarity_fn) -> Verdict:
    """Exercise 1: ``similarity_fn(X, shrinkage) -> (num_items, num_items)`` shrunk cosine
    similarity between the columns of the (num_users, num_items) sparse matrix X, with a
    zero diagonal."""
    def body():
        x = _small_matrix()
        for shrinkage in (0.0, 10.0):
            got = np.asarray(similarity_fn(x, shrinkage), dtype=np.float64)
            truth = knn.cosine_similarity(x, shrinkage)
            if got.shape != truth.shape:
                raise Wrong(f"expected shape {truth.shape} (items x items), got {got.shape}: "
                            "compare columns (items), not rows (users).")
            if np.allclose(got, truth, atol=1e-5):
                continue
            off = got.copy()
            np.fill_diagonal(off, 0.0)
            if np.allclose(off, truth, atol=1e-5):
                raise Wrong("set the diagonal to 0: an item is not its own neighbour.")
            no_shrink = knn.cosine_similarity(x, 0.0)
            if shrinkage and np.allclose(got, no_shrink, atol=1e-5):
                raise Wrong(f"with shrinkage={shrinkage} the similarities must shrink: add it "
                            "to the product of norms in the denominator.")
            raise Wrong(f"with shrinkage={shrinkage}, sim(item 0, item 1) should be "
                        f"{truth[0, 1]:.4f}, you give {got[0, 1]:.4f}: "
                        "dot(a, b) / (||a|| ||b|| + shrinkage).")
    return run_check("cosine similarity with shrinkage", body)


def check_als_user_update(update_fn) -> Verdict:
    """Exercise 2: ``update_fn(conf, item_factors, reg) -> (num_users, f)``, the exact
    implicit-ALS user step, with conf holding c_ui - 1 = alpha * r_ui."""
    def body():
        x = _small_matrix(1)
        conf = (x * 5.0).tocsr()
        y = np.random.default_rng(0).normal(size=(25, 4))
        got = np.asarray(update_fn(conf, y, 0.5), dtype=np.float64)
        truth = als.implicit_update(conf, y, 0.5)
        if got.shape != truth.shape:
            raise Wrong(f"expected shape {truth.shape} (users x factors), got {got.shape}.")
        if np.allclose(got, truth, rtol=1e-5, atol=1e-7):
            return
        # the classic slip: only the observed items in the Gram matrix (no Y^T Y)
        weights = 1.0 + conf.data
        gram = als._gram_per_row(conf, y, weights) + 0.5 * np.eye(4)
        observed_only = np.linalg.solve(gram, als._rhs_per_row(conf, y, weights)[..., None])[..., 0]
        if np.allclose(got, observed_only, rtol=1e-4, atol=1e-6):
            raise Wrong("you solved over the observed items only. Implicit ALS counts every "
                        "item: the Gram matrix is Y^T Y + Y^T (C_u - I) Y + reg I.")
        raise Wrong("x_u = (Y^T Y + Y^T (C_u - I) Y + reg I)^-1 Y^T C_u p_u, with "
                    "C_u = 1 + conf on the user's items and p_u = 1 there, 0 elsewhere.")
    return run_check("ALS user update", body)


def check_bpr_loss(loss_fn) -> Verdict:
    """Exercise 3: ``loss_fn(pos_scores, neg_scores) -> float``, the mean of
    -log sigmoid(pos - neg)."""
    def body():
        rng = np.random.default_rng(0)
        pos, neg = rng.normal(size=50), rng.normal(size=50)
        diff = pos - neg
        truth = float(np.mean(np.logaddexp(0.0, -diff)))
        got = float(loss_fn(pos, neg))
        if abs(got - truth) < 1e-5:
            big = float(loss_fn(np.array([60.0]), np.array([-60.0])))
            if not np.isfinite(big) or abs(big) > 1e-6:
                raise Wrong("for a very confident pair (x_uij = 120) the loss must be ~0, "
                            f"you give {big}: use np.logaddexp(0, -x) for a stable softplus.")
            return
        if abs(got - float(np.mean(np.logaddexp(0.0, diff)))) < 1e-5:
            raise Wrong("the sign is flipped: the loss must fall as pos - neg grows.")
        if abs(got - float(np.sum(np.logaddexp(0.0, -diff)))) < 1e-4:
            raise Wrong("take the mean over the batch, not the sum.")
        if abs(got - float(np.mean(1 / (1 + np.exp(diff))))) < 1e-5:
            raise Wrong("that is 1 - sigmoid; the loss is -log sigmoid(pos - neg).")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: mean of -log sigmoid(pos - neg).")
    return run_check("BPR loss", body)
