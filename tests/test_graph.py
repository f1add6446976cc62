"""The user-item graph (rec_course.data.graph) and the graph models (LightGCN, NGCF)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from rec_course import data, evaluation
from rec_course.data.graph import (bipartite_adjacency, normalized_adjacency,
                                   to_sparse_tensor, to_tensor)
from rec_course.models import baselines, lightgcn

TOY = pd.DataFrame({"user_id": [0, 0, 1, 2], "item_id": [0, 1, 1, 2],
                    "rating": [5.0, 3.0, 4.0, 1.0], "timestamp": [1, 2, 3, 4]})


def test_adjacency_is_bipartite_symmetric_and_degree_normalized():
    a = bipartite_adjacency(TOY, 4, 3).toarray()  # user 3 has no edge
    assert a.shape == (7, 7) and (a == a.T).all()
    assert a[0, 4 + 0] == a[0, 4 + 1] == a[4 + 1, 1] == 1 and a[:4, :4].sum() == 0
    n = normalized_adjacency(TOY, 4, 3).toarray()
    assert np.allclose(n, n.T)
    deg = a.sum(1)
    # user 0 (degree 2) and item 1 (degree 2: users 0 and 1)
    assert n[0, 4 + 1] == pytest.approx(1 / np.sqrt(deg[0] * deg[4 + 1]))
    assert n[3].sum() == 0 and n[:, 3].sum() == 0          # the isolated user
    dense = np.diag(np.where(deg > 0, deg, 1) ** -0.5) @ a @ np.diag(np.where(deg > 0, deg, 1) ** -0.5)
    assert np.allclose(n, dense)
    loops = normalized_adjacency(TOY, 4, 3, self_loops=True).toarray()
    assert loops[3, 3] == pytest.approx(1.0) and np.allclose(loops, loops.T)


def test_adjacency_rejects_bad_input():
    with pytest.raises(ValueError, match="empty"):
        normalized_adjacency(TOY.iloc[:0], 4, 3)
    with pytest.raises(ValueError, match="unknown index"):
        normalized_adjacency(TOY, 2, 3)


def test_sparse_tensor_multiplies_like_the_dense_matrix():
    from keras import ops

    n = normalized_adjacency(TOY, 4, 3)
    e = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    got = np.asarray(ops.matmul(to_sparse_tensor(n), e))
    assert np.allclose(got, n.toarray() @ e, atol=1e-6)


@pytest.mark.parametrize("dense", [True, False])
def test_lightgcn_propagation_equals_the_dense_formula(dense):
    adj = normalized_adjacency(TOY, 4, 3)
    model = lightgcn.LightGCNModel(adj, 4, 3, embedding_dim=6, num_layers=3, seed=1,
                                   dense_adjacency=dense)
    assert isinstance(model._adjacency, tf.SparseTensor) != dense
    e0 = np.asarray(model.ego.embeddings)
    a = adj.toarray()
    expected = [e0, a @ e0, a @ a @ e0, a @ a @ a @ e0]
    for got, want in zip(model.layer_embeddings(), expected):
        assert np.allclose(np.asarray(got), want, atol=1e-5)
    assert np.allclose(np.asarray(model.propagate()), np.mean(expected, axis=0), atol=1e-5)
    zero = lightgcn.LightGCNModel(adj, 4, 3, embedding_dim=6, num_layers=0, seed=1)
    assert np.allclose(np.asarray(zero.propagate()), np.asarray(zero.ego.embeddings))


def test_small_graphs_propagate_with_a_dense_adjacency():
    adj = normalized_adjacency(TOY, 4, 3)
    assert not isinstance(to_tensor(adj), tf.SparseTensor)
    assert np.allclose(np.asarray(to_tensor(adj)), adj.toarray())
    assert isinstance(to_tensor(adj, dense=False), tf.SparseTensor)


def test_the_user_item_block_propagates_like_the_full_adjacency():
    from rec_course.data.graph import propagate

    adj = normalized_adjacency(TOY, 4, 3)
    block = to_tensor(adj, num_users=4)
    assert tuple(block.shape) == (4, 3)
    assert np.allclose(np.asarray(block), adj.toarray()[:4, 4:])
    e = np.random.default_rng(2).normal(size=(7, 5)).astype(np.float32)
    want = adj.toarray() @ e
    for tensor in (block, to_tensor(adj), to_tensor(adj, dense=False)):
        assert np.allclose(np.asarray(propagate(tensor, e)), want, atol=1e-6)
    with pytest.raises(ValueError, match="does not fit"):
        propagate(block, e[:6])
    with pytest.raises(ValueError, match="num_users"):
        to_tensor(adj, num_users=7)


def test_ngcf_layer_matches_its_formula():
    adj = normalized_adjacency(TOY, 4, 3)
    conv = lightgcn.NGCFConv(4, dropout=0.0, seed=0)
    e = np.random.default_rng(1).normal(size=(7, 4)).astype(np.float32)
    got = np.asarray(conv(to_sparse_tensor(adj), e))
    side = adj.toarray() @ e
    w1, b1 = (np.asarray(v) for v in conv.w1.weights)
    w2, b2 = (np.asarray(v) for v in conv.w2.weights)
    x = (side + e) @ w1 + b1 + (side * e) @ w2 + b2
    assert np.allclose(got, np.where(x > 0, x, 0.2 * x), atol=1e-5)


def test_models_reject_bad_settings():
    adj = normalized_adjacency(TOY, 4, 3)
    with pytest.raises(ValueError, match=r"\(7, 7\)"):
        lightgcn.LightGCNModel(adj, 5, 3)
    with pytest.raises(ValueError, match="num_layers"):
        lightgcn.LightGCN(num_layers=-1)
    with pytest.raises(ValueError, match="dropout"):
        lightgcn.NGCF(dropout=1.0)


@pytest.fixture(scope="module")
def graph_split(synthetic_split):
    train, test, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.1)
    return fit, valid, train, test, nu, ni


@pytest.mark.parametrize("cls", [lightgcn.LightGCN, lightgcn.NGCF])
def test_graph_models_learn_the_planted_structure(cls, graph_split):
    fit, valid, train, test, nu, ni = graph_split
    model = cls(embedding_dim=16, num_layers=2, learning_rate=1e-2, epochs=30,
                batch_size=512, eval_every=5, seed=0).fit(train, nu, ni)
    ndcg = evaluation.evaluate(model, train, test).iloc[0]["ndcg@10"]
    pop = evaluation.evaluate(baselines.PopularityRecommender().fit(train, nu, ni),
                              train, test).iloc[0]["ndcg@10"]
    assert ndcg > pop + 0.05, (cls.__name__, ndcg, pop)
    scores = model.score(np.arange(3))
    assert scores.shape == (3, ni) and np.isfinite(scores).all()
    assert model.user_vectors([0, 1]).shape[0] == 2 and model.item_vectors().shape[0] == ni


def test_lightgcn_is_deterministic_under_a_seed(graph_split):
    fit, valid, train, test, nu, ni = graph_split
    make = lambda: lightgcn.LightGCN(embedding_dim=8, num_layers=2, epochs=3, seed=3).fit(
        fit, nu, ni)
    assert np.array_equal(make().score(np.arange(5)), make().score(np.arange(5)))
    with pytest.raises(KeyError, match="unknown user"):
        make().score(np.array([nu + 1]))
