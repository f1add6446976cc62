"""What the feature models of notebook 06 share: feature lookup inside the model, field
embeddings, hashed crosses, and the recommender that trains them on click examples.

A feature model's inputs are just ``(user_ids, item_ids)``: the model holds the feature
tables of :class:`~rec_course.features.FeatureSpec` as constant weights and gathers each
pair's features itself, so scoring every (user, item) pair of the catalogue is one
forward pass over id pairs, and new users are scored from their features alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sampling import sample_negatives
from rec_course.metrics import sigmoid
from rec_course.features.spec import OOV, PAD, FeatureSpec
from rec_course.models.training import KerasRecommender, interactions
from rec_course.schema import ITEM_ID, LABEL, RATING, USER_ID


class FeatureLookup(layers.Layer):
    """(user_ids (batch,), item_ids (batch,)) -> ``{field: (batch, length) int}`` plus
    ``{cross: (batch, length) int}`` hashed crosses (PAD where a part is padding).

    Args:
        spec: the fitted feature specification (its tables become constant weights).
        id_dropout: during training, replace the user and item id by OOV with this
            probability, so the OOV embedding learns what an unknown user or item looks
            like (cold start).
        seed: seed of the id dropout.
        crosses: False leaves the hashed crosses out (for models that do not use them).
    """

    def __init__(self, spec: FeatureSpec, id_dropout: float = 0.0, seed: int = 0, *,
                 crosses: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not crosses:  # a model that learns its own interactions needs no hashed crosses
            spec = FeatureSpec(spec.fields, [], spec.user_table, spec.item_table)
        self.spec, self.id_dropout = spec, id_dropout
        self.tables = {}
        for f in spec.fields:
            table = spec.table(f.name)
            self.tables[f.name] = self.add_weight(
                name=f"table_{f.name}", shape=table.shape, dtype="int32", trainable=False,
                initializer=keras.initializers.Constant(table))
        self.hashers = {c.name: layers.HashedCrossing(num_bins=c.bins)
                        for c in spec.crosses}
        self.sampler = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        users, items = inputs
        out = {}
        for f in self.spec.fields:
            ids = users if f.side == "user" else items
            out[f.name] = ops.take(self.tables[f.name], ops.cast(ids, "int32"), axis=0)
        if training and self.id_dropout > 0:
            for name in ("user", "item"):
                if name in out:
                    drop = keras.random.uniform(ops.shape(out[name]), seed=self.sampler)
                    out[name] = ops.where(drop < self.id_dropout, OOV, out[name])
        for c in self.spec.crosses:
            a, b = out[c.first], out[c.second]  # (batch, la), (batch, lb): one of them 1
            length = max(a.shape[-1], b.shape[-1])
            a = ops.broadcast_to(a, (ops.shape(a)[0], length))
            b = ops.broadcast_to(b, (ops.shape(b)[0], length))
            out[c.name] = ops.where((a == PAD) | (b == PAD), PAD,
                                    self.cross_bucket(c.name, a, b))
        return out

    def cross_bucket(self, name: str, a, b):
        """Buckets 1..bins of cross ``name`` for index arrays ``a``, ``b`` of the same
        shape (0 is left for padding)."""
        shape = ops.shape(a)
        flat = self.hashers[name]((ops.reshape(ops.cast(a, "int64"), (-1,)),
                                   ops.reshape(ops.cast(b, "int64"), (-1,))))
        return ops.reshape(ops.cast(flat, "int32"), shape) + 1


class FieldEmbedding(layers.Layer):
    """An embedding per field (and cross) value; a multi-valued field is the mean of its
    values' embeddings, padding ignored. Output: ``{name: (batch, dim)}``.

    All fields share one ``keras.layers.Embedding`` table (``table``), each field owning
    a block of rows from its offset: one lookup per batch instead of one per field, so
    the training graph stays small and is built fast. :meth:`field_table` reads a
    field's block.

    Args:
        sizes: ``{name: vocabulary size}``.
        dim: embedding size (``dim=1`` gives the per-feature weights of a linear model).
        l2: L2 weight on the looked-up embeddings: ``l2`` times the sum over fields of
            the batch mean of the field's squared norm (a multi-valued field: the mean
            squared norm of its values, so each value is penalised, not only their mean).
        seed: initializer seed.
        stddev: standard deviation of the initial values (0: all zeros).
    """

    def __init__(self, sizes: dict[str, int], dim: int, l2: float = 0.0, seed: int = 0,
                 stddev: float = 0.01, **kwargs):
        super().__init__(**kwargs)
        if not sizes:
            raise ValueError("FieldEmbedding needs at least one field")
        self.sizes, self.dim, self.l2 = dict(sizes), dim, l2
        self.names = list(self.sizes)
        self.offsets = dict(zip(self.names, np.cumsum([0] + list(self.sizes.values()))[:-1]
                                .tolist()))
        self.table = layers.Embedding(
            int(sum(self.sizes.values())), dim, name="emb",
            embeddings_initializer=keras.initializers.RandomNormal(stddev=stddev, seed=seed))

    def call(self, features):
        parts = [ops.cast(features[n], "int32") for n in self.names]   # (batch, length_f)
        lengths = [p.shape[-1] for p in parts]
        idx = ops.concatenate([p + self.offsets[n] for n, p in zip(self.names, parts)],
                              axis=1)                                   # (batch, L)
        mask = ops.cast(ops.concatenate([ops.not_equal(p, PAD) for p in parts], axis=1),
                        self.compute_dtype)[..., None]                  # (batch, L, 1)
        vectors = self.table(idx) * mask                                # (batch, L, dim)
        out, penalty, start = {}, 0.0, 0
        for name, length in zip(self.names, lengths):
            v, m = vectors[:, start:start + length], mask[:, start:start + length]
            count = ops.maximum(ops.sum(m, axis=1), 1.0)                # (batch, 1)
            out[name] = ops.sum(v, axis=1) / count if length > 1 else v[:, 0]
            if self.l2:
                penalty = penalty + ops.mean(ops.sum(ops.square(v), axis=(1, 2)) / count[:, 0])
            start += length
        if self.l2:
            self.add_loss(self.l2 * penalty)
        return out

    def field_table(self, name: str) -> np.ndarray:
        """(size, dim) embeddings of every value of field ``name`` (row = index)."""
        if name not in self.sizes:
            raise KeyError(f"unknown field {name!r}; fields: {self.names}")
        start = self.offsets[name]
        return np.asarray(self.table.embeddings)[start:start + self.sizes[name]]


def field_sizes(spec: FeatureSpec, *, crosses: bool = True) -> dict[str, int]:
    """``{name: vocabulary size}`` of every field (and cross, +1 for PAD)."""
    sizes = {f.name: f.vocab_size for f in spec.fields}
    if crosses:
        sizes.update({c.name: c.bins + 1 for c in spec.crosses})
    return sizes


def mlp(units: tuple[int, ...], seed: int, dropout: float = 0.0) -> list[layers.Layer]:
    """Dense ReLU layers (with optional dropout after each)."""
    out = []
    for n, u in enumerate(units):
        out.append(layers.Dense(u, activation="relu",
                                kernel_initializer=keras.initializers.GlorotUniform(seed + n)))
        if dropout:
            out.append(layers.Dropout(dropout, seed=seed + 100 + n))
    return out


class FeatureRecommender(KerasRecommender):
    """Trains a feature model (``build_model`` from a subclass) on click examples: every
    train rating >= ``threshold`` is a positive, paired with ``num_negatives`` uniformly
    sampled items the user has not rated (re-sampled each epoch), binary cross-entropy.

    Args:
        spec: the :class:`~rec_course.features.FeatureSpec` (fitted on train).
        num_negatives, threshold: the click task.
        id_dropout: see :class:`FeatureLookup`.
        validation: what early stopping watches on the ``valid`` split: ``"auc"`` (the
            click task's AUC on :func:`~rec_course.features.click_examples` of valid, one
            negative per positive, drawn once from items unobserved in train and valid)
            or ``"ranking"`` (nDCG@k over the full catalogue, the course's top-k protocol).
        learning_rate, epochs, batch_size, patience, eval_every, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender`.

    After fit, besides ``model``, ``history`` and ``train_seconds``: ``valid_examples``
    (the validation click examples, with ``validation="auc"``).
    """

    def __init__(self, spec: FeatureSpec, *, num_negatives: int = 1, threshold: float = 4.0,
                 id_dropout: float = 0.0, validation: str = "auc",
                 learning_rate: float = 1e-3, epochs: int = 30, batch_size: int = 1024,
                 patience: int | None = 3, eval_every: int = 1, seed: int = 0, **training):
        if not isinstance(spec, FeatureSpec):
            raise TypeError(f"spec must be a FeatureSpec, got {type(spec).__name__}")
        if num_negatives <= 0 or not 0 <= id_dropout < 1:
            raise ValueError("need num_negatives > 0 and 0 <= id_dropout < 1")
        if validation not in ("auc", "ranking"):
            raise ValueError(f"validation must be 'auc' or 'ranking', got {validation!r}")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, eval_every=eval_every, seed=seed, **training)
        self.spec, self.num_negatives, self.threshold = spec, num_negatives, threshold
        self.id_dropout, self.validation = id_dropout, validation

    @property
    def val_metric(self) -> str:
        return "val_auc" if self.validation == "auc" else super().val_metric

    def _validator(self, train: pd.DataFrame, valid: pd.DataFrame):
        if self.validation != "auc":
            return super()._validator(train, valid)
        from rec_course.features.spec import click_examples
        from rec_course.metrics import auc

        known = pd.concat([train[[USER_ID, ITEM_ID]], valid[[USER_ID, ITEM_ID]]])
        self.valid_examples = click_examples(valid, known, self.num_items,
                                             threshold=self.threshold, seed=self.seed + 70)
        users, items = examples_frame(self.valid_examples)
        labels = self.valid_examples[LABEL].to_numpy()
        return lambda: auc(labels, self.logits(users, items))

    def prepare(self, train: pd.DataFrame) -> None:
        if (self.spec.num_users, self.spec.num_items) != (self.num_users, self.num_items):
            raise ValueError(f"the spec has {self.spec.num_users} users x "
                             f"{self.spec.num_items} items, fit got {self.num_users} x "
                             f"{self.num_items}")
        pos = train[train[RATING] >= self.threshold] if RATING in train.columns else train
        if pos.empty:
            raise ValueError(f"no train rating >= {self.threshold}: no positive examples")
        self._users, self._pos = interactions(pos)
        n, k = len(self._users), self.num_negatives
        self._all_users = np.concatenate([self._users, np.repeat(self._users, k)])
        self._labels = np.concatenate([np.ones(n), np.zeros(n * k)]).astype(np.float32)

    def lookup(self, crosses: bool = True) -> FeatureLookup:
        return FeatureLookup(self.spec, self.id_dropout, self.seed + 50, crosses=crosses)

    def loss(self):
        return keras.losses.BinaryCrossentropy(from_logits=True)

    def epoch_data(self, epoch: int, seed: int):
        neg = sample_negatives(self.seen, self._users, self.num_negatives, seed=seed)
        items = np.concatenate([self._pos, neg.ravel().astype(np.int32)])
        return (self._all_users, items), self._labels

    def logits(self, user_ids, item_ids, chunk: int = 65536) -> np.ndarray:
        """Logits (n,) of (user, item) pairs (indices; new users are known by features)."""
        self._check_fitted()
        users = self._check_users(user_ids).astype(np.int32)
        items = self._check_items(item_ids).astype(np.int32)
        if len(users) != len(items):
            raise ValueError(f"{len(users)} user ids for {len(items)} item ids")
        out = [np.asarray(self.model.predict_on_batch((users[s:s + chunk], items[s:s + chunk])))
               for s in range(0, len(users), chunk)]
        return np.concatenate(out).astype(np.float32).reshape(-1)

    def predict_proba(self, user_ids, item_ids, *, negatives_per_positive: float | None = None
                      ) -> np.ndarray:
        """Click probabilities (n,) of (user, item) pairs.

        A model trained with ``num_negatives`` negatives per positive predicts for that
        mix (a base rate of 1 / (1 + num_negatives)). ``negatives_per_positive`` says the
        mix of the examples being scored (1 for balanced test examples): the logits are
        shifted by log(num_negatives / negatives_per_positive), the prior correction, so
        the probabilities (and the log loss) are calibrated for it. None: no shift.
        """
        z = self.logits(user_ids, item_ids).astype(np.float64)
        if negatives_per_positive is not None:
            if not negatives_per_positive > 0:
                raise ValueError("negatives_per_positive must be positive, got "
                                 f"{negatives_per_positive!r}")
            z = z + np.log(self.num_negatives / negatives_per_positive)
        return sigmoid(z)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """Logits of every item: (len(user_ids), num_items)."""
        users = self._check_users(user_ids)
        uu = np.repeat(users, self.num_items)
        ii = np.tile(np.arange(self.num_items), len(users))
        return self.logits(uu, ii).reshape(len(users), self.num_items)


def examples_frame(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(user ids, item ids) of an examples frame."""
    return df[USER_ID].to_numpy(), df[ITEM_ID].to_numpy()
