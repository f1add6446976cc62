"""Magnitude pruning in Keras 3 (which has no pruning API; tensorflow-model-optimization
needs Keras 2).

The smallest-magnitude fraction ``s`` of a weight is set to zero and kept at zero: a mask
is recomputed on a schedule while the sparsity ramps up (Zhu & Gupta 2017),

    s_t = s_final + (s_initial - s_final) (1 - (t - t_begin) / (t_end - t_begin))^3,

and applied after every training step, so that the optimizer's updates to pruned entries
are undone. After ``t_end`` the mask is frozen: fine-tuning keeps the sparsity.
"""

from __future__ import annotations

import numpy as np

import keras


def sparsity(weight) -> float:
    """Share of exact zeros in a weight (variable or array)."""
    w = np.asarray(weight)
    if w.size == 0:
        raise ValueError("empty weight")
    return float(np.mean(w == 0))


def magnitude_mask(weight, target: float) -> np.ndarray:
    """Boolean mask (same shape as ``weight``) keeping the largest-magnitude ``1 - target``
    share of entries; ties at the threshold are broken by position, so exactly
    ``round(target * size)`` entries are dropped."""
    if not 0 <= target < 1:
        raise ValueError(f"target sparsity must be in [0, 1), got {target}")
    w = np.abs(np.asarray(weight, np.float32)).ravel()
    if w.size == 0:
        raise ValueError("empty weight")
    drop = int(round(target * w.size))
    mask = np.ones(w.size, bool)
    if drop:
        mask[np.argsort(w, kind="stable")[:drop]] = False
    return mask.reshape(np.shape(weight))


def polynomial_sparsity(step: int, *, begin: int, end: int, final: float,
                        initial: float = 0.0, power: int = 3) -> float:
    """Sparsity at training step ``step`` of the Zhu & Gupta schedule (``initial`` before
    ``begin``, ``final`` from ``end`` on)."""
    if not 0 <= initial <= final < 1:
        raise ValueError(f"need 0 <= initial <= final < 1, got {initial}, {final}")
    if end < begin:
        raise ValueError(f"end ({end}) must not come before begin ({begin})")
    if step <= begin:
        return float(initial) if end > begin or step < begin else float(final)
    if step >= end:
        return float(final)
    frac = (step - begin) / (end - begin)
    return float(final + (initial - final) * (1 - frac) ** power)


class MagnitudePruning(keras.callbacks.Callback):
    """Prune ``variables`` to ``final`` sparsity between steps ``begin`` and ``end``
    (counted over every ``fit`` call this callback is passed to), recomputing the masks
    every ``every`` steps, and re-applying them after every step; from ``end`` on the
    masks are frozen, so further training (fine-tuning) keeps the same zeros.

    Args:
        variables: the Keras variables to prune (e.g. ``[model.item_embedding.embeddings]``).
        final: target sparsity in [0, 1).
        begin, end: steps of the ramp (``begin == end``: prune at once).
        every: steps between mask updates during the ramp.

    Steps are counted in calls of ``on_train_batch_end``: with ``steps_per_execution`` n
    Keras calls it once every n steps, so compile with ``steps_per_execution=1`` (as
    :func:`fine_tune` does) for the schedule to count training steps.

    After training: ``masks`` (one bool array per variable) and ``step``.
    """

    def __init__(self, variables: list, *, final: float, begin: int = 0, end: int = 0,
                 every: int = 10):
        super().__init__()
        if not variables:
            raise ValueError("no variables to prune")
        if every <= 0:
            raise ValueError(f"every must be positive, got {every}")
        polynomial_sparsity(begin, begin=begin, end=end, final=final)  # checks the schedule
        self.variables, self.final, self.begin, self.end, self.every = (
            list(variables), float(final), int(begin), int(end), int(every))
        self.masks = [np.ones(v.shape, bool) for v in self.variables]
        self.step, self._frozen = 0, False

    def target(self) -> float:
        """The schedule's sparsity at the current step."""
        return polynomial_sparsity(self.step, begin=self.begin, end=self.end, final=self.final)

    def _update_masks(self) -> None:
        target = self.target()
        self.masks = [magnitude_mask(v.numpy() if hasattr(v, "numpy") else np.asarray(v), target)
                      for v in self.variables]

    def _apply(self) -> None:
        for variable, mask in zip(self.variables, self.masks):
            variable.assign(np.where(mask, np.asarray(variable), 0).astype(variable.dtype))

    def prune_now(self) -> None:
        """Jump to the final sparsity: mask, apply and freeze (post-training pruning)."""
        self.step = max(self.step, self.end, self.begin)
        self._update_masks()
        self._frozen = True
        self._apply()

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step >= self.begin and not self._frozen:
            if self.step >= self.end:            # the last update: final sparsity, frozen
                self._update_masks()
                self._frozen = True
            elif (self.step - self.begin) % self.every == 0:
                self._update_masks()
        self._apply()


