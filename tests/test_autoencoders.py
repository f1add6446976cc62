"""EASE, Mult-VAE/DAE and AutoRec on synthetic planted data; EASE's closed form."""

from __future__ import annotations

import numpy as np
import pytest

from rec_course import evaluation
from rec_course.models import autorec, baselines, cdae, ease, vae


def ndcg(model, train, test) -> float:
    return float(evaluation.evaluate(model, train, test).iloc[0]["ndcg@10"])


@pytest.fixture(scope="module")
def popularity_ndcg(synthetic_split):
    train, test, nu, ni = synthetic_split
    return ndcg(baselines.PopularityRecommender().fit(train, nu, ni), train, test)


@pytest.mark.parametrize("make", [
    lambda: ease.EASE(lam=50.0),
    lambda: vae.MultVAE(hidden_dim=64, latent_dim=16, epochs=40, batch_size=32,
                        anneal_steps=200, learning_rate=3e-3, patience=None),
    lambda: vae.MultVAE(hidden_dim=64, latent_dim=16, variational=False, epochs=40,
                        batch_size=32, learning_rate=3e-3, patience=None),
    lambda: cdae.CDAE(hidden_dim=32, epochs=40, batch_size=32, learning_rate=1e-2,
                      patience=None),
], ids=["ease", "mult-vae", "mult-dae", "cdae"])
def test_beats_popularity_on_planted_data(make, synthetic_split, popularity_ndcg):
    train, test, nu, ni = synthetic_split
    assert ndcg(make().fit(train, nu, ni), train, test) > 1.3 * popularity_ndcg


def test_ease_closed_form_matches_the_constrained_least_squares():
    rng = np.random.default_rng(0)
    x = (rng.random((30, 6)) < 0.4).astype(float)
    lam = 2.0
    b = ease.ease_weights(x.T @ x, lam)
    assert np.allclose(np.diag(b), 0.0)
    # column j solves min ||x_j - X_{-j} b||^2 + lam ||b||^2 over the other columns
    for j in range(6):
        others = [i for i in range(6) if i != j]
        xo = x[:, others]
        direct = np.linalg.solve(xo.T @ xo + lam * np.eye(5), xo.T @ x[:, j])
        assert np.allclose(b[others, j], direct, atol=1e-8)


def test_vae_anneals_beta_and_is_deterministic(synthetic_split):
    train, _, nu, ni = synthetic_split
    make = lambda: vae.MultVAE(hidden_dim=32, latent_dim=8, epochs=6, batch_size=50,
                               beta_max=0.2, anneal_steps=20, patience=None, seed=3)
    a = make().fit(train, nu, ni)
    betas = a.history["beta"].tolist()
    assert betas == sorted(betas) and betas[-1] == pytest.approx(0.2)  # capped at beta_max
    b = make().fit(train, nu, ni)
    np.testing.assert_allclose(a.score(np.arange(4)), b.score(np.arange(4)), rtol=1e-5, atol=1e-5)


def test_autorec_predicts_ratings_better_than_the_mean(synthetic_split):
    train, test, nu, ni = synthetic_split
    base = float(np.sqrt(np.mean((test.rating - train.rating.mean()) ** 2)))
    for kind in ("item", "user"):
        model = autorec.AutoRec(kind=kind, hidden_dim=32, l2=1e-4, learning_rate=1e-2,
                                epochs=40, batch_size=32, patience=None).fit(train, nu, ni)
        got = float(evaluation.evaluate_ratings(model, test).iloc[0]["rmse"])
        assert got < 0.9 * base, kind


def test_autorec_loss_ignores_missing_ratings():
    y = np.array([[5.0, 0.0, 3.0]], dtype="float32")
    pred = np.array([[4.0, 99.0, 3.0]], dtype="float32")
    # observed entries: (5-4)^2 + (3-3)^2 = 1 over 2 observed -> 0.5; the 99 is ignored
    assert float(autorec.masked_mse(y, pred)) == pytest.approx(0.5)


@pytest.mark.parametrize("make, message", [
    (lambda: ease.EASE(lam=0), "lam must be positive"),
    (lambda: vae.MultVAE(dropout=1.0), "dropout"),
    (lambda: autorec.AutoRec(kind="both"), "kind must be"),
    (lambda: autorec.AutoRec(hidden_dim=0), "must be positive"),
    (lambda: cdae.CDAE(corruption=1.0), "corruption"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()
