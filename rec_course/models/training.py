"""Shared pieces for the Keras models: datasets and an epoch loop with validation.

Models take a ``seed`` and pass it to their initializers, negative sampling and
shuffling, so the same seed gives the same numbers without touching global state.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

import keras
import tensorflow as tf

from rec_course.data.movielens import ITEM_ID, USER_ID


def make_dataset(features: tuple[np.ndarray, ...], labels: np.ndarray | None,
                 batch_size: int, *, shuffle: bool = True, seed: int = 0) -> tf.data.Dataset:
    """Batches over in-memory arrays, shuffled once in NumPy with ``seed``.

    (Shuffling in NumPy and batching with tf.data is several times faster than a
    tf.data shuffle buffer; the epoch loop passes a new seed every epoch.)
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    arrays = list(features) + ([labels] if labels is not None else [])
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(arrays[0]))
        arrays = [a[order] for a in arrays]
    feats = arrays[0] if len(features) == 1 else tuple(arrays[:len(features)])
    items = (feats, arrays[-1]) if labels is not None else (feats,)
    return tf.data.Dataset.from_tensor_slices(items).batch(batch_size).prefetch(2)


def fit_epochs(model: keras.Model, epoch_dataset: Callable[[int], tf.data.Dataset],
               epochs: int, *, validate: Callable[[], float] | None = None,
               metric: str = "val", higher_is_better: bool = True, every: int = 1,
               patience: int | None = None,
               callbacks: Callable[[], list] | None = None) -> pd.DataFrame:
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

    Returns:
        DataFrame with one row per epoch: ``epoch, loss[, metric]``.
    """
    rows, best, best_weights, wait = [], None, None, 0
    for epoch in range(epochs):
        ds = epoch_dataset(epoch)
        fit = model.fit(ds, epochs=1, verbose=0, shuffle=False,
                        callbacks=callbacks() if callbacks else None)
        row = {"epoch": epoch + 1, "loss": float(fit.history["loss"][-1])}
        if validate is not None and (epoch + 1) % every == 0:
            value = float(validate())
            row[metric] = value
            improved = best is None or (value > best if higher_is_better else value < best)
            if improved:
                best, best_weights, wait = value, model.get_weights(), 0
            else:
                wait += 1
        rows.append(row)
        if patience is not None and wait >= patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return pd.DataFrame(rows)


def ranking_validator(recommender, train: pd.DataFrame, valid: pd.DataFrame,
                      k: int = 10) -> Callable[[], float]:
    """``() -> nDCG@k`` of ``recommender`` on ``valid`` (train items removed)."""
    from rec_course.evaluation import evaluate

    return lambda: float(evaluate(recommender, train, valid, k=k).iloc[0][f"ndcg@{k}"])


def interactions(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(user ids, item ids) as int32 arrays."""
    return df[USER_ID].to_numpy(np.int32), df[ITEM_ID].to_numpy(np.int32)
