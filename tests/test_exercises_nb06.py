"""The checkers of notebook 06 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from rec_course.exercises import nb06
from rec_course.exercises._check import Verdict


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


def stub(*_):
    raise NotImplementedError


@pytest.mark.parametrize("checker", [nb06.check_hashed_cross, nb06.check_auc])
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not passes(checker(stub))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 1
def good_cross(first, second, num_bins):
    joined = np.char.add(np.char.add(np.asarray(first, str), " x "), np.asarray(second, str))
    return np.asarray(keras.layers.Hashing(num_bins)(joined)).reshape(-1)


def test_hashed_cross(capsys):
    assert passes(nb06.check_hashed_cross(good_cross))
    assert "[ok]" in capsys.readouterr().out
    no_separator = lambda a, b, n: np.asarray(keras.layers.Hashing(n)(
        np.char.add(np.asarray(a, str), np.asarray(b, str)))).reshape(-1)
    assert not passes(nb06.check_hashed_cross(no_separator))
    assert "separator" in capsys.readouterr().out
    only_first = lambda a, b, n: np.asarray(keras.layers.Hashing(n)(np.asarray(a, str))
                                            ).reshape(-1)
    assert not passes(nb06.check_hashed_cross(only_first))
    assert "second value" in capsys.readouterr().out
    few_bins = lambda a, b, n: good_cross(a, b, 50)       # ignores num_bins
    assert not passes(nb06.check_hashed_cross(few_bins))
    assert "buckets" in capsys.readouterr().out
    rng = np.random.default_rng(0)
    unstable = lambda a, b, n: rng.integers(0, n, len(a))
    assert not passes(nb06.check_hashed_cross(unstable))
    assert "two buckets" in capsys.readouterr().out
    assert not passes(nb06.check_hashed_cross(lambda a, b, n: good_cross(a, b, n) + n))
    assert "[0, num_bins)" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 2
class GoodFM(keras.layers.Layer):
    def call(self, e):
        return 0.5 * ops.sum(ops.square(ops.sum(e, axis=1)) - ops.sum(ops.square(e), axis=1),
                             axis=-1)


class NoSubtraction(keras.layers.Layer):
    def call(self, e):
        return ops.sum(ops.square(ops.sum(e, axis=1)), axis=-1)


class KeepsDims(keras.layers.Layer):
    def call(self, e):
        return ops.expand_dims(GoodFM()(e), -1)


class Doubled(keras.layers.Layer):
    def call(self, e):
        return 2.0 * GoodFM()(e)


class NotImplemented(keras.layers.Layer):
    def call(self, e):
        raise NotImplementedError


def test_fm_layer(capsys):
    assert passes(nb06.check_fm_layer(GoodFM))
    assert "[ok]" in capsys.readouterr().out
    for cls, hint in ((NoSubtraction, "without subtracting"), (KeepsDims, "shape (batch,)"),
                      (Doubled, "factor 1/2"), (NotImplemented, "not attempted")):
        assert not passes(nb06.check_fm_layer(cls)), cls
        assert hint in capsys.readouterr().out, cls
    assert not passes(nb06.check_fm_layer(lambda: object()))
    assert "keras.layers.Layer" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 3
def good_auc(labels, scores):
    pos, neg = scores[labels == 1], scores[labels == 0]
    return (pos[:, None] > neg).mean() + 0.5 * (pos[:, None] == neg).mean()


def test_auc(capsys):
    assert passes(nb06.check_auc(good_auc))
    assert not passes(nb06.check_auc(lambda y, s: (s[y == 1][:, None] > s[y == 0]).mean()))
    assert "ties" in capsys.readouterr().out
    assert not passes(nb06.check_auc(lambda y, s: 1 - good_auc(y, s)))
    assert "1 - AUC" in capsys.readouterr().out
    assert not passes(nb06.check_auc(lambda y, s: float(np.mean(s))))
    assert "expected" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 4
def test_id_dropout_experiment(capsys):
    good = {0.0: 0.21, 0.1: 0.25, 0.3: 0.24}
    assert passes(nb06.check_id_dropout_experiment("helps a little", good))
    assert "best first: id_dropout=0.1" in capsys.readouterr().out
    assert not passes(nb06.check_id_dropout_experiment(None, None))
    assert not passes(nb06.check_id_dropout_experiment("", good))
    assert "prediction" in capsys.readouterr().out
    assert not passes(nb06.check_id_dropout_experiment("x", {0.1: 0.2, 0.3: 0.2}))
    assert "0.0" in capsys.readouterr().out
    assert not passes(nb06.check_id_dropout_experiment("x", {0.0: 0.2, 0.1: 0.2, 0.3: 0.2}))
    assert "same number" in capsys.readouterr().out
    assert not passes(nb06.check_id_dropout_experiment("x", {0.0: 2.0, 0.1: 0.2, 0.3: 0.1}))
    assert "[0, 1]" in capsys.readouterr().out
