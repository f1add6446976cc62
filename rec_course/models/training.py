"""The training loop every Keras model of the course shares.

:class:`KerasRecommender` owns what each Keras model would otherwise repeat: building and
compiling the ``keras.Model`` (several steps per call and XLA, which make small models
fast on a CPU), a fresh ``tf.data`` dataset every epoch with that epoch's seed, a
validation metric named from ``k``, early stopping that keeps the best weights, the
``history`` table and ``train_seconds``. A model file then holds only the model's idea:
its ``keras.Model``, its loss and the examples of one epoch.

Models take a ``seed`` and pass it to their initializers, negative sampling and
shuffling, so the same seed gives the same numbers without touching global state.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np
import pandas as pd

import keras
import tensorflow as tf

from rec_course.models.base import Recommender
from rec_course.schema import DEFAULT_K, ITEM_ID, RATING, USER_ID, ranking_metric, val_metric


def epoch_seed(seed: int, epoch: int) -> int:
    """The one rule for per-epoch seeds (negatives, shuffling): ``seed * 1000 + epoch``."""
    return int(seed) * 1000 + int(epoch)


def make_dataset(features: tuple[np.ndarray, ...], labels: np.ndarray | None,
                 batch_size: int, *, shuffle: bool = True, seed: int = 0) -> tf.data.Dataset:
    """Batches over in-memory arrays, shuffled once in NumPy with ``seed``.

    (Shuffling in NumPy is several times faster than a tf.data shuffle buffer, and
    slicing whole batches rather than single examples several times faster than
    ``from_tensor_slices(...).batch(...)``, with the same batches; the epoch loop passes
    a new seed every epoch.)
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    arrays = list(features) + ([labels] if labels is not None else [])
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(arrays[0]))
        arrays = [a[order] for a in arrays]

    def nest(parts: list) -> tuple:  # (features, labels) or (features,), as Keras reads them
        feats = parts[0] if len(features) == 1 else tuple(parts[:len(features)])
        return (feats, parts[-1]) if labels is not None else (feats,)

    full = len(arrays[0]) - len(arrays[0]) % batch_size  # examples in complete batches
    dataset = tf.data.Dataset.from_tensor_slices(
        nest([a[:full].reshape((-1, batch_size) + a.shape[1:]) for a in arrays]))
    if full < len(arrays[0]):  # the last, shorter batch
        dataset = dataset.concatenate(tf.data.Dataset.from_tensors(nest([a[full:] for a in arrays])))
    return dataset.prefetch(2)


