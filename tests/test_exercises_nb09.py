"""The checkers of notebook 09 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from keras import layers, ops

from rec_course.compression import QREmbedding, quantize_symmetric, weighted_bpr_loss
from rec_course.exercises import nb09
from rec_course.exercises._check import Verdict


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


def stub(*_, **__):
    raise NotImplementedError


@pytest.mark.parametrize("checker", [nb09.check_int8_quantization, nb09.check_qr_embedding,
                                     nb09.check_distillation_loss])
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not passes(checker(stub))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 1
def int8_by_hand(x):
    peak = np.abs(x).max(axis=1, keepdims=True)
    scale = np.where(peak > 0, peak / 127, 1.0).astype(np.float32)
    return np.clip(np.rint(x / scale), -127, 127).astype(np.int8), scale


def with_scale(scale_fn, rounding=np.rint, dtype=np.int8, low=-127):
    def quantize(x):
        scale = scale_fn(x)
        return np.clip(rounding(x / scale), low, 127).astype(dtype), scale
    return quantize


def safe(s):
    return np.where(s > 0, s, 1.0).astype(np.float32)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_int8_quantization(capsys):
    assert passes(nb09.check_int8_quantization(int8_by_hand))
    assert passes(nb09.check_int8_quantization(lambda x: quantize_symmetric(x, 8)))
    assert "[ok]" in capsys.readouterr().out
    peak = lambda x: np.abs(x).max(axis=1, keepdims=True)  # noqa: E731
    wrong = {
        "per tensor": (with_scale(lambda x: np.abs(x).max() / 127), "one scale"),
        "zero row": (with_scale(lambda x: peak(x) / 127), "row of zeros"),
        "128": (with_scale(lambda x: safe(peak(x) / 128), low=-128), "-127, 127"),
        "max not abs": (with_scale(lambda x: safe(x.max(axis=1, keepdims=True) / 127)),
                        "max(|x|)"),
        "truncated": (with_scale(lambda x: safe(peak(x) / 127), rounding=np.trunc),
                      "truncated"),
        "float dtype": (with_scale(lambda x: safe(peak(x) / 127), dtype=np.float32), "int8"),
        "one output": (lambda x: int8_by_hand(x)[0], "pair"),
        "flat scale": (lambda x: (int8_by_hand(x)[0], int8_by_hand(x)[1][:3]), "one float per row"),
    }
    for name, (fn, hint) in wrong.items():
        assert not passes(nb09.check_int8_quantization(fn)), name
        assert hint in capsys.readouterr().out, name


# ---------------------------------------------------------------- exercise 2
class GoodQR(layers.Layer):
    def __init__(self, num_ids, dim, num_buckets):
        super().__init__()
        self.m = num_buckets
        self.q = layers.Embedding(-(-num_ids // num_buckets), dim)
        self.r = layers.Embedding(num_buckets, dim)

    def call(self, ids):
        return self.q(ids // self.m) * self.r(ids % self.m)


def variant(combine=None, rows=None, index=None):
    class QR(GoodQR):
        def __init__(self, num_ids, dim, num_buckets):
            super().__init__(num_ids, dim, num_buckets)
            if rows is not None:
                self.q = layers.Embedding(rows(num_ids, num_buckets), dim)

        def call(self, ids):
            qi, ri = (ids // self.m, ids % self.m) if index is None else index(ids, self.m)
            a, b = self.q(qi), self.r(ri)
            return a * b if combine is None else combine(a, b)
    return QR


def test_qr_embedding(capsys):
    assert passes(nb09.check_qr_embedding(GoodQR))
    assert passes(nb09.check_qr_embedding(
        lambda n, d, m: QREmbedding(n, d, m)))                 # the package's layer
    assert "[ok]" in capsys.readouterr().out
    wrong = {
        "sum": (variant(combine=lambda a, b: a + b), "added"),
        "concat": (variant(combine=lambda a, b: ops.concatenate([a, b], axis=-1)),
                   "concatenation"),
        "floor rows": (variant(rows=lambda n, m: n // m), "ceil"),
        "both modulo": (variant(index=lambda ids, m: (ids % 3, ids % m)), "same operation"),
        "not a layer": (lambda n, d, m: object(), "keras.layers.Layer"),
        "one table": (lambda n, d, m: layers.Embedding(n, d), "two tables"),
    }
    for name, (cls, hint) in wrong.items():
        assert not passes(nb09.check_qr_embedding(cls)), name
        assert hint in capsys.readouterr().out, name


# ---------------------------------------------------------------- exercise 3
def test_distillation_loss(capsys):
    assert passes(nb09.check_distillation_loss(weighted_bpr_loss))
    assert passes(nb09.check_distillation_loss(
        lambda w, x: ops.mean(w * ops.softplus(-x))))
    assert "[ok]" in capsys.readouterr().out
    wrong = {
        "unweighted": (lambda w, x: ops.mean(ops.softplus(-x)), "weights are ignored"),
        "sum": (lambda w, x: ops.sum(w * ops.softplus(-x)), "sum over the batch"),
        "sign": (lambda w, x: ops.mean(w * ops.softplus(x)), "sign is flipped"),
        "negative": (lambda w, x: -ops.mean(w * ops.softplus(-x)), "negative"),
        "unstable": (lambda w, x: ops.mean(w * -ops.log(ops.sigmoid(x))), "overflows"),
        "per pair": (lambda w, x: w * ops.softplus(-x), "one number"),
    }
    for name, (fn, hint) in wrong.items():
        assert not passes(nb09.check_distillation_loss(fn)), name
        assert hint in capsys.readouterr().out, name
