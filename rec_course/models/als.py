"""Alternating least squares in NumPy, explicit and implicit.

Explicit (ridge regression per user, then per item, alternating):

    min  sum_{(u,i) observed} (r_ui - mu - b_u - b_i - x_u . y_i)^2
         + reg * (n_u ||x_u||^2 + n_i ||y_i||^2)
         + bias penalty

where n_u, n_i count the ratings of u and i. The bias penalty is
``bias_reg * (b_u^2 + b_i^2)``, a fixed strength that shrinks the bias of a rarely rated
item or user towards 0 (the global mean), or, with ``bias_reg=None``, scaled by the
counts like the factors, ``reg * (n_u b_u^2 + n_i b_i^2)``: then a movie with one
five-star rating keeps a bias near +1.5 and tops every list (notebook 03 shows it).

Biases ride along as one more coordinate: fixing the items, user u solves for
[x_u, b_u] against features [y_i, 1] and targets r_ui - mu - b_i, a small ridge
regression with a closed form; all users are solved at once with batched
``np.linalg.solve``. Then the same for the items.

Implicit (Hu, Koren & Volinsky 2008): every (u, i) cell counts, with preference
p_ui = 1 if observed else 0 and confidence c_ui = 1 + alpha * r_ui:

    x_u = (Y^T Y + Y^T (C_u - I) Y + reg I)^-1 Y^T C_u p_u

Y^T Y is shared by all users, so each update costs only the user's own items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.schema import RATING
from rec_course.data.sparse import interaction_matrix
from rec_course.models.base import Recommender


def _gram_per_row(m: sp.csr_matrix, factors: np.ndarray, weights: np.ndarray,
                  chunk: int = 256) -> np.ndarray:
    """(rows, f, f): sum over each row's nonzeros j of weights * factors[j] factors[j]^T.

    Computed as batched dense products F^T diag(w_row) F, ``chunk`` rows at a time.
    """
    w = sp.csr_matrix((weights, m.indices, m.indptr), shape=m.shape)
    out = np.empty((m.shape[0], factors.shape[1], factors.shape[1]))
    for start in range(0, m.shape[0], chunk):
        dense = w[start:start + chunk].toarray()  # (c, cols)
        out[start:start + chunk] = np.matmul(factors.T[None] * dense[:, None, :], factors)
    return out


def _rhs_per_row(m: sp.csr_matrix, factors: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(rows, f): sum over each row's nonzeros j of values * factors[j]."""
    return np.asarray(sp.csr_matrix((values, m.indices, m.indptr), shape=m.shape) @ factors)


def ridge_update(ratings: sp.csr_matrix, fixed: np.ndarray, reg: float,
                 scale_by_count: bool = True, last_reg: float | None = None) -> np.ndarray:
    """Explicit ALS half-step: solve every row's ridge regression at once.

    Args:
        ratings: (rows, cols) CSR of observed targets.
        fixed: (cols, f) the factors held fixed.
        reg: L2 strength; multiplied by each row's count when ``scale_by_count``.
        last_reg: if given, the L2 strength of the last coordinate instead (fixed, not
            scaled by the count): the bias when ``fixed`` ends with a column of ones.

    Returns:
        (rows, f) new factors (rows with no ratings get zeros).
    """
    f = fixed.shape[1]
    gram = _gram_per_row(ratings, fixed, np.ones(ratings.nnz))
    counts = np.diff(ratings.indptr).astype(np.float64)
    lam = reg * (counts if scale_by_count else np.ones_like(counts))
    penalty = np.repeat(lam[:, None], f, axis=1)  # (rows, f): one strength per coordinate
    if last_reg is not None:
        penalty[:, -1] = last_reg
    gram[:, np.arange(f), np.arange(f)] += penalty + 1e-9
    rhs = _rhs_per_row(ratings, fixed, ratings.data.astype(np.float64))
    return np.linalg.solve(gram, rhs[..., None])[..., 0]