def fit_epochs(model: keras.Model, epoch_dataset: Callable[[int], tf.data.Dataset],
               epochs: int, *, validate: Callable[[], float] | None = None,
               metric: str = "val", higher_is_better: bool = True, every: int = 1,
               patience: int | None = None,
               callbacks: Callable[[], list] | None = None,
               verbose: bool = False, name: str = "") -> pd.DataFrame:
    """Train a compiled Keras model epoch by epoch.

    Args:
        epoch_dataset: ``epoch -> tf.data.Dataset`` (lets each epoch re-sample negatives
            and reshuffle with its own seed).
        validate: optional ``() -> float`` run every ``every`` epochs (e.g. nDCG@10 or
            RMSE on a validation split carved from train).
        metric: column name for the validation value.
        patience: stop after this many validations without improvement; the best
            weights are restored at the end.
        callbacks: optional ``() -> list`` of Keras callbacks for each epoch's fit.
        verbose: print one line per validation check (epoch, loss, metric, seconds).
        name: prefix of those lines.

    Returns:
        DataFrame with one row per epoch: ``epoch, loss[, metric]``.
    """
    rows, best, best_weights, wait = [], None, None, 0
    start = time.perf_counter()
    for epoch in range(epochs):
        ds = epoch_dataset(epoch)
        fit = model.fit(ds, epochs=1, verbose=0, shuffle=False,
                        callbacks=callbacks() if callbacks else None)
        row = {"epoch": epoch + 1, "loss": float(fit.history["loss"][-1])}
        if not np.isfinite(row["loss"]):
            raise FloatingPointError(f"training loss is {row['loss']} at epoch {epoch + 1}: "
                                     "lower the learning rate")
        if validate is not None and (epoch + 1) % every == 0:
            value = float(validate())
            row[metric] = value
            improved = best is None or (value > best if higher_is_better else value < best)
            if improved:
                best, best_weights, wait = value, model.get_weights(), 0
            else:
                wait += 1
            if verbose:
                print(f"{name}epoch {epoch + 1:3d}/{epochs}  loss {row['loss']:.4f}  "
                      f"{metric} {value:.4f}{' *' if improved else ''}  "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
        elif verbose and validate is None and ((epoch + 1) % max(every, 1) == 0
                                               or epoch + 1 == epochs):
            print(f"{name}epoch {epoch + 1:3d}/{epochs}  loss {row['loss']:.4f}  "
                  f"({time.perf_counter() - start:.1f} s)", file=sys.stdout, flush=True)
        rows.append(row)
        if patience is not None and wait >= patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return pd.DataFrame(rows)


def interactions(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(user ids, item ids) as int32 arrays."""
    return df[USER_ID].to_numpy(np.int32), df[ITEM_ID].to_numpy(np.int32)


class KerasRecommender(Recommender):
    """Base of every Keras model of the course: subclasses say what the model is.

    A subclass implements

    - :meth:`build_model` -> the ``keras.Model``;
    - :meth:`loss` -> the Keras loss (a function ``(y_true, y_pred) -> scalar``);
    - :meth:`epoch_data` -> ``(features, labels)`` arrays of one epoch (re-sampled
      negatives, for example), given that epoch's seed;
    - :meth:`score` (and :meth:`predict` for rating models);

    and may override :meth:`prepare` (cache arrays before training), :meth:`optimizer`,
    :meth:`callbacks` and :meth:`after_fit`.

    Args:
        learning_rate, epochs, batch_size: training (Adam unless :meth:`optimizer` says
            otherwise).
        patience: with a ``valid`` split, stop after this many validation checks without
            improvement and keep the best weights (None: train all epochs, keep the best).
        eval_every: epochs between validation checks.
        k: list length of the validation metric (nDCG@k) of ranking models.
        steps_per_execution: training steps per call into TensorFlow (fewer Python
            round trips; the numbers are the same as with 1).
        jit_compile: compile the training step with XLA (faster for small models on a
            CPU; ``"auto"`` leaves the choice to Keras, which turns XLA off on CPUs).
        verbose: print a line per validation check (epoch, loss, metric, seconds).
        seed: initializers, dropout, sampling and shuffling (per epoch: :func:`epoch_seed`).

    After fit: ``model`` (the keras.Model), ``history`` (DataFrame ``epoch, loss[,
    val_<metric>]``) and ``train_seconds``.
    """

    validation = "ranking"
    """``"ranking"`` (validation nDCG@k, higher is better) or ``"rmse"`` (lower is better)."""

    def __init__(self, *, learning_rate: float = 1e-3, epochs: int = 20,
                 batch_size: int = 256, patience: int | None = 3, eval_every: int = 1,
                 k: int = DEFAULT_K, steps_per_execution: int = 32,
                 jit_compile: bool | str = False, verbose: bool = False, seed: int = 0):
        for name, value in (("learning_rate", learning_rate), ("epochs", epochs),
                            ("batch_size", batch_size), ("eval_every", eval_every),
                            ("k", k), ("steps_per_execution", steps_per_execution)):
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        if patience is not None and patience <= 0:
            raise ValueError(f"patience must be positive or None, got {patience!r}")
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.learning_rate, self.epochs, self.batch_size = learning_rate, epochs, batch_size
        self.patience, self.eval_every, self.k = patience, eval_every, int(k)
        self.steps_per_execution, self.jit_compile = steps_per_execution, jit_compile
        self.verbose, self.seed = verbose, int(seed)

    # ---------------------------------------------------------------- subclass hooks
    def build_model(self) -> keras.Model:
        """The model to train (weights seeded from ``self.seed``)."""
        raise NotImplementedError

    def loss(self):
        """The Keras loss ``(y_true, y_pred) -> scalar``."""
        raise NotImplementedError

    def epoch_data(self, epoch: int, seed: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """``(features, labels)`` of one epoch; ``seed`` is :func:`epoch_seed` of it."""
        raise NotImplementedError

    def prepare(self, train: pd.DataFrame) -> None:
        """Called once before the model is built: cache arrays derived from ``train``."""

    def optimizer(self) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(self.learning_rate)

    def callbacks(self) -> list:
        """Keras callbacks for every epoch's fit (e.g. a KL annealing schedule)."""
        return []

    def after_fit(self) -> None:
        """Called once after training (e.g. cache reconstructions)."""

    # ---------------------------------------------------------------- the template
    @property
    def val_metric(self) -> str:
        """Column of the validation metric in ``history``: ``"val_ndcg@10"`` or ``"val_rmse"``."""
        return val_metric("rmse" if self.validation == "rmse" else ranking_metric(self.k))

    def epoch_seed(self, epoch: int) -> int:
        return epoch_seed(self.seed, epoch)

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        self.prepare(train)
        self.model = self.build_model()
        self.model.compile(optimizer=self.optimizer(), loss=self.loss(),
                           steps_per_execution=self.steps_per_execution,
                           jit_compile=self.jit_compile)
        validate = self._validator(train, valid) if valid is not None else None

        def dataset(epoch: int) -> tf.data.Dataset:
            seed = self.epoch_seed(epoch)
            features, labels = self.epoch_data(epoch, seed)
            return make_dataset(tuple(features), labels, self.batch_size, seed=seed)

        callbacks = self.callbacks()
        start = time.perf_counter()
        self.history = fit_epochs(
            self.model, dataset, self.epochs, validate=validate, metric=self.val_metric,
            higher_is_better=self.validation != "rmse", every=self.eval_every,
            patience=self.patience, callbacks=(lambda: callbacks) if callbacks else None,
            verbose=self.verbose, name=f"{type(self).__name__}: ")
        self.train_seconds = time.perf_counter() - start
        self.after_fit()

    def _validator(self, train: pd.DataFrame, valid: pd.DataFrame) -> Callable[[], float]:
        """``() -> float``: the validation metric of the model as it is now."""
        if self.validation == "rmse":
            from rec_course.metrics import rmse

            users, items = valid[USER_ID].to_numpy(), valid[ITEM_ID].to_numpy()
            truth = valid[RATING].to_numpy()
            return lambda: rmse(truth, self._predict_for_validation(users, items))
        from rec_course.evaluation import Evaluator

        evaluator = Evaluator.shared(train, valid, k=self.k, num_users=self.num_users,
                                     num_items=self.num_items)
        column = ranking_metric(self.k)
        return lambda: float(evaluator(self).iloc[0][column])

    def _predict_for_validation(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        return self.predict(user_ids, item_ids)


class EmbeddingRecommender(KerasRecommender):
    """A Keras model whose scores are dot products of a user and an item vector (plus an
    optional item bias). Its ``keras.Model`` has ``user_embedding``, ``item_embedding``
    (and ``item_bias``) layers; scoring runs through those layers, so a quantized, pruned
    or hashed embedding layer is what gets scored.
    """

    def user_vectors(self, user_ids: np.ndarray | None = None) -> np.ndarray:
        """(n, embedding_dim) user vectors, looked up through the model's layer."""
        self._check_fitted()
        users = (np.arange(self.num_users) if user_ids is None
                 else self._check_users(user_ids))
        return np.asarray(self.model.user_embedding(users.astype(np.int32)), np.float32)

    def item_vectors(self, item_ids: np.ndarray | None = None) -> np.ndarray:
        """(n, embedding_dim) item vectors (default: every item), through the model's layer."""
        self._check_fitted()
        items = np.arange(self.num_items) if item_ids is None else self._check_items(item_ids)
        return np.asarray(self.model.item_embedding(items.astype(np.int32)), np.float32)

    def item_biases(self) -> np.ndarray:
        """(num_items,) item biases (zeros for a model without them)."""
        self._check_fitted()
        layer = getattr(self.model, "item_bias", None)
        if layer is None:
            return np.zeros(self.num_items, np.float32)
        return np.asarray(layer(np.arange(self.num_items, dtype=np.int32)), np.float32)[:, 0]

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """p_u . q_i + b_i for every item: (len(user_ids), num_items) float32."""
        users = self._check_users(user_ids)
        return (self.user_vectors(users) @ self.item_vectors().T
                + self.item_biases()[None, :]).astype(np.float32)

    def item_embeddings(self) -> np.ndarray:
        """(num_items, embedding_dim) learned item vectors (same as :meth:`item_vectors`)."""
        return self.item_vectors()
