"""Graph collaborative filtering on the user-item graph: LightGCN and NGCF, in Keras.

Both start from one "ego" embedding per node (users, then items; see
:mod:`rec_course.data.graph`) and propagate it over the normalized adjacency A_hat:

- **LightGCN** (He et al. 2020): ``E^(l+1) = A_hat E^(l)``, no weights and no
  non-linearity; the final embedding is the mean of ``E^(0) .. E^(L)``.
- **NGCF** (Wang et al. 2019): ``E^(l+1) = LeakyReLU((A_hat E + E) W1 + (A_hat E * E) W2)``
  with dropout on the messages; the final embedding concatenates the L2-normalized
  layers.

Training is BPR (notebook 03): ``x_uij = e_u . e_i - e_u . e_j`` for a train item i and
a sampled item j, ``loss = softplus(-x_uij)`` plus L2 on the batch's *ego* embeddings.
Every training step propagates the whole graph (MovieLens-100K: 2,625 nodes, 150k
non-zeros), so the gradient reaches every node the batch's nodes listen to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.graph import normalized_adjacency, propagate, to_tensor
from rec_course.data.sampling import sample_negatives
from rec_course.models.bpr import bpr_loss
from rec_course.models.training import EmbeddingRecommender, interactions


class LightGCNConv(layers.Layer):
    """One LightGCN propagation: ``(adjacency, E (N, d)) -> A_hat E (N, d)``.
    No weights: each node's new vector is the degree-normalized sum of its neighbours'.
    ``adjacency``: A_hat (N, N) or its user-item block (see :func:`propagate`)."""

    def call(self, adjacency, embeddings):
        return propagate(adjacency, embeddings)


class GraphBPRModel(keras.Model):
    """Inputs ``(user_ids, pos_item_ids, neg_item_ids)``, each (batch,) -> x_uij (batch,).

    Subclasses define :meth:`propagate` ``() -> (num_users + num_items, d')``.

    Args:
        adjacency: the (N, N) SciPy normalized adjacency of the train graph.
        num_users, num_items: node counts (N = num_users + num_items).
        embedding_dim: size of the ego embeddings.
        num_layers: propagation layers (0: plain matrix factorization with BPR).
        l2: weight of the L2 penalty on the batch's ego embeddings (mean over the batch).
        seed: initializer (and dropout) seed.
        dense_adjacency: multiply by the dense user-item block of the adjacency (default:
            small graphs, see :func:`rec_course.data.graph.to_tensor`) or by the (N, N)
            ``tf.SparseTensor``.
    """

    def __init__(self, adjacency, num_users: int, num_items: int, embedding_dim: int = 64,
                 num_layers: int = 3, l2: float = 1e-4, seed: int = 0,
                 dense_adjacency: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        n = num_users + num_items
        if adjacency.shape != (n, n):
            raise ValueError(f"adjacency must be ({n}, {n}) for {num_users} users and "
                             f"{num_items} items, got {adjacency.shape}")
        if num_layers < 0:
            raise ValueError(f"num_layers must be >= 0, got {num_layers}")
        self.num_users, self.num_items = num_users, num_items
        self.embedding_dim, self.num_layers, self.l2 = embedding_dim, num_layers, l2
        self._adjacency = to_tensor(adjacency, dense=dense_adjacency, num_users=num_users)
        self.ego = layers.Embedding(n, embedding_dim, name="ego", embeddings_initializer=
                                    keras.initializers.RandomNormal(stddev=0.1, seed=seed))
        self.ego.build((None,))

    def build(self, input_shape=None):
        """Nothing to build from the inputs: the ego table is built in ``__init__`` and
        NGCF's ``Dense`` layers on their first call."""
        self.built = True

    def propagate(self, training: bool = False):
        raise NotImplementedError

    def call(self, inputs, training=False):
        users, pos, neg = (ops.cast(x, "int32") for x in inputs)
        final = self.propagate(training=training)                       # (N, d')
        pos, neg = pos + self.num_users, neg + self.num_users           # item node ids
        u, i, j = (ops.take(final, ids, axis=0) for ids in (users, pos, neg))  # (batch, d')
        if self.l2:
            e = self.ego.embeddings
            ego = [ops.take(e, ids, axis=0) for ids in (users, pos, neg)]
            self.add_loss(self.l2 * ops.mean(sum(ops.sum(x * x, axis=-1) for x in ego)))
        return ops.sum(u * (i - j), axis=-1)


class LightGCNModel(GraphBPRModel):
    """LightGCN: the mean of the ego embeddings and their ``num_layers`` propagations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conv = LightGCNConv()

    def layer_embeddings(self) -> list:
        """``[E^(0), .., E^(L)]``, each (N, d)."""
        out = [self.ego.embeddings.value]  # the backend variable (ops.stack needs a tensor)
        for _ in range(self.num_layers):
            out.append(self.conv(self._adjacency, out[-1]))
        return out

    def propagate(self, training: bool = False):
        layers_ = self.layer_embeddings()
        return ops.mean(ops.stack(layers_, axis=0), axis=0)              # (N, d)


class NGCFConv(layers.Layer):
    """One NGCF layer: ``LeakyReLU((A_hat E + E) W1 + (A_hat E * E) W2)``, then message
    dropout: (adjacency, E (N, d)) -> (N, d_out)."""

    def __init__(self, units: int, dropout: float = 0.1, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        init = keras.initializers.GlorotUniform
        self.w1 = layers.Dense(units, kernel_initializer=init(seed=seed))
        self.w2 = layers.Dense(units, kernel_initializer=init(seed=seed + 1))
        self.drop = layers.Dropout(dropout, seed=seed)

    def call(self, adjacency, embeddings, training=False):
        neighbours = propagate(adjacency, embeddings)                   # A_hat E
        x = self.w1(neighbours + embeddings) + self.w2(neighbours * embeddings)
        return self.drop(ops.leaky_relu(x, 0.2), training=training)


class NGCFModel(GraphBPRModel):
    """NGCF: ``num_layers`` weighted layers; the final embedding concatenates the
    L2-normalized layer outputs (N, d * (num_layers + 1))."""

    def __init__(self, adjacency, num_users: int, num_items: int, embedding_dim: int = 64,
                 num_layers: int = 3, l2: float = 1e-4, seed: int = 0, dropout: float = 0.1,
                 **kwargs):
        super().__init__(adjacency, num_users, num_items, embedding_dim, num_layers, l2, seed,
                         **kwargs)  # dense_adjacency passes through kwargs
        self.convs = [NGCFConv(self.embedding_dim, dropout, seed=seed + 10 * k)
                      for k in range(self.num_layers)]

    def propagate(self, training: bool = False):
        e = self.ego.embeddings
        out = [e]
        for conv in self.convs:
            e = conv(self._adjacency, e, training=training)
            out.append(e / ops.maximum(ops.norm(e, axis=-1, keepdims=True), 1e-12))
        return ops.concatenate(out, axis=-1)


class GraphRecommender(EmbeddingRecommender):
    """A graph model trained with BPR; scores are dot products of propagated embeddings.

    Args:
        embedding_dim, num_layers, l2: the model (see :class:`GraphBPRModel`).
        learning_rate, epochs, batch_size, patience, eval_every, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender` (validation: nDCG@k).

    After fit: ``adjacency`` (the train graph's A_hat, SciPy CSR), ``history``,
    ``train_seconds``.
    """

    model_class: type = GraphBPRModel

    def __init__(self, embedding_dim: int = 64, num_layers: int = 3, l2: float = 1e-4,
                 learning_rate: float = 1e-3, epochs: int = 200, batch_size: int = 2048,
                 patience: int | None = 3, eval_every: int = 10, seed: int = 0, **training):
        if embedding_dim <= 0 or num_layers < 0 or l2 < 0:
            raise ValueError(f"need embedding_dim > 0, num_layers >= 0 and l2 >= 0; got "
                             f"{embedding_dim}, {num_layers}, {l2}")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, eval_every=eval_every, seed=seed, **training)
        self.embedding_dim, self.num_layers, self.l2 = embedding_dim, num_layers, l2

    def prepare(self, train: pd.DataFrame) -> None:
        self.adjacency = normalized_adjacency(train, self.num_users, self.num_items)
        self._users, self._pos = interactions(train)
        self._labels = np.zeros(len(self._users), np.float32)  # unused by the loss

    def model_kwargs(self) -> dict:
        return {}

    def build_model(self) -> keras.Model:
        return self.model_class(self.adjacency, self.num_users, self.num_items,
                                self.embedding_dim, self.num_layers, self.l2, self.seed,
                                **self.model_kwargs())

    def loss(self):
        return bpr_loss

    def epoch_data(self, epoch: int, seed: int):
        neg = sample_negatives(self.seen, self._users, 1, seed=seed)[:, 0].astype(np.int32)
        return (self._users, self._pos, neg), self._labels

    # ------------------------------------------------------------------ scoring
    def node_embeddings(self) -> np.ndarray:
        """(num_users + num_items, d') final (propagated) embeddings: users, then items."""
        self._check_fitted()
        return np.asarray(self.model.propagate(training=False), np.float32)

    def user_vectors(self, user_ids: np.ndarray | None = None) -> np.ndarray:
        """(n, d') propagated user vectors (default: every user)."""
        users = (np.arange(self.num_users) if user_ids is None
                 else self._check_users(user_ids))
        return self.node_embeddings()[:self.num_users][users]

    def item_vectors(self, item_ids: np.ndarray | None = None) -> np.ndarray:
        """(n, d') propagated item vectors (default: every item)."""
        self._check_fitted()
        items = np.arange(self.num_items) if item_ids is None else self._check_items(item_ids)
        return self.node_embeddings()[self.num_users:][items]

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """e_u . e_i for every item: (len(user_ids), num_items) float32 (one propagation)."""
        users = self._check_users(user_ids)
        nodes = self.node_embeddings()
        return (nodes[users] @ nodes[self.num_users:].T).astype(np.float32)


class LightGCN(GraphRecommender):
    """LightGCN (He et al. 2020) with BPR; ``num_layers=0`` is BPR-MF without biases."""

    model_class = LightGCNModel

    def layer_embeddings(self) -> list[np.ndarray]:
        """``[E^(0), .., E^(L)]`` of the fitted model, each (N, d): for the over-smoothing
        plot."""
        self._check_fitted()
        return [np.asarray(e, np.float32) for e in self.model.layer_embeddings()]


class NGCF(GraphRecommender):
    """NGCF (Wang et al. 2019) with BPR: LightGCN's propagation plus two weight matrices,
    a LeakyReLU and message dropout per layer.

    Args:
        dropout: message dropout of every layer.
        (the rest as :class:`GraphRecommender`)
    """

    model_class = NGCFModel

    def __init__(self, *, dropout: float = 0.1, **kwargs):
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        super().__init__(**kwargs)
        self.dropout = dropout

    def model_kwargs(self) -> dict:
        return {"dropout": self.dropout}
