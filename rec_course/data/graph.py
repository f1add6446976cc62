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
"""Graphs up to this many nodes are propagated with dense matrices (8192 nodes: at most
64 MB for the user-item block). On a 2-core CPU with TensorFlow, one LightGCN training
step on MovieLens-100K (2,625 nodes, 150k non-zeros, 3 layers, dimension 64) took
104-129 ms with a ``tf.SparseTensor`` and 50-66 ms with the dense (N, N) matrix; the
propagation alone (forward and gradient) took 35 ms with the dense (N, N) matrix and 16 ms
with the dense user-item block (:func:`propagate`): the sparse kernel and its gradient
do not use the cores well at this size, and half of the dense matrix is zeros."""


def to_tensor(matrix: sp.spmatrix, *, dense: bool | None = None, num_users: int | None = None):
    """The adjacency as a tensor :func:`propagate` takes.

    Args:
        matrix: the (N, N) normalized adjacency.
        dense: dense float32 (default: N <= :data:`DENSE_MAX_NODES`), else
            :func:`to_sparse_tensor` (N, N).
        num_users: with ``dense``, keep only the user-item block ``A_hat[:num_users,
            num_users:]`` (num_users, N - num_users): a bipartite graph has no user-user or
            item-item edges, so the block holds every edge in half the memory and
            multiplications.
    """
    from keras import ops

    if dense is None:
        dense = matrix.shape[0] <= DENSE_MAX_NODES
    if not dense:
        return to_sparse_tensor(matrix)
    if num_users is not None:
        if not 0 < num_users < matrix.shape[0]:
            raise ValueError(f"num_users must be in (0, {matrix.shape[0]}), got {num_users}")
        matrix = sp.csr_matrix(matrix)[:num_users, num_users:]
    return ops.convert_to_tensor(np.asarray(matrix.toarray(), np.float32))


def propagate(adjacency, embeddings):
    """One propagation ``A_hat E``: (N, d) -> (N, d).

    ``adjacency`` is the (N, N) A_hat (dense or ``tf.SparseTensor``) or its dense
    user-item block R_hat (num_users, num_items) with N = num_users + num_items; then
    ``A_hat E = [R_hat E_items ; R_hat^T E_users]`` (users take the mean-like sum of their
    items, items of their users)."""
    from keras import ops

    rows, cols = adjacency.shape
    if rows == cols == embeddings.shape[0]:
        return ops.matmul(adjacency, embeddings)
    if rows + cols != embeddings.shape[0]:
        raise ValueError(f"adjacency {tuple(adjacency.shape)} does not fit embeddings "
                         f"{tuple(embeddings.shape)}: need (N, N) or a (num_users, "
                         f"num_items) block with num_users + num_items = N")
    users, items = embeddings[:rows], embeddings[rows:]
    return ops.concatenate([ops.matmul(adjacency, items),
                            ops.matmul(ops.transpose(adjacency), users)], axis=0)
