"""Exercises of notebook 05_autoencoders."""

from __future__ import annotations

import numpy as np

from rec_course import data
from rec_course.exercises._check import Verdict, Wrong, run_check
from rec_course.models import ease


def _as_float(value, name: str) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise Wrong(f"return one number (the mean {name}), got an array of shape {arr.shape}.")
    return float(arr.reshape(()))


def check_masked_mse(loss_fn) -> Verdict:
    """Exercise 1: ``loss_fn(y_true, y_pred) -> float``, AutoRec's masked loss: the mean
    squared error over the observed entries of ``y_true`` only (0 marks a missing rating),
    with NumPy arrays of shape (batch, num_inputs)."""
    def body():
        rng = np.random.default_rng(0)
        y = rng.integers(1, 6, size=(6, 9)).astype(np.float64)
        y[rng.random(y.shape) < 0.6] = 0.0  # missing ratings
        pred = rng.uniform(1.0, 5.0, size=y.shape)
        mask = y != 0
        truth = float(np.sum((y - pred)[mask] ** 2) / mask.sum())
        got = _as_float(loss_fn(y, pred), "squared error")
        if abs(got - truth) <= 1e-6 * max(1.0, truth):
            return
        if abs(got - float(np.mean((y - pred) ** 2))) < 1e-6:
            raise Wrong("you count the missing entries as ratings of 0. Mask them out: "
                        "only the entries where y_true != 0 enter the loss.")
        if abs(got - float(np.sum((y - pred)[mask] ** 2) / y.size)) < 1e-6:
            raise Wrong("the mask is right, but divide by the number of observed entries, "
                        "not by the size of the whole matrix.")
        if abs(got - float(np.sum((y - pred)[mask] ** 2))) < 1e-5:
            raise Wrong("take the mean over the observed entries, not the sum.")
        if abs(got - float(np.sqrt(truth))) < 1e-6:
            raise Wrong("that is the root of the loss (an RMSE): return the mean squared error.")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: "
                    "sum over observed (y - y_hat)^2 / number of observed entries.")
    return run_check("AutoRec's masked loss", body)


def check_kl_term(kl_fn) -> Verdict:
    """Exercise 2: ``kl_fn(mu, logvar) -> float``: KL(N(mu, diag(exp(logvar))) || N(0, I)),
    summed over the latent dimensions and averaged over the batch, for NumPy arrays
    ``mu`` and ``logvar`` of shape (batch, latent_dim)."""
    def body():
        rng = np.random.default_rng(1)
        mu, logvar = rng.normal(size=(5, 4)), rng.normal(scale=0.7, size=(5, 4))
        per_dim = 0.5 * (np.exp(logvar) + mu ** 2 - 1.0 - logvar)
        truth = float(per_dim.sum(axis=1).mean())
        got = _as_float(kl_fn(mu, logvar), "KL divergence")
        if abs(got - truth) <= 1e-6 * max(1.0, truth):
            zero = _as_float(kl_fn(np.zeros((3, 4)), np.zeros((3, 4))), "KL divergence")
            if abs(zero) > 1e-9:
                raise Wrong(f"q = N(0, I) is the prior itself, so its KL must be 0; you give "
                            f"{zero:.4g}.")
            return
        if abs(got - float(per_dim.mean())) < 1e-6:
            raise Wrong("sum the KL over the latent dimensions (they are independent parts "
                        "of one distribution), then average over the users of the batch.")
        if abs(got - float(per_dim.sum())) < 1e-6:
            raise Wrong("average over the users of the batch, not the sum.")
        if abs(got - 2 * truth) < 1e-6:
            raise Wrong("you are missing the factor 1/2.")
        if abs(got + truth) < 1e-6:
            raise Wrong("the sign is flipped: a KL divergence is never negative.")
        sigma = np.exp(0.5 * logvar)  # a frequent slip: the std where the variance belongs
        slip = float((0.5 * (sigma + mu ** 2 - 1.0 - logvar)).sum(axis=1).mean())
        if abs(got - slip) < 1e-6:
            raise Wrong("exp(logvar) is the variance sigma^2; you used sigma = exp(logvar / 2).")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: "
                    "mean over users of 0.5 * sum_d (exp(logvar) + mu^2 - 1 - logvar).")
    return run_check("KL term of Mult-VAE", body)


