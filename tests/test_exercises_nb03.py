"""The Keras and experiment checkers of notebook 03 reject typical wrong answers with a
useful message and accept the solution."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers, ops  # noqa: E402

from rec_course import data  # noqa: E402
from rec_course.exercises import nb03  # noqa: E402
from rec_course.exercises._check import Verdict  # noqa: E402
from rec_course.models import bpr  # noqa: E402


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


# ---------------------------------------------------------------- exercise 4: BPR in Keras
class GoodBPR(keras.Model):
    """The solution: x_uij = (p_u . q_i + b_i) - (p_u . q_j + b_j)."""

    def __init__(self, num_users, num_items, embedding_dim):
        super().__init__()
        self.user_embedding = layers.Embedding(num_users, embedding_dim)
        self.item_embedding = layers.Embedding(num_items, embedding_dim)
        self.item_bias = layers.Embedding(num_items, 1)

    def scores(self, users, items):
        return (ops.sum(self.user_embedding(users) * self.item_embedding(items), axis=-1)
                + ops.squeeze(self.item_bias(items), -1))

    def call(self, inputs):
        users, pos, neg = inputs
        return self.scores(users, pos) - self.scores(users, neg)


class FlippedBPR(GoodBPR):
    def call(self, inputs):
        return -super().call(inputs)


class SigmoidBPR(GoodBPR):
    def call(self, inputs):
        return ops.sigmoid(super().call(inputs))


class NoBiasInScore(GoodBPR):
    def call(self, inputs):
        users, pos, neg = inputs
        p = self.user_embedding(users)
        self.item_bias(pos)  # built, but left out of x_uij
        return ops.sum(p * (self.item_embedding(pos) - self.item_embedding(neg)), axis=-1)


class PositiveOnly(GoodBPR):
    def call(self, inputs):
        users, pos, _ = inputs
        return self.scores(users, pos)


class KeepDims(GoodBPR):
    def call(self, inputs):
        return ops.expand_dims(super().call(inputs), -1)


class NoBiasTable(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim):
        super().__init__()
        self.user_embedding = layers.Embedding(num_users, embedding_dim)
        self.item_embedding = layers.Embedding(num_items, embedding_dim)

    def call(self, inputs):
        users, pos, neg = inputs
        p = self.user_embedding(users)
        return ops.sum(p * (self.item_embedding(pos) - self.item_embedding(neg)), axis=-1)


class TwoItemTables(GoodBPR):
    def __init__(self, num_users, num_items, embedding_dim):
        super().__init__(num_users, num_items, embedding_dim)
        self.neg_embedding = layers.Embedding(num_items, embedding_dim)

    def call(self, inputs):
        users, pos, neg = inputs
        p = self.user_embedding(users)
        return (ops.sum(p * (self.item_embedding(pos) - self.neg_embedding(neg)), axis=-1)
                + ops.squeeze(self.item_bias(pos) - self.item_bias(neg), -1))


class Stub(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim):
        super().__init__()
        raise NotImplementedError


def test_nb03_bpr_model_accepts_the_solution(capsys):
    assert passes(nb03.check_bpr_model(GoodBPR))
    assert "correct" in capsys.readouterr().out


def test_nb03_bpr_model_accepts_the_package_model():
    assert passes(nb03.check_bpr_model(lambda nu, ni, d: bpr.BPRModel(nu, ni, d, l2=1e-3)))


@pytest.mark.parametrize("wrong, hint", [
    (FlippedBPR, "sign is flipped"),
    (SigmoidBPR, "raw difference"),
    (NoBiasInScore, "biases are missing"),
    (PositiveOnly, "positive item only"),
    (KeepDims, "(batch, 1)"),
    (NoBiasTable, "no item-bias"),
    (TwoItemTables, "one item table"),
    (lambda nu, ni, d: None, "not attempted"),
    (Stub, "not attempted"),
    (lambda nu, ni, d: np.zeros(3), "keras.Model"),
])
def test_nb03_bpr_model_rejects(wrong, hint, capsys):
    assert not passes(nb03.check_bpr_model(wrong))
    assert hint in capsys.readouterr().out


# ------------------------------------------------- exercise 5: popularity-sampled negatives
class PopularityBPR(bpr.BPR):
    """The solution."""

    def epoch_data(self, epoch, seed):
        neg = data.sample_negatives(self.seen, self._users, 1, strategy="popularity",
                                    seed=seed)[:, 0].astype(np.int32)
        return (self._users, self._pos, neg), self._labels


class FixedSeed(bpr.BPR):
    def epoch_data(self, epoch, seed):
        neg = data.sample_negatives(self.seen, self._users, 1, strategy="popularity",
                                    seed=0)[:, 0].astype(np.int32)
        return (self._users, self._pos, neg), self._labels


class MostPopularAlways(bpr.BPR):
    """Hard-codes the most popular items, positives included."""

    def epoch_data(self, epoch, seed):
        counts = np.asarray(self.seen.sum(axis=0)).ravel()
        rng = np.random.default_rng(seed)
        neg = rng.choice(np.argsort(-counts)[:3], len(self._users)).astype(np.int32)
        return (self._users, self._pos, neg), self._labels


class TwoColumns(bpr.BPR):
    def epoch_data(self, epoch, seed):
        neg = data.sample_negatives(self.seen, self._users, 1, strategy="popularity",
                                    seed=seed)
        return (self._users, self._pos, neg), self._labels


class NotASubclass:
    pass


def test_nb03_popularity_bpr_accepts_the_solution(capsys):
    assert passes(nb03.check_popularity_bpr(PopularityBPR))
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (bpr.BPR, "strategy=\"popularity\""),
    (FixedSeed, "new negatives"),
    (MostPopularAlways, "interacted with"),
    (TwoColumns, "one negative per positive"),
    (NotASubclass, "subclass of bpr.BPR"),
])
def test_nb03_popularity_bpr_rejects(wrong, hint, capsys):
    assert not passes(nb03.check_popularity_bpr(wrong))
    assert hint in capsys.readouterr().out
