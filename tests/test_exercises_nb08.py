"""The checkers of notebook 08 reject typical wrong answers and accept a correct one."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from keras import layers, ops

from rec_course.data.graph import normalized_adjacency
from rec_course.exercises import nb08
from rec_course.exercises._check import Verdict


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


def stub(*_, **__):
    raise NotImplementedError


@pytest.mark.parametrize("checker", [nb08.check_normalized_adjacency,
                                     nb08.check_layer_combination])
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not passes(checker(stub))
    assert "not attempted yet" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 1
def raw_adjacency(train, nu, ni):
    r = np.zeros((nu, ni))
    r[train["user_id"], train["item_id"]] = 1
    return np.block([[np.zeros((nu, nu)), r], [r.T, np.zeros((ni, ni))]])


def by_hand(train, nu, ni):
    a = raw_adjacency(train, nu, ni)
    deg = a.sum(1)
    inv = np.where(deg > 0, np.maximum(deg, 1) ** -0.5, 0.0)
    return inv[:, None] * a * inv[None, :]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_normalized_adjacency(capsys):
    assert passes(nb08.check_normalized_adjacency(by_hand))
    assert "[ok]" in capsys.readouterr().out
    assert passes(nb08.check_normalized_adjacency(normalized_adjacency))  # SciPy is fine
    capsys.readouterr()
    wrong = {
        "plain adjacency": (raw_adjacency, "plain adjacency"),
        "R alone": (lambda t, nu, ni: raw_adjacency(t, nu, ni)[:nu, nu:], "R alone"),
        "inf": (lambda t, nu, ni: (lambda a, d: a / np.sqrt(np.outer(d, d)))(
            raw_adjacency(t, nu, ni), raw_adjacency(t, nu, ni).sum(1)), "NaN or inf"),
        "row-normalized": (lambda t, nu, ni: (lambda a: a / np.maximum(a.sum(1, keepdims=True), 1))(
            raw_adjacency(t, nu, ni)), "symmetric"),
        "one triangle": (lambda t, nu, ni: np.triu(by_hand(t, nu, ni)), "one triangle"),
        "self-loops": (lambda t, nu, ni: normalized_adjacency(t, nu, ni, self_loops=True),
                       "self-loops"),
        "nodes in another order": (lambda t, nu, ni: sp.csr_matrix(
            np.roll(np.roll(by_hand(t, nu, ni), 1, 0), 1, 1)), "wrong places"),
    }
    for name, (fn, hint) in wrong.items():
        assert not passes(nb08.check_normalized_adjacency(fn)), name
        out = capsys.readouterr().out
        assert "[x]" in out, name
        if hint:
            assert hint in out, (name, out)


# ---------------------------------------------------------------- exercise 2
class GoodLightGCN(keras.Model):
    def __init__(self, adjacency, num_nodes, embedding_dim, num_layers, mode="mean"):
        super().__init__()
        self.adjacency, self.num_layers, self.mode = adjacency, num_layers, mode
        self.ego = layers.Embedding(num_nodes, embedding_dim)
        self.ego.build((None,))
        if mode == "dense":
            self.extra = layers.Dense(embedding_dim)

    def call(self, node_ids):
        e = self.ego(ops.arange(self.ego.input_dim))     # the whole table, (N, d)
        if self.mode == "dense":
            e = self.extra(e)
        out = [e]
        for _ in range(self.num_layers):
            out.append(ops.matmul(self.adjacency, out[-1]))
        stacked = ops.stack(out, axis=0)
        final = {"mean": ops.mean(stacked, axis=0), "dense": ops.mean(stacked, axis=0),
                 "last": out[-1], "sum": ops.sum(stacked, axis=0),
                 "no ego": ops.mean(stacked[1:], axis=0) if self.num_layers else out[0]
                 }[self.mode]
        return ops.take(final, node_ids, axis=0)


def variant(mode):
    return lambda *args: GoodLightGCN(*args, mode=mode)


def test_lightgcn_model(capsys):
    assert passes(nb08.check_lightgcn_model(GoodLightGCN))
    assert "[ok]" in capsys.readouterr().out
    for mode, hint in [("last", "last layer"), ("sum", "sum the layers"),
                       ("no ego", "E^(0) are missing"), ("dense", "no weights besides")]:
        assert not passes(nb08.check_lightgcn_model(variant(mode))), mode
        assert hint in capsys.readouterr().out, mode
    class RawVariable(GoodLightGCN):  # ops.stack of the Embedding's variable fails
        def call(self, node_ids):
            out = [self.ego.embeddings]
            out.append(ops.matmul(self.adjacency, out[-1]))
            return ops.take(ops.mean(ops.stack(out, axis=0), axis=0), node_ids, axis=0)

    assert not passes(nb08.check_lightgcn_model(RawVariable))
    assert "ops.arange" in capsys.readouterr().out
    not_a_model = lambda *args: "a model"
    assert not passes(nb08.check_lightgcn_model(not_a_model))
    out = capsys.readouterr().out
    assert "keras.Model" in out and "(adjacency, num_nodes, embedding_dim, num_layers)" in out
    assert not passes(nb08.check_lightgcn_model(lambda *args: None))
    assert "not attempted" in capsys.readouterr().out


# ---------------------------------------------------------------- exercise 3
def combine(layer_embeddings, alphas=None):
    if alphas is None:
        alphas = [1 / len(layer_embeddings)] * len(layer_embeddings)
    if len(alphas) != len(layer_embeddings):
        raise ValueError(f"{len(alphas)} alphas for {len(layer_embeddings)} layers")
    return sum(a * ops.convert_to_tensor(e) for a, e in zip(alphas, layer_embeddings))


def test_layer_combination(capsys):
    assert passes(nb08.check_layer_combination(combine))
    assert "[ok]" in capsys.readouterr().out
    summed = lambda tables, alphas=None: sum(tables) if alphas is None else combine(tables, alphas)
    assert not passes(nb08.check_layer_combination(summed))
    assert "not the sum" in capsys.readouterr().out
    silent = lambda tables, alphas=None: sum(a * t for a, t in zip(
        alphas or [1 / len(tables)] * len(tables), tables))
    assert not passes(nb08.check_layer_combination(silent))
    assert "must raise ValueError" in capsys.readouterr().out
    ignores_alphas = lambda tables, alphas=None: np.mean(tables, axis=0)
    assert not passes(nb08.check_layer_combination(ignores_alphas))
    assert "alphas [0, 0, 0, 1]" in capsys.readouterr().out
