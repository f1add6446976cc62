"""What a compressed model is judged by, besides quality: parameters, bytes, latency."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np


def parameter_count(model) -> int:
    """Numbers stored in a Keras model's weights (trainable or not), or in a list of
    arrays."""
    weights = model.weights if hasattr(model, "weights") else model
    return int(sum(int(np.prod(w.shape)) for w in weights))


def weight_bytes(model) -> int:
    """Bytes of a model's weights as held (each variable's size times its dtype's width):
    int8 tables count 1 byte an entry, Keras's packed int4 tables half a byte."""
    weights = model.weights if hasattr(model, "weights") else model
    return int(sum(int(np.prod(w.shape)) * np.dtype(_dtype(w)).itemsize for w in weights))


def _dtype(weight) -> str:
    dtype = getattr(weight, "dtype", None)
    return str(getattr(dtype, "name", dtype)) if dtype is not None else str(np.asarray(weight).dtype)


def saved_bytes(model, suffix: str = ".keras") -> int:
    """Bytes of ``model.save`` to a temporary ``.keras`` file (or of ``save_weights`` to
    a ``.weights.h5`` file with ``suffix=".weights.h5"``); the file is removed. Both hold
    the optimizer's state of a compiled, trained model (Adam: twice the weights): measure
    a :func:`~rec_course.compression.quantization.recommender_copy` to leave it out."""
    if suffix not in (".keras", ".weights.h5"):
        raise ValueError(f"suffix must be '.keras' or '.weights.h5', got {suffix!r}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"model{suffix}"
        (model.save if suffix == ".keras" else model.save_weights)(path)
        return os.path.getsize(path)


def disk_bytes(path) -> int:
    """Bytes of a file, or of every file under a folder (a SavedModel)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"nothing at {path}")
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def latency(fn: Callable[[], object], *, repeats: int = 20, warmup: int = 3) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls
    (tracing, caches)."""
    if repeats <= 0 or warmup < 0:
        raise ValueError(f"need repeats > 0 and warmup >= 0, got {repeats}, {warmup}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(statistics.median(times))
