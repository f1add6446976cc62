"""Exercises of notebook 08_graph_neural_networks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course.exercises._check import Verdict, Wrong, build_learner_model, run_check
from rec_course.exercises._check import to_numpy as _numpy

TOY = pd.DataFrame({"user_id": [0, 0, 1, 1, 1, 3], "item_id": [0, 2, 0, 1, 2, 1],
                    "rating": 4.0, "timestamp": 0})
"""4 users (user 2 has no item), 4 items (item 3 has no user)."""
TOY_USERS, TOY_ITEMS = 4, 4


def check_normalized_adjacency(adjacency_fn) -> Verdict:
    """Exercise 1: ``adjacency_fn(train, num_users, num_items) -> A_hat`` (N, N), dense or
    SciPy, with N = num_users + num_items, node ``num_users + i`` for item i and
    ``A_hat = D^-1/2 A D^-1/2``, ``A = [[0, R], [R^T, 0]]``; nodes without edges keep zero
    rows."""
    def body():
        from rec_course.data.graph import normalized_adjacency

        out = adjacency_fn(TOY.copy(), TOY_USERS, TOY_ITEMS)
        if out is None:
            raise NotImplementedError
        got = _numpy(out).astype(float)
        n = TOY_USERS + TOY_ITEMS
        if got.shape != (n, n):
            raise Wrong(f"A_hat joins users and items in one graph of num_users + num_items "
                        f"= {n} nodes: expected shape ({n}, {n}), got {got.shape}. (Shape "
                        f"{(TOY_USERS, TOY_ITEMS)} is R alone.)")
        if np.isnan(got).any() or np.isinf(got).any():
            raise Wrong("A_hat has NaN or inf entries: user 2 and item 3 have degree 0, and "
                        "1 / sqrt(0) is inf. Give isolated nodes 0 instead "
                        "(np.where(degree > 0, degree, 1) ** -0.5, or mask them).")
        want = normalized_adjacency(TOY, TOY_USERS, TOY_ITEMS).toarray()
        if np.allclose(got, want, atol=1e-6):
            print(f"A_hat: all {n * n} entries match on a graph with an isolated user and item")
            return
        if not np.allclose(got, got.T, atol=1e-6):
            if np.abs(got[:TOY_USERS, :TOY_USERS]).sum() == 0 and np.abs(
                    got[TOY_USERS:, TOY_USERS:]).sum() == 0 and (
                    np.abs(got[TOY_USERS:, :TOY_USERS]).sum() == 0
                    or np.abs(got[:TOY_USERS, TOY_USERS:]).sum() == 0):
                raise Wrong("only one triangle is filled: an edge (u, i) joins node u and "
                            "node num_users + i both ways, so A = [[0, R], [R^T, 0]] is "
                            "symmetric.")
            raise Wrong("A_hat must be symmetric: D^-1/2 A D^-1/2 divides entry (u, i) by "
                        "sqrt(deg(u) * deg(i)). Dividing each row by its degree (D^-1 A) "
                        "gives a random-walk matrix, not the symmetric normalization.")
        binary = (want != 0).astype(float)
        if np.allclose(got, binary):
            raise Wrong("A_hat is the plain adjacency A: divide entry (u, i) by "
                        "sqrt(deg(u) * deg(i)), the degrees counted in train.")
        if np.abs(np.diag(got)).sum() > 0:
            raise Wrong("the diagonal is not zero: LightGCN and NGCF propagate over A "
                        "without self-loops (no identity added before normalizing).")
        if (got != 0).sum() != (want != 0).sum() or ((got != 0) != (want != 0)).any():
            raise Wrong("the edges are in the wrong places: item i is node num_users + i, "
                        "and each (user, item) row of train is one edge.")
        u, v = np.argwhere(~np.isclose(got, want, atol=1e-6))[0]
        raise Wrong(f"entry ({u}, {v}) is {got[u, v]:.4f}, expected {want[u, v]:.4f} = 1 / "
                    f"sqrt(deg({u}) deg({v})) with degrees {binary.sum(1).astype(int).tolist()}.")
    return run_check("the normalized adjacency by hand", body)


def _toy_adjacency() -> np.ndarray:
    from rec_course.data.graph import normalized_adjacency

    return normalized_adjacency(TOY, TOY_USERS, TOY_ITEMS).toarray().astype(np.float32)


def check_lightgcn_model(model_class) -> Verdict:
    """Exercise 2: ``model_class(adjacency, num_nodes, embedding_dim, num_layers)``, a
    ``keras.Model`` whose one weight is an ego embedding table (num_nodes, embedding_dim)
    and whose ``call(node_ids)`` (batch,) returns the LightGCN embeddings (batch,
    embedding_dim): the mean of ``E^(0) = ego`` and ``E^(l+1) = A_hat E^(l)`` for
    l < num_layers, rows ``node_ids``."""
    def body():
        from keras import ops

        adjacency = _toy_adjacency()
        n, dim = adjacency.shape[0], 5
        signature = "adjacency, num_nodes, embedding_dim, num_layers"
        model = build_learner_model(model_class, ops.convert_to_tensor(adjacency), n, dim, 3,
                                    signature=signature)
        ids = np.array([0, 5, 2, 7, 1], np.int32)
        try:
            out = model(ids)
        except AttributeError as e:
            if "base_dtype" not in str(e):
                raise
            raise Wrong("ops.stack (or ops.concatenate) was given the Embedding's variable "
                        "(self.ego.embeddings), which it cannot take: get the table as a "
                        "tensor by calling the layer on every id, self.ego(ops.arange("
                        "num_nodes)).") from None
        if out is None:
            raise NotImplementedError
        tables = [w for w in model.weights if tuple(w.shape) == (n, dim)]
        if len(tables) != 1:
            raise Wrong(f"keep one ego table of shape ({n}, {dim}) (a keras.layers.Embedding"
                        f" of num_nodes rows); the model has weights "
                        f"{[tuple(w.shape) for w in model.weights]}.")
        others = [tuple(w.shape) for w in model.trainable_weights if w is not tables[0]]
        if others:
            raise Wrong(f"LightGCN has no weights besides the ego embeddings (no Dense "
                        f"layers, no biases): found trainable weights of shapes {others}.")
        rng = np.random.default_rng(0)
        e0 = rng.normal(size=(n, dim)).astype(np.float32)
        tables[0].assign(e0)
        got = _numpy(model(ids))
        if got.shape != (len(ids), dim):
            raise Wrong(f"call(node_ids) returns one row per id: shape ({len(ids)}, {dim}) "
                        f"expected, got {got.shape}. Compute the whole table, then "
                        f"ops.take(table, node_ids, axis=0).")
        layers_ = [e0]
        for _ in range(3):
            layers_.append(adjacency @ layers_[-1])
        want = np.mean(layers_, axis=0)[ids]
        if np.allclose(got, want, atol=1e-5):
            zero = build_learner_model(model_class, ops.convert_to_tensor(adjacency), n, dim, 0,
                                       signature=signature)
            zero(ids)
            table = [w for w in zero.weights if tuple(w.shape) == (n, dim)][0]
            table.assign(e0)
            if not np.allclose(_numpy(zero(ids)), e0[ids], atol=1e-5):
                raise Wrong("with num_layers=0 the model must return the ego embeddings "
                            "themselves (the mean of one layer, E^(0)).")
            print("LightGCN embeddings: the mean of E^(0)..E^(3) for every id, and E^(0) "
                  "alone with 0 layers")
            return
        if np.allclose(got, layers_[-1][ids], atol=1e-5):
            raise Wrong("you return the last layer E^(3) only: LightGCN averages every layer "
                        "E^(0), E^(1), .., E^(L), the ego embeddings included.")
        if np.allclose(got, np.mean(layers_[1:], axis=0)[ids], atol=1e-5):
            raise Wrong("the ego embeddings E^(0) are missing from the mean: average "
                        "num_layers + 1 tables.")
        if np.allclose(got, np.sum(layers_, axis=0)[ids], atol=1e-5):
            raise Wrong("you sum the layers: LightGCN takes their mean (divide by "
                        "num_layers + 1), so the scale does not grow with depth.")
        if np.allclose(got, np.mean(layers_, axis=0)[np.arange(len(ids))], atol=1e-5):
            raise Wrong("the rows do not follow node_ids: take rows node_ids of the final "
                        "table, not its first len(node_ids) rows.")
        raise Wrong("the output differs from mean(E^(0), A_hat E^(0), A_hat^2 E^(0), A_hat^3 "
                    "E^(0)): multiply by the adjacency (ops.matmul(adjacency, e)) once per "
                    "layer, starting from the ego table.")
    return run_check("LightGCN as a Keras model", body)


def check_layer_combination(combine_fn) -> Verdict:
    """Exercise 3: ``combine_fn(layer_embeddings, alphas=None) -> (N, d)``: the weighted sum
    ``sum_k alphas[k] * layer_embeddings[k]`` of a list of (N, d) tables; ``alphas=None``
    means the plain mean (LightGCN's alpha_k = 1 / (L + 1)); a list of alphas whose length
    is not the number of layers raises ``ValueError``."""
    def body():
        rng = np.random.default_rng(3)
        tables = [rng.normal(size=(6, 4)).astype(np.float32) for _ in range(4)]
        out = combine_fn(tables)
        if out is None:
            raise NotImplementedError
        got = _numpy(out)
        if got.shape != (6, 4):
            raise Wrong(f"combine the tables element by element: shape (6, 4) expected for "
                        f"4 tables of (6, 4), got {got.shape}.")
        if np.allclose(got, np.sum(tables, axis=0), atol=1e-5):
            raise Wrong("alphas=None must give the mean (1 / (L + 1) each), not the sum.")
        if not np.allclose(got, np.mean(tables, axis=0), atol=1e-5):
            raise Wrong("alphas=None must give the mean of the tables.")
        alphas = [0.0, 0.0, 0.0, 1.0]
        if not np.allclose(_numpy(combine_fn(tables, alphas)), tables[3], atol=1e-5):
            raise Wrong("alphas [0, 0, 0, 1] must return the last table: weight table k by "
                        "alphas[k].")
        alphas = [0.5, 0.2, 0.2, 0.1]
        want = sum(a * t for a, t in zip(alphas, tables))
        if not np.allclose(_numpy(combine_fn(tables, alphas)), want, atol=1e-5):
            raise Wrong("with alphas [0.5, 0.2, 0.2, 0.1] the result should be "
                        "sum_k alphas[k] * table_k.")
        try:
            combine_fn(tables, [0.5, 0.5])
        except ValueError:
            pass
        except Exception as e:  # noqa: BLE001
            raise Wrong(f"2 alphas for 4 tables should raise ValueError naming the problem; "
                        f"it raised {type(e).__name__}.") from None
        else:
            raise Wrong("2 alphas for 4 tables must raise ValueError (a silent zip would "
                        "drop two layers).")
        print("layer combination: the mean by default, any alphas, and a clear error")
    return run_check("the layer combination", body)
