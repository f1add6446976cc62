"""The checkers of notebook 04 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import numpy as np
import pytest

import keras
from keras import layers, ops

from rec_course import data
from rec_course.exercises import nb04
from rec_course.exercises._check import Verdict
from rec_course.models import ncf


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


def stub(*_):
    raise NotImplementedError


@pytest.mark.parametrize("checker", [nb04.check_gmf_model, nb04.check_pointwise_examples,
                                     nb04.check_neumf_output_init])
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not passes(checker(stub))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 1
class GoodGMF(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.user_embedding = layers.Embedding(num_users, embedding_dim)
        self.item_embedding = layers.Embedding(num_items, embedding_dim)
        self.out = layers.Dense(1)

    def call(self, inputs):
        users, items = inputs
        p, q = self.user_embedding(users), self.item_embedding(items)  # (batch, d) each
        return ops.squeeze(self.out(p * q), -1)                       # (batch,)


def gmf_variant(**changes):
    """GoodGMF with one slip: ``concat``, ``sigmoid``, ``no_squeeze``, ``no_bias``,
    ``no_dense`` or ``numpy``."""
    class Variant(GoodGMF):
        def __init__(self, num_users, num_items, embedding_dim):
            super().__init__(num_users, num_items, embedding_dim)
            if changes.get("no_bias"):
                self.out = layers.Dense(1, use_bias=False)
            if changes.get("sigmoid"):
                self.out = layers.Dense(1, activation="sigmoid")

        def call(self, inputs):
            users, items = inputs
            p, q = self.user_embedding(users), self.item_embedding(items)
            if changes.get("no_dense"):
                return ops.sum(p * q, -1)
            h = ops.concatenate([p, q], -1) if changes.get("concat") else p * q
            if changes.get("numpy"):  # works eagerly, cannot be traced by fit
                return ops.squeeze(self.out(np.asarray(h)), -1)
            out = self.out(h)
            return out if changes.get("no_squeeze") else ops.squeeze(out, -1)
    return Variant


def test_gmf_model_accepts_the_solution(capsys):
    assert passes(nb04.check_gmf_model(GoodGMF))
    assert "[ok]" in capsys.readouterr().out


@pytest.mark.parametrize("slip, hint", [
    ("concat", "concatenation"), ("sigmoid", "sigmoid"), ("no_squeeze", "(batch, 1)"),
    ("no_bias", "bias"), ("no_dense", "Dense(1)"), ("numpy", "NumPy")])
def test_gmf_model_names_the_slip(slip, hint, capsys):
    assert not passes(nb04.check_gmf_model(gmf_variant(**{slip: True})))
    assert hint in capsys.readouterr().out


def test_gmf_model_must_be_a_keras_model(capsys):
    assert not passes(nb04.check_gmf_model(lambda nu, ni, d: (lambda x: x)))
    assert "keras.Model" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 2
def good_pointwise(m, n_neg, seed):
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    users = np.repeat(rows, n_neg)
    neg = data.sample_negatives(m, users, 1, seed=seed)[:, 0]
    return (np.concatenate([rows, users]), np.concatenate([m.indices, neg]),
            np.concatenate([np.ones(m.nnz), np.zeros(len(users))]))


def test_pointwise(capsys):
    assert passes(nb04.check_pointwise_examples(good_pointwise))

    def unchecked(m, n_neg, seed):
        rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        users = np.repeat(rows, n_neg)
        neg = np.random.default_rng(seed).integers(m.shape[1], size=len(users))
        return (np.concatenate([rows, users]), np.concatenate([m.indices, neg]),
                np.concatenate([np.ones(m.nnz), np.zeros(len(users))]))
    capsys.readouterr()
    assert not passes(nb04.check_pointwise_examples(unchecked))
    assert "re-draw" in capsys.readouterr().out
    assert not passes(nb04.check_pointwise_examples(lambda m, n, s: good_pointwise(m, 1, s)))
    assert "examples" in capsys.readouterr().out
    assert not passes(nb04.check_pointwise_examples(lambda m, n, s: good_pointwise(m, n, 0)))
    assert "seed" in capsys.readouterr().out

    def first_unseen(m, n_neg, seed):  # seeded, right counts and labels, but not uniform
        rng = np.random.default_rng(seed)
        rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        dense = m.toarray()
        neg = np.concatenate([rng.choice(np.flatnonzero(dense[u] == 0)[:2], n_neg)
                              for u in rows])
        return (np.concatenate([rows, np.repeat(rows, n_neg)]), np.concatenate([m.indices, neg]),
                np.concatenate([np.ones(m.nnz), np.zeros(len(rows) * n_neg)]))
    assert not passes(nb04.check_pointwise_examples(first_unseen))
    assert "uniformly" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 3
def test_neumf_init(capsys):
    good = lambda wg, bg, wm, bm, a: (np.concatenate([a * wg, (1 - a) * wm]),
                                      a * bg + (1 - a) * bm)
    assert passes(nb04.check_neumf_output_init(good))
    swapped = lambda wg, bg, wm, bm, a: (np.concatenate([(1 - a) * wg, a * wm]), bg)
    assert not passes(nb04.check_neumf_output_init(swapped))
    assert "reverse" in capsys.readouterr().out
    no_bias_mix = lambda wg, bg, wm, bm, a: (np.concatenate([a * wg, (1 - a) * wm]), bg + bm)
    assert not passes(nb04.check_neumf_output_init(no_bias_mix))
    assert "bias" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 4
class AdamNeuMF(ncf.NCF):
    def optimizer(self):
        return keras.optimizers.Adam(self.learning_rate)


def curves(sgd=(0.17, 0.171, 0.172), adam=(0.15, 0.16, 0.165)):
    import pandas as pd
    return pd.DataFrame({"SGD": sgd, "Adam": adam}, index=range(1, len(sgd) + 1))


def test_finetune_experiment_accepts_the_solution(capsys):
    assert passes(nb04.check_finetune_experiment(curves(), AdamNeuMF))
    assert "[ok]" in capsys.readouterr().out


def test_finetune_experiment_not_attempted(capsys):
    assert not passes(nb04.check_finetune_experiment(None, AdamNeuMF))
    assert "not attempted yet" in capsys.readouterr().out


def test_finetune_experiment_names_the_slip(capsys):
    assert not passes(nb04.check_finetune_experiment(curves(), ncf.NCF))  # no override
    assert "SGD" in capsys.readouterr().out

    class FixedRate(ncf.NCF):
        def optimizer(self):
            return keras.optimizers.Adam(1e-3)
    assert not passes(nb04.check_finetune_experiment(curves(), FixedRate))
    assert "self.learning_rate" in capsys.readouterr().out

    class NotNCF:
        pass
    assert not passes(nb04.check_finetune_experiment(curves(), NotNCF))
    assert "subclass ncf.NCF" in capsys.readouterr().out
    assert not passes(nb04.check_finetune_experiment(curves().rename(columns={"Adam": "adam"}),
                                                     AdamNeuMF))
    assert "columns" in capsys.readouterr().out
    assert not passes(nb04.check_finetune_experiment(curves(adam=(0.17, 0.171, 0.172)),
                                                     AdamNeuMF))
    assert "equals the SGD curve" in capsys.readouterr().out
    assert not passes(nb04.check_finetune_experiment(curves().iloc[:1], AdamNeuMF))
    assert "two validation checks" in capsys.readouterr().out
    with_gap = curves()
    with_gap.loc[2, "SGD"] = np.nan  # an epoch without a check
    assert not passes(nb04.check_finetune_experiment(with_gap, AdamNeuMF))
    assert "dropna" in capsys.readouterr().out