def implicit_update(conf: sp.csr_matrix, fixed: np.ndarray, reg: float) -> np.ndarray:
    """Implicit ALS half-step (Hu et al. 2008), exact: one f x f solve per row.

    Args:
        conf: (rows, cols) CSR holding c_ui - 1 = alpha * r_ui on observed cells.
        fixed: (cols, f) the factors held fixed.

    Returns:
        (rows, f) new factors.
    """
    f = fixed.shape[1]
    yty = fixed.T @ fixed  # (f, f), shared by all rows
    gram = _gram_per_row(conf, fixed, conf.data.astype(np.float64)) + yty + reg * np.eye(f)
    rhs = _rhs_per_row(conf, fixed, 1.0 + conf.data.astype(np.float64))  # Y^T C_u p_u
    return np.linalg.solve(gram, rhs[..., None])[..., 0]


def implicit_update_cg(conf: sp.csr_matrix, fixed: np.ndarray, reg: float,
                       start: np.ndarray, steps: int = 3) -> np.ndarray:
    """The same half-step by a few conjugate-gradient steps for all rows at once
    (Takacs et al. 2011), warm-started from ``start`` (rows, f). Never forms a per-row
    f x f matrix: A x_u = (Y^T Y + reg I) x_u + Y_u^T ((c_u - 1) * (Y_u x_u)).
    """
    rows = np.repeat(np.arange(conf.shape[0]), np.diff(conf.indptr))
    y_obs = fixed[conf.indices]  # (nnz, f)
    base = fixed.T @ fixed + reg * np.eye(fixed.shape[1])

    def apply(v: np.ndarray) -> np.ndarray:  # A v for every row: (rows, f)
        s = conf.data * np.einsum("nf,nf->n", y_obs, v[rows])
        return v @ base + np.asarray(
            sp.csr_matrix((s, conf.indices, conf.indptr), shape=conf.shape) @ fixed)

    b = _rhs_per_row(conf, fixed, 1.0 + conf.data)
    x = start.copy()
    r = b - apply(x)
    p = r.copy()
    rs_old = np.einsum("nf,nf->n", r, r)
    for _ in range(steps):
        ap = apply(p)
        denom = np.einsum("nf,nf->n", p, ap)
        alpha = np.divide(rs_old, denom, out=np.zeros_like(rs_old), where=denom > 1e-20)
        x += alpha[:, None] * p
        r -= alpha[:, None] * ap
        rs_new = np.einsum("nf,nf->n", r, r)
        beta = np.divide(rs_new, rs_old, out=np.zeros_like(rs_new), where=rs_old > 1e-20)
        p = r + beta[:, None] * p
        rs_old = rs_new
    return x


