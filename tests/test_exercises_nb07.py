"""The checkers of notebook 07 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers, ops

from rec_course.data.splits import leave_last_out
from rec_course.exercises import nb07
from rec_course.exercises._check import Verdict


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


def stub(*_):
    raise NotImplementedError


@pytest.mark.parametrize("checker", [nb07.check_attention_mask, nb07.check_leave_last_out])
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not passes(checker(stub))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 1
def good_mask(tokens):
    length = ops.shape(tokens)[-1]
    positions = ops.arange(length)
    causal = positions[:, None] >= positions[None, :]
    return ops.logical_and(causal[None], ops.expand_dims(ops.not_equal(tokens, 0), 1))


def test_attention_mask(capsys):
    assert passes(nb07.check_attention_mask(good_mask))
    assert "[ok]" in capsys.readouterr().out
    causal_only = lambda t: ops.broadcast_to(ops.cast(ops.tril(ops.ones((5, 5))), "bool"),
                                             (3, 5, 5))
    assert not passes(nb07.check_attention_mask(causal_only))
    assert "padding" in capsys.readouterr().out
    upper = lambda t: ops.logical_and(ops.cast(ops.triu(ops.ones((5, 5))), "bool")[None],
                                      ops.expand_dims(ops.not_equal(t, 0), 1))
    assert not passes(nb07.check_attention_mask(upper))
    assert "future" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 2
class GoodHead(layers.Layer):
    def __init__(self, dim, scale=True):
        super().__init__()
        self.dim, self.scale = dim, scale
        self.q, self.k, self.v = layers.Dense(dim), layers.Dense(dim), layers.Dense(dim)

    def call(self, x, mask):
        q, k, v = self.q(x), self.k(x), self.v(x)
        logits = ops.matmul(q, ops.swapaxes(k, -1, -2))
        if self.scale:
            logits = logits / self.dim ** 0.5
        weights = ops.softmax(ops.where(mask, logits, -1e9), axis=-1)
        return ops.matmul(weights, v), weights


class UnmaskedHead(GoodHead):
    def call(self, x, mask):
        return super().call(x, ops.ones_like(mask, dtype="bool"))


def test_attention_head(capsys):
    assert passes(nb07.check_attention_head(GoodHead))
    assert "[ok]" in capsys.readouterr().out
    assert not passes(nb07.check_attention_head(UnmaskedHead))
    assert "masked keys" in capsys.readouterr().out
    assert not passes(nb07.check_attention_head(lambda d: GoodHead(d, scale=False)))
    assert "sqrt(dim)" in capsys.readouterr().out
    assert not passes(nb07.check_attention_head(lambda d: "not a layer"))
    assert "keras.layers.Layer" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 3
def good_split(df):
    train, test = leave_last_out(df)
    fit, valid = leave_last_out(train)
    return fit, valid, test


def test_leave_last_out(capsys):
    assert passes(nb07.check_leave_last_out(good_split))
    assert "[ok]" in capsys.readouterr().out

    def no_tie_break(df):
        ordered = df.sort_values(["user_id", "timestamp"], kind="stable")
        last = ordered.groupby("user_id").cumcount(ascending=False)
        return ordered[last >= 2], ordered[last == 1], ordered[last == 0]
    assert not passes(nb07.check_leave_last_out(no_tie_break))
    assert "ties" in capsys.readouterr().out

    def random_split(df):
        test = df.groupby("user_id").sample(1, random_state=0)
        rest = df.drop(test.index)
        valid = rest.groupby("user_id").sample(1, random_state=0)
        return rest.drop(valid.index), valid, test
    assert not passes(nb07.check_leave_last_out(random_split))
    capsys.readouterr()