def csr_bytes(weight) -> int:
    """Bytes of a 2-D weight stored sparse (CSR: float32 values, int32 column indices and
    row pointers): what pruning saves on disk, if anything (under about half the entries
    zero, the dense table is smaller)."""
    w = np.asarray(weight)
    if w.ndim != 2:
        raise ValueError(f"need a 2-D weight, got shape {w.shape}")
    nnz = int(np.count_nonzero(w))
    return 4 * nnz + 4 * nnz + 4 * (w.shape[0] + 1)


def pruned_bytes(model, tables: list) -> int:
    """Bytes of ``model``'s weights (:func:`~rec_course.compression.measure.weight_bytes`)
    with the pruned float32 ``tables`` counted as stored in CSR (:func:`csr_bytes`)."""
    from rec_course.compression.measure import weight_bytes

    dense = sum(4 * int(np.prod(t.shape)) for t in tables)
    return weight_bytes(model) - dense + sum(csr_bytes(t) for t in tables)


def fine_tune(recommender, epochs: int, *, callbacks: list | None = None,
              learning_rate: float | None = None):
    """Train a fitted Keras recommender's model ``epochs`` more epochs on its own training
    data (``epoch_data``, with epoch seeds after the first fit's), with a fresh optimizer
    (``learning_rate``: default the recommender's) and ``callbacks`` (e.g. a
    :class:`MagnitudePruning` that keeps the mask). Changes ``recommender.model`` in place
    (use a :func:`~rec_course.compression.quantization.recommender_copy`); returns the
    per-epoch losses."""
    from rec_course.models.training import make_dataset

    if epochs <= 0:
        raise ValueError(f"epochs must be positive, got {epochs}")
    recommender._check_fitted()
    model = recommender.model
    rate = recommender.learning_rate if learning_rate is None else learning_rate
    # one step per call, so that callbacks (a pruning mask) act after every step
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=recommender.loss(),
                  steps_per_execution=1 if callbacks else recommender.steps_per_execution)
    losses = []
    for epoch in range(recommender.epochs, recommender.epochs + epochs):
        seed = recommender.epoch_seed(epoch)
        features, labels = recommender.epoch_data(epoch, seed)
        data = make_dataset(tuple(features), labels, recommender.batch_size, seed=seed)
        history = model.fit(data, epochs=1, verbose=0, shuffle=False, callbacks=callbacks or None)
        losses.append(float(history.history["loss"][-1]))
    return losses


PRUNE_SCHEDULES = ("at once", "gradual")


def prune_and_fine_tune(recommender, sparsity: float, *, schedule: str = "at once",
                        epochs: int = 3, learning_rate: float | None = None):
    """Post-training pruning of a fitted embedding recommender (MF, BPR): a
    :func:`~rec_course.compression.quantization.recommender_copy` whose user and item
    tables are pruned to ``sparsity``, at once (``"at once"``, then fine-tuned with the
    mask frozen) or ramped over the first half of the fine-tuning (``"gradual"``), and
    fine-tuned ``epochs`` epochs (:func:`fine_tune`). The original is left as it was.

    Returns:
        ``(copy, tables)``: the pruned copy and its two pruned variables.
    """
    from rec_course.compression.quantization import recommender_copy

    if schedule not in PRUNE_SCHEDULES:
        raise ValueError(f"schedule must be one of {PRUNE_SCHEDULES}, got {schedule!r}")
    twin = recommender_copy(recommender)
    tables = [twin.model.user_embedding.embeddings, twin.model.item_embedding.embeddings]
    steps = -(-len(twin._users) // twin.batch_size)           # training steps per epoch
    end = epochs * steps // 2 if schedule == "gradual" else 0
    pruning = MagnitudePruning(tables, final=sparsity, end=end, every=max(1, steps // 4))
    if schedule == "at once":
        pruning.prune_now()
    fine_tune(twin, epochs, callbacks=[pruning], learning_rate=learning_rate)
    return twin, tables