class ExplicitALS(Recommender):
    """Biased matrix factorization for ratings, fitted by alternating ridge regressions.

    Args:
        embedding_dim: latent factors f.
        reg: L2 strength of the factors (scaled by each user's / item's number of ratings).
        bias_reg: L2 strength of the biases, fixed (not scaled): a bias built on few
            ratings is shrunk towards 0. ``None`` scales it by the count like ``reg``
            (then rarely rated items keep extreme biases).
        iterations: alternations (each = one user step + one item step).
        seed: seed of the initial item factors.
    """

    def __init__(self, embedding_dim: int = 20, reg: float = 0.1, iterations: int = 15,
                 bias_reg: float | None = None, seed: int = 0):
        if embedding_dim <= 0 or iterations <= 0 or reg < 0:
            raise ValueError("embedding_dim and iterations must be positive and reg >= 0")
        if bias_reg is not None and bias_reg < 0:
            raise ValueError(f"bias_reg must be >= 0 or None, got {bias_reg}")
        self.embedding_dim, self.reg, self.iterations, self.seed = (
            embedding_dim, reg, iterations, seed)
        self.bias_reg = bias_reg

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        if RATING not in train.columns:
            raise ValueError("ExplicitALS needs a rating column")
        self.global_mean_ = float(train[RATING].mean())
        r = interaction_matrix(train, self.num_users, self.num_items, values="rating"
                               ).astype(np.float64)
        r.data -= self.global_mean_
        rt = r.T.tocsr()
        rng = np.random.default_rng(self.seed)
        item_f = rng.normal(0, 0.1, (self.num_items, self.embedding_dim))
        item_b = np.zeros(self.num_items)
        self.loss_history_: list[float] = []  # train RMSE after each iteration
        for _ in range(self.iterations):
            user_f, user_b = self._half_step(r, item_f, item_b)
            item_f, item_b = self._half_step(rt, user_f, user_b)
            self.loss_history_.append(self._train_rmse(r, user_f, user_b, item_f, item_b))
        self.user_factors_, self.user_bias_ = user_f, user_b
        self.item_factors_, self.item_bias_ = item_f, item_b

    def _half_step(self, r: sp.csr_matrix, other_f: np.ndarray, other_b: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Solve [factors, bias] of every row of r with the other side fixed."""
        target = sp.csr_matrix((r.data - other_b[r.indices], r.indices, r.indptr),
                               shape=r.shape)  # r_ui - mu - b_other
        features = np.hstack([other_f, np.ones((other_f.shape[0], 1))])  # [y_i, 1]
        solved = ridge_update(target, features, self.reg, last_reg=self.bias_reg)
        return solved[:, :-1], solved[:, -1]

    @staticmethod
    def _train_rmse(r, user_f, user_b, item_f, item_b) -> float:
        rows = np.repeat(np.arange(r.shape[0]), np.diff(r.indptr))
        pred = (np.einsum("nf,nf->n", user_f[rows], item_f[r.indices])
                + user_b[rows] + item_b[r.indices])
        return float(np.sqrt(np.mean((r.data - pred) ** 2)))

    def predict(self, user_ids, item_ids) -> np.ndarray:
        """Predicted ratings (n,) for index pairs, clipped to [1, 5]."""
        users = self._check_users(user_ids)
        items = np.asarray(item_ids)
        pred = (self.global_mean_ + self.user_bias_[users] + self.item_bias_[items]
                + np.einsum("nf,nf->n", self.user_factors_[users], self.item_factors_[items]))
        return np.clip(pred, 1.0, 5.0)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        pred = (self.global_mean_ + self.user_bias_[users, None] + self.item_bias_[None, :]
                + self.user_factors_[users] @ self.item_factors_.T)
        return pred.astype(np.float32)


class ImplicitALS(Recommender):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008), confidence 1 + alpha * r.

    Args:
        embedding_dim: latent factors.
        reg: L2 strength.
        alpha: confidence scale for observed cells.
        iterations: alternations.
        solver: ``"cg"`` (a few conjugate-gradient steps per half-step, fast) or
            ``"exact"`` (one f x f solve per user/item, as in the paper).
        cg_steps: CG steps per half-step.
        seed: seed of the initial factors.
    """

    def __init__(self, embedding_dim: int = 64, reg: float = 10.0, alpha: float = 10.0,
                 iterations: int = 15, solver: str = "cg", cg_steps: int = 3, seed: int = 0):
        if embedding_dim <= 0 or iterations <= 0 or reg < 0 or alpha <= 0:
            raise ValueError("embedding_dim, iterations, alpha must be positive, reg >= 0")
        if solver not in ("cg", "exact"):
            raise ValueError(f"solver must be 'cg' or 'exact', got {solver!r}")
        self.embedding_dim, self.reg, self.alpha, self.iterations, self.seed = (
            embedding_dim, reg, alpha, iterations, seed)
        self.solver, self.cg_steps = solver, cg_steps

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        conf = self.seen.astype(np.float64) * self.alpha  # c - 1 on observed cells
        conf_t = conf.T.tocsr()
        rng = np.random.default_rng(self.seed)
        users = rng.normal(0, 0.01, (self.num_users, self.embedding_dim))
        items = rng.normal(0, 0.01, (self.num_items, self.embedding_dim))
        for _ in range(self.iterations):
            if self.solver == "cg":
                users = implicit_update_cg(conf, items, self.reg, users, self.cg_steps)
                items = implicit_update_cg(conf_t, users, self.reg, items, self.cg_steps)
            else:
                users = implicit_update(conf, items, self.reg)
                items = implicit_update(conf_t, users, self.reg)
        self.user_factors_, self.item_factors_ = users, items

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        return (self.user_factors_[users] @ self.item_factors_.T).astype(np.float32)
