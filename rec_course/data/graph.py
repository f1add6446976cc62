"""The user-item graph of a train split, for the graph models of notebook 08.

Users and items are the nodes of one bipartite graph: node ``u`` is user ``u`` and node
``num_users + i`` is item ``i``; an edge joins a user and every item of theirs in train.
Graph convolutions (NGCF, LightGCN) multiply the node embeddings by the symmetric-
normalized adjacency

    A_hat = D^-1/2 A D^-1/2,    A = [[0, R], [R^T, 0]],

with R the (num_users, num_items) binary train matrix and D the diagonal of node
degrees: entry (u, i) of A_hat is 1 / sqrt(deg(u) deg(i)). A node without an edge (a
user or item absent from train) keeps an all-zero row and column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.data.sparse import interaction_matrix


def bipartite_adjacency(train: pd.DataFrame, num_users: int, num_items: int) -> sp.csr_matrix:
    """A = [[0, R], [R^T, 0]]: (num_users + num_items, num_users + num_items) float32 CSR,
    symmetric, one 1 per (user, item) edge of ``train`` in each triangle."""
    r = interaction_matrix(train, num_users, num_items)  # checks ids and emptiness
    return sp.bmat([[None, r], [r.T, None]], format="csr",
                   dtype=np.float32)


def normalized_adjacency(train: pd.DataFrame, num_users: int, num_items: int, *,
                         self_loops: bool = False) -> sp.csr_matrix:
    """A_hat = D^-1/2 (A [+ I]) D^-1/2 of the train graph.

    Args:
        train: indexed interactions (user_id < num_users, item_id < num_items).
        self_loops: add the identity before normalizing (GCN's renormalization; LightGCN
            and NGCF's propagation use the plain A).

    Returns:
        (num_users + num_items, num_users + num_items) float32 CSR, symmetric, sorted
        indices. Isolated nodes have all-zero rows.
    """
    a = bipartite_adjacency(train, num_users, num_items)
    if self_loops:
        a = (a + sp.identity(a.shape[0], dtype=np.float32, format="csr")).tocsr()
    degree = np.asarray(a.sum(axis=1)).ravel()
    inv_sqrt = np.zeros_like(degree)
    inv_sqrt[degree > 0] = 1.0 / np.sqrt(degree[degree > 0])
    d = sp.diags(inv_sqrt.astype(np.float32))
    out = (d @ a @ d).tocsr().astype(np.float32)
    out.sort_indices()
    return out


def to_sparse_tensor(matrix: sp.spmatrix):
    """A SciPy sparse matrix as a ``tf.SparseTensor`` (float32, canonical order), which
    ``keras.ops.matmul`` multiplies with a dense tensor on the TensorFlow backend."""
    import tensorflow as tf

    coo = sp.coo_matrix(matrix)
    order = np.lexsort((coo.col, coo.row))
    indices = np.stack([coo.row[order], coo.col[order]], axis=1).astype(np.int64)
    return tf.SparseTensor(indices, coo.data[order].astype(np.float32), coo.shape)


DENSE_MAX_NODES = 8192
"""Graphs up to this many nodes are propagated with a dense adjacency (8192 nodes: 256 MB
of float32). On a 2-core CPU with TensorFlow, one LightGCN training step on MovieLens-100K
(2,625 nodes, 150k non-zeros, 3 layers, dimension 64) took 104-129 ms with a
``tf.SparseTensor`` and 50-66 ms with the dense matrix: the sparse kernel and its
gradient do not use the cores well at this size."""


def to_tensor(matrix: sp.spmatrix, *, dense: bool | None = None):
    """The adjacency as a tensor ``keras.ops.matmul`` takes: dense float32 (N, N) when
    ``dense`` (default: N <= :data:`DENSE_MAX_NODES`), else :func:`to_sparse_tensor`."""
    from keras import ops

    if dense is None:
        dense = matrix.shape[0] <= DENSE_MAX_NODES
    if dense:
        return ops.convert_to_tensor(np.asarray(matrix.toarray(), np.float32))
    return to_sparse_tensor(matrix)
