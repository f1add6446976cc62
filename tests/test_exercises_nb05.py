"""The checkers of notebook 05 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from rec_course.exercises import nb05
from rec_course.exercises._check import Verdict


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


def stub(*_):
    raise NotImplementedError


@pytest.mark.parametrize("checker", [nb05.check_masked_mse, nb05.check_kl_term,
                                     nb05.check_multinomial_nll, nb05.check_ease_weights])
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not passes(checker(stub))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 1
def good_masked_mse(y, pred):
    mask = y != 0
    return np.sum((y - pred)[mask] ** 2) / mask.sum()


def test_masked_mse(capsys):
    assert passes(nb05.check_masked_mse(good_masked_mse))
    assert "[ok]" in capsys.readouterr().out
    assert not passes(nb05.check_masked_mse(lambda y, p: np.mean((y - p) ** 2)))
    assert "missing entries" in capsys.readouterr().out
    assert not passes(nb05.check_masked_mse(lambda y, p: np.sum(((y - p) * (y != 0)) ** 2)
                                            / y.size))
    assert "number of observed entries" in capsys.readouterr().out
    assert not passes(nb05.check_masked_mse(lambda y, p: np.sqrt(good_masked_mse(y, p))))
    assert "RMSE" in capsys.readouterr().out
    assert not passes(nb05.check_masked_mse(lambda y, p: (y - p) ** 2))  # not reduced
    assert "one number" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 2
def good_kl(mu, logvar):
    return np.mean(0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1))


def test_kl_term(capsys):
    assert passes(nb05.check_kl_term(good_kl))
    assert not passes(nb05.check_kl_term(
        lambda mu, lv: np.mean(0.5 * (np.exp(lv) + mu ** 2 - 1 - lv))))
    assert "sum the KL over the latent dimensions" in capsys.readouterr().out
    assert not passes(nb05.check_kl_term(lambda mu, lv: 2 * good_kl(mu, lv)))
    assert "1/2" in capsys.readouterr().out
    assert not passes(nb05.check_kl_term(lambda mu, lv: -good_kl(mu, lv)))
    assert "sign" in capsys.readouterr().out
    std_slip = lambda mu, lv: np.mean(0.5 * np.sum(np.exp(0.5 * lv) + mu ** 2 - 1 - lv, axis=1))
    assert not passes(nb05.check_kl_term(std_slip))
    assert "variance" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 3
def good_nll(x, logits):
    z = logits - logits.max(axis=1, keepdims=True)
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(np.sum(x * log_softmax, axis=1))


def test_multinomial_nll(capsys):
    assert passes(nb05.check_multinomial_nll(good_nll))
    assert not passes(nb05.check_multinomial_nll(lambda x, z: -good_nll(x, z)))
    assert "sign" in capsys.readouterr().out
    assert not passes(nb05.check_multinomial_nll(lambda x, z: good_nll(x, z) * len(x)))
    assert "not the sum" in capsys.readouterr().out

    def logistic(x, z):
        p = 1 / (1 + np.exp(-z))
        return -np.mean(np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1))
    assert not passes(nb05.check_multinomial_nll(logistic))
    assert "softmax" in capsys.readouterr().out

    def unstable(x, z):
        return -np.mean(np.sum(x * np.log(np.exp(z) / np.exp(z).sum(1, keepdims=True)), 1))
    with np.errstate(all="ignore"):
        assert not passes(nb05.check_multinomial_nll(unstable))
    assert "stable" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 4
def good_ease(x, lam):
    p = np.linalg.inv(x.T @ x + lam * np.eye(x.shape[1]))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b


def test_ease_weights(capsys):
    assert passes(nb05.check_ease_weights(good_ease))
    ridge = lambda x, lam: np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ x)
    assert not passes(nb05.check_ease_weights(ridge))
    assert "ridge" in capsys.readouterr().out

    def by_rows(x, lam):
        p = np.linalg.inv(x.T @ x + lam * np.eye(x.shape[1]))
        b = -p / np.diag(p)[:, None]
        np.fill_diagonal(b, 0.0)
        return b
    # P is symmetric, so row and column scaling differ only where P_ii != P_jj
    assert not passes(nb05.check_ease_weights(by_rows))
    assert "column j" in capsys.readouterr().out
    assert not passes(nb05.check_ease_weights(lambda x, lam: -good_ease(x, lam) + np.eye(
        x.shape[1])))
    assert "diagonal" in capsys.readouterr().out
    assert not passes(nb05.check_ease_weights(lambda x, lam: good_ease(x, 1.0)))
    assert "lam" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 5 (Keras)
class GoodCode(keras.layers.Layer):
    def __init__(self, beta=0.2, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.beta = beta
        self.sampler = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        mu, logvar = inputs
        if not training:
            return mu
        kl = ops.mean(0.5 * ops.sum(ops.exp(logvar) + mu ** 2 - 1.0 - logvar, axis=-1))
        self.add_loss(self.beta * kl)
        eps = keras.random.normal(ops.shape(mu), seed=self.sampler)
        return mu + ops.exp(0.5 * logvar) * eps


def variant(**changes):
    """GoodCode with one slip: a call that differs in one place."""
    class Slip(GoodCode):
        def call(self, inputs, training=False):
            mu, logvar = inputs
            if not training and not changes.get("always_sample"):
                return mu
            per_user = 0.5 * ops.sum(ops.exp(logvar) + mu ** 2 - 1.0 - logvar, axis=-1)
            kl = ops.sum(per_user) if changes.get("sum_batch") else ops.mean(per_user)
            if not changes.get("no_loss"):
                self.add_loss(kl if changes.get("no_beta") else self.beta * kl)
            seed = 7 if changes.get("int_seed") else self.sampler
            eps = keras.random.normal(ops.shape(mu), seed=seed)
            sigma = ops.exp(logvar) if changes.get("variance") else ops.exp(0.5 * logvar)
            if changes.get("stop_gradient"):
                sigma = ops.stop_gradient(sigma)
            return mu + sigma * eps
    return Slip


def test_gaussian_code_accepts_the_solution(capsys):
    assert passes(nb05.check_gaussian_code(GoodCode))
    assert "[ok]" in capsys.readouterr().out


@pytest.mark.parametrize("slip, message", [
    ({"always_sample": True}, "training=False return mu"),
    ({"no_loss": True}, "self.add_loss(self.beta * kl)"),
    ({"no_beta": True}, "weight it by self.beta"),
    ({"sum_batch": True}, "not the sum"),
    ({"variance": True}, "standard deviation sigma = exp(logvar / 2)"),
    ({"int_seed": True}, "SeedGenerator self.sampler"),
    ({"stop_gradient": True}, "no gradient reaches logvar"),
])
def test_gaussian_code_names_the_slip(slip, message, capsys):
    assert not passes(nb05.check_gaussian_code(variant(**slip)))
    out = capsys.readouterr().out
    assert message in out, out


def test_gaussian_code_rejects_numpy_noise(capsys):
    class NumpyNoise(GoodCode):
        def call(self, inputs, training=False):
            mu, logvar = inputs
            if not training:
                return mu
            self.add_loss(self.beta * ops.mean(0.5 * ops.sum(
                ops.exp(logvar) + mu ** 2 - 1.0 - logvar, axis=-1)))
            return mu + ops.exp(0.5 * logvar) * np.random.normal(size=mu.shape)
    assert not passes(nb05.check_gaussian_code(NumpyNoise))
    assert "same seed draw different noise" in capsys.readouterr().out


class StubCode(GoodCode):
    def call(self, inputs, training=False):
        raise NotImplementedError


def test_gaussian_code_stub(capsys):
    assert not passes(nb05.check_gaussian_code(StubCode))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 6 (experiment)
def test_beta_experiment(capsys):
    assert not passes(nb05.check_beta_experiment(None, None))
    assert "not attempted yet" in capsys.readouterr().out
    runs = {0.0: 0.30, 0.2: 0.32, 1.0: 0.28}
    assert not passes(nb05.check_beta_experiment("", runs))
    assert "prediction" in capsys.readouterr().out
    assert not passes(nb05.check_beta_experiment("0.2 wins", {0.0: 0.3, 0.2: 0.32}))
    assert "missing [1.0]" in capsys.readouterr().out
    assert not passes(nb05.check_beta_experiment("0.2 wins", {0.0: 0.3, 0.2: 0.3, 1.0: 0.3}))
    assert "same number" in capsys.readouterr().out
    assert not passes(nb05.check_beta_experiment("0.2 wins", {0.0: 3.0, 0.2: 0.3, 1.0: 0.3}))
    assert "[0, 1]" in capsys.readouterr().out
    assert passes(nb05.check_beta_experiment("0.2 wins", runs))
    out = capsys.readouterr().out
    assert "beta_max=0.2: 0.3200, beta_max=0: 0.3000" in out and "[ok]" in out
