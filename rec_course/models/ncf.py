"""Neural collaborative filtering (He et al. 2017): GMF, MLP and NeuMF, in Keras.

    GMF:   y = sigmoid(h . (p_u * q_i))
    MLP:   y = sigmoid(w . MLP([p_u, q_i]))
    NeuMF: y = sigmoid(h . [p_u^G * q_i^G, MLP([p_u^M, q_i^M])])

Trained on binary cross-entropy with ``num_negatives`` uniformly sampled negatives per
positive, re-sampled every epoch. NeuMF can start from pretrained GMF and MLP weights
(the paper's initialisation, with the two output layers mixed by ``alpha`` = 0.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sampling import sample_negatives
from rec_course.models.training import KerasRecommender, interactions

KINDS = ("gmf", "mlp", "neumf")


@keras.saving.register_keras_serializable(package="rec_course")
class NCFModel(keras.Model):
    """Inputs (user_ids (batch,), item_ids (batch,)) -> logits (batch,).

    Args:
        num_users, num_items: table sizes.
        kind: ``"gmf"``, ``"mlp"`` or ``"neumf"``.
        embedding_dim: GMF embedding size (the GMF branch outputs this many features).
        mlp_layers: sizes of the MLP tower, e.g. (64, 32, 16): its input is two
            embeddings of mlp_layers[0] // 2 each, its hidden layers are mlp_layers[1:],
            so the MLP branch outputs mlp_layers[-1] features.
        l2: L2 weight on looked-up embeddings.
        seed: initializer seed.
    """

    def __init__(self, num_users: int, num_items: int, kind: str = "neumf",
                 embedding_dim: int = 16, mlp_layers: tuple[int, ...] = (64, 32, 16),
                 l2: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.num_users, self.num_items, self.kind = num_users, num_items, kind
        self.embedding_dim, self.mlp_layers = embedding_dim, tuple(mlp_layers)
        self.l2, self.seed = l2, seed
        init = lambda s: keras.initializers.RandomNormal(stddev=0.01, seed=seed + s)  # noqa: E731
        if kind in ("gmf", "neumf"):
            self.gmf_user = layers.Embedding(num_users, embedding_dim, embeddings_initializer=init(0))
            self.gmf_item = layers.Embedding(num_items, embedding_dim, embeddings_initializer=init(1))
        if kind in ("mlp", "neumf"):
            half = self.mlp_layers[0] // 2
            self.mlp_user = layers.Embedding(num_users, half, embeddings_initializer=init(2))
            self.mlp_item = layers.Embedding(num_items, half, embeddings_initializer=init(3))
            self.tower = [layers.Dense(units, activation="relu",
                                       kernel_initializer=keras.initializers.GlorotUniform(seed + 4 + n))
                          for n, units in enumerate(self.mlp_layers[1:])]
        self.out = layers.Dense(1, kernel_initializer=keras.initializers.LecunUniform(seed + 20))

    def branches(self, users, items):
        """The vectors fed to the output layer: list of (batch, d) tensors."""
        parts, penalty = [], 0.0
        if self.kind in ("gmf", "neumf"):
            p, q = self.gmf_user(users), self.gmf_item(items)
            parts.append(p * q)  # (batch, embedding_dim)
            penalty = penalty + ops.mean(ops.sum(p * p + q * q, -1))
        if self.kind in ("mlp", "neumf"):
            p, q = self.mlp_user(users), self.mlp_item(items)
            h = ops.concatenate([p, q], axis=-1)  # (batch, mlp_layers[0])
            for dense in self.tower:
                h = dense(h)
            parts.append(h)  # (batch, mlp_layers[-1])
            penalty = penalty + ops.mean(ops.sum(p * p + q * q, -1))
        if self.l2:
            self.add_loss(self.l2 * penalty)
        return parts

    def call(self, inputs):
        users, items = inputs
        parts = self.branches(users, items)
        h = parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)
        return ops.squeeze(self.out(h), -1)  # logits (batch,)

    def score_grid(self, users, items):
        """Logits (len(users), len(items)) of every (user, item) pair, the numbers ``call``
        gives pair by pair, through the same layers. The first tower layer is applied to the
        user and the item halves of the concatenation separately and the two results are
        broadcast-added ([p; q] W = p W_user + q W_item), which skips most of the work of
        running the tower on every pair; the penalty of ``branches`` is not added."""
        parts = []
        if self.kind in ("gmf", "neumf"):
            p, q = self.gmf_user(users), self.gmf_item(items)  # (U, d), (I, d)
            parts.append(p[:, None, :] * q[None, :, :])  # (U, I, d)
        if self.kind in ("mlp", "neumf"):
            p, q = self.mlp_user(users), self.mlp_item(items)  # (U, h), (I, h)
            first, half = self.tower[0], self.mlp_layers[0] // 2
            kernel = first.kernel  # (2h, units): rows of p, then rows of q
            h = first.activation(ops.matmul(p, kernel[:half])[:, None, :]
                                 + ops.matmul(q, kernel[half:])[None, :, :]
                                 + first.bias)  # (U, I, units)
            for dense in self.tower[1:]:
                h = dense(h)
            parts.append(h)  # (U, I, mlp_layers[-1])
        h = parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)
        return ops.squeeze(self.out(h), -1)  # (U, I)

    def get_config(self):
        return {**super().get_config(), "num_users": self.num_users,
                "num_items": self.num_items, "kind": self.kind,
                "embedding_dim": self.embedding_dim, "mlp_layers": list(self.mlp_layers),
                "l2": self.l2, "seed": self.seed}


def load_pretrained(neumf: NCFModel, gmf: NCFModel, mlp: NCFModel, alpha: float = 0.5) -> None:
    """Initialise a NeuMF from trained GMF and MLP models (He et al. 2017, section 3.4.1)."""
    if (neumf.kind, gmf.kind, mlp.kind) != ("neumf", "gmf", "mlp"):
        raise ValueError("load_pretrained(neumf, gmf, mlp) needs models of those kinds")
    neumf.gmf_user.set_weights(gmf.gmf_user.get_weights())
    neumf.gmf_item.set_weights(gmf.gmf_item.get_weights())
    neumf.mlp_user.set_weights(mlp.mlp_user.get_weights())
    neumf.mlp_item.set_weights(mlp.mlp_item.get_weights())
    for a, b in zip(neumf.tower, mlp.tower):
        a.set_weights(b.get_weights())
    (wg, bg), (wm, bm) = gmf.out.get_weights(), mlp.out.get_weights()
    neumf.out.set_weights([np.concatenate([alpha * wg, (1 - alpha) * wm]),
                           alpha * bg + (1 - alpha) * bm])


class NCF(KerasRecommender):
    """GMF / MLP / NeuMF with the course's recommender interface.

    Args:
        kind, embedding_dim, mlp_layers, l2: model hyperparameters (see :class:`NCFModel`).
        num_negatives: sampled negatives per positive, re-sampled each epoch.
        learning_rate, epochs, batch_size: Adam training (SGD when fine-tuning a
            pretrained NeuMF, as in the paper).
        patience, eval_every, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender` (validation: nDCG@k).
        pretrained: for ``kind="neumf"``, a (gmf, mlp) pair of fitted NCF recommenders
            to initialise from (their fit time is not in ``train_seconds``; add it).
        alpha: with ``pretrained``, the weight of the GMF output layer in NeuMF's
            (1 - alpha for the MLP's), in [0, 1]; the paper uses 0.5.
        jit_compile, steps_per_execution: XLA for the training step and 128 steps per call
            into TensorFlow, the defaults here: on a 2-core CPU, XLA trains GMF about 35%
            and the 256-128-64 tower about 25% faster per epoch, and 128 steps per call
            (instead of 32) GMF another 20% (``make benchmark-training``); the numbers are
            the same run to run, and the same for any ``steps_per_execution``.
    """

    def __init__(self, kind: str = "neumf", embedding_dim: int = 16,
                 mlp_layers: tuple[int, ...] = (64, 32, 16), l2: float = 0.0,
                 num_negatives: int = 4, learning_rate: float = 1e-3, epochs: int = 20,
                 batch_size: int = 1024, patience: int | None = 3, eval_every: int = 1,
                 pretrained: tuple["NCF", "NCF"] | None = None, alpha: float = 0.5,
                 jit_compile: bool | str = True, steps_per_execution: int = 128,
                 seed: int = 0, **training):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if num_negatives <= 0:
            raise ValueError(f"num_negatives must be positive, got {num_negatives}")
        if pretrained is not None and kind != "neumf":
            raise ValueError("pretrained weights apply to kind='neumf' only")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, eval_every=eval_every, jit_compile=jit_compile,
                         steps_per_execution=steps_per_execution, seed=seed, **training)
        self.kind, self.embedding_dim, self.mlp_layers, self.l2 = kind, embedding_dim, mlp_layers, l2
        self.num_negatives, self.pretrained, self.alpha = num_negatives, pretrained, alpha

    def prepare(self, train: pd.DataFrame) -> None:
        self._users, self._pos = interactions(train)
        n, n_neg = len(self._users), self.num_negatives
        self._all_users = np.concatenate([self._users, np.repeat(self._users, n_neg)])
        self._labels = np.concatenate([np.ones(n), np.zeros(n * n_neg)]).astype(np.float32)

    def build_model(self) -> keras.Model:
        model = NCFModel(self.num_users, self.num_items, self.kind, self.embedding_dim,
                         self.mlp_layers, self.l2, self.seed)
        model((np.zeros(1, np.int32), np.zeros(1, np.int32)))  # build the weights
        if self.pretrained is not None:
            gmf, mlp = self.pretrained
            load_pretrained(model, gmf.model, mlp.model, self.alpha)
        return model

    def optimizer(self) -> keras.optimizers.Optimizer:
        if self.pretrained is not None:
            return keras.optimizers.SGD(self.learning_rate)  # as in the paper
        return keras.optimizers.Adam(self.learning_rate)

    def loss(self):
        return keras.losses.BinaryCrossentropy(from_logits=True)

    def epoch_data(self, epoch: int, seed: int):
        neg = sample_negatives(self.seen, self._users, self.num_negatives, seed=seed)
        items = np.concatenate([self._pos, neg.ravel().astype(np.int32)])
        return (self._all_users, items), self._labels

    def score(self, user_ids: np.ndarray, chunk: int = 128) -> np.ndarray:
        """Logits for every item: (len(user_ids), num_items), ``chunk`` users at a time."""
        users = self._check_users(user_ids).astype(np.int32)
        items = np.arange(self.num_items, dtype=np.int32)
        out = np.empty((len(users), self.num_items), dtype=np.float32)
        for s in range(0, len(users), chunk):
            out[s:s + chunk] = ops.convert_to_numpy(self.model.score_grid(users[s:s + chunk], items))
        return out

    def user_vectors(self, user_ids: np.ndarray | None = None) -> np.ndarray:
        """(n, d) the user's embeddings, GMF then MLP parts concatenated (NCF scores pass
        them through the network, not a dot product)."""
        users = (np.arange(self.num_users) if user_ids is None
                 else self._check_users(user_ids)).astype(np.int32)
        return self._vectors(users, "user")

    def item_vectors(self, item_ids: np.ndarray | None = None) -> np.ndarray:
        """(n, d) the item's embeddings, GMF then MLP parts concatenated."""
        self._check_fitted()
        items = (np.arange(self.num_items) if item_ids is None
                 else self._check_items(item_ids)).astype(np.int32)
        return self._vectors(items, "item")

    def _vectors(self, ids: np.ndarray, side: str) -> np.ndarray:
        parts = [getattr(self.model, f"{branch}_{side}")(ids)
                 for branch in ("gmf", "mlp") if hasattr(self.model, f"{branch}_{side}")]
        return np.concatenate([np.asarray(p, np.float32) for p in parts], axis=1)