def check_multinomial_nll(nll_fn) -> Verdict:
    """Exercise 3: ``nll_fn(x, logits) -> float``: Mult-VAE's multinomial negative
    log-likelihood, the mean over users of -sum_i x_ui log softmax(logits_u)_i, for NumPy
    arrays of shape (batch, num_items). It must stay finite for large logits."""
    def body():
        rng = np.random.default_rng(2)
        x = (rng.random((6, 12)) < 0.3).astype(np.float64)
        x[:, 0] = 1.0  # every user has an item
        logits = rng.normal(scale=2.0, size=(6, 12))

        def log_softmax(z):
            z = z - z.max(axis=1, keepdims=True)
            return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

        truth = float(-(x * log_softmax(logits)).sum(axis=1).mean())
        got = _as_float(nll_fn(x, logits), "negative log-likelihood")
        if abs(got - truth) <= 1e-6 * max(1.0, truth):
            big = _as_float(nll_fn(x[:1], logits[:1] + 1000.0), "negative log-likelihood")
            expected = float(-(x[:1] * log_softmax(logits[:1])).sum())
            if not np.isfinite(big) or abs(big - expected) > 1e-4 * max(1.0, expected):
                raise Wrong(f"with all logits shifted by +1000 the loss must not change "
                            f"({expected:.4f}); you give {big}. Subtract each row's maximum "
                            "before exponentiating (a stable log-softmax).")
            return
        if abs(got + truth) < 1e-6:
            raise Wrong("the sign is flipped: return the *negative* log-likelihood, a loss "
                        "to minimise.")
        if abs(got - float(-(x * log_softmax(logits)).sum())) < 1e-5:
            raise Wrong("average over the users of the batch, not the sum.")
        if abs(got - float(-(x * log_softmax(logits)).mean())) < 1e-6:
            raise Wrong("sum over the items of each user, then average over users.")
        p = 1.0 / (1.0 + np.exp(-logits))
        bce = float(-(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1).mean())
        if abs(got - bce) < 1e-5 or abs(got - float(-(x * np.log(p)).sum(axis=1).mean())) < 1e-5:
            raise Wrong("that is a per-item sigmoid (logistic) likelihood. The multinomial "
                        "one uses a softmax over all items of the user.")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: "
                    "mean over users of -sum_i x_ui log softmax(logits_u)_i.")
    return run_check("multinomial log-likelihood", body)


def check_ease_weights(weights_fn) -> Verdict:
    """Exercise 4: ``weights_fn(X, lam) -> B (num_items, num_items)``: EASE's closed form
    for the dense binary (num_users, num_items) matrix X: B = I - P diag(1 / diag(P)),
    P = (X^T X + lam I)^-1, so that diag(B) = 0."""
    def body():
        df = data.make_synthetic(num_users=40, num_items=15, num_factors=2,
                                 interactions_per_user=5, seed=3)
        x = data.interaction_matrix(df, 40, 15).toarray().astype(np.float64)
        lam = 5.0
        got = np.asarray(weights_fn(x, lam), dtype=np.float64)
        gram = x.T @ x
        truth = ease.ease_weights(gram, lam)
        if got.shape != truth.shape:
            raise Wrong(f"B maps items to items: shape {truth.shape}, got {got.shape}.")
        if np.allclose(got, truth, atol=1e-6):
            return
        p = np.linalg.inv(gram + lam * np.eye(15))
        ridge = p @ gram  # the unconstrained ridge regression X -> X
        if np.allclose(got, ridge, atol=1e-6):
            raise Wrong("that is plain ridge regression, which lets every item predict "
                        "itself (its diagonal is near 1). EASE forbids that: diag(B) = 0, "
                        "which gives B = I - P diag(1 / diag(P)).")
        rows = -p / np.diag(p)[:, None]
        np.fill_diagonal(rows, 0.0)
        if np.allclose(got, rows, atol=1e-6):
            raise Wrong("divide column j by P_jj (B_ij = -P_ij / P_jj), not row i by P_ii.")
        if np.allclose(got, ease.ease_weights(gram, 1.0), atol=1e-6):
            raise Wrong(f"use the lam given as an argument ({lam}), not a fixed value.")
        if not np.allclose(np.diag(got), 0.0, atol=1e-6):
            raise Wrong("the diagonal of B must be 0: an item may not reconstruct itself.")
        raise Wrong("B = I - P diag(1 / diag(P)) with P = (X^T X + lam I)^-1; i.e. "
                    "B_ij = -P_ij / P_jj off the diagonal and 0 on it.")
    return run_check("EASE's closed form", body)
