"""The checkers of notebook 05 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import numpy as np
import pytest

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
