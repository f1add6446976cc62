"""Symmetric integer quantization by hand, for embedding tables.

A float tensor x becomes integers q in [-(2^(b-1) - 1), 2^(b-1) - 1] and one float scale
per row (or one for the whole tensor):

    scale = max|x| / (2^(b-1) - 1),    q = round(x / scale),    x ~ q * scale.

The symmetric range leaves out -2^(b-1) so that 0 maps to 0 and +-max|x| to +-(2^(b-1) - 1).
A row of zeros gets scale 1 (any scale would do). Per-row scales suit embedding tables:
each item's vector has its own range, and a lookup fetches its row and its scale.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

BITS = (4, 8)
"""Supported integer widths."""


def _check_bits(bits: int) -> int:
    if bits not in BITS:
        raise ValueError(f"bits must be one of {BITS}, got {bits!r}")
    return 2 ** (bits - 1) - 1


def quantize_symmetric(x, bits: int = 8, *, per_row: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Quantize ``x`` symmetrically to ``bits``-bit integers.

    Args:
        x: (n, d) float table (or any array with ``per_row=False``).
        bits: 8 or 4.
        per_row: one scale per row (shape (n, 1)) or one for the tensor (shape ()).

    Returns:
        ``(q, scale)``: int8 array of the shape of ``x`` (int4 values are held in int8,
        in [-7, 7]) and float32 scales, with ``x ~ q * scale``.

    Raises:
        ValueError: on an empty or non-finite ``x``, or unsupported ``bits``.
    """
    top = _check_bits(bits)
    x = np.asarray(x, dtype=np.float32)
    if x.size == 0:
        raise ValueError("cannot quantize an empty array")
    if not np.isfinite(x).all():
        raise ValueError("x holds NaN or inf: quantize a trained, finite table")
    if per_row and x.ndim != 2:
        raise ValueError(f"per_row needs a 2-D table (n, d), got shape {x.shape}")
    peak = np.abs(x).max(axis=1, keepdims=True) if per_row else np.abs(x).max()
    scale = np.where(peak > 0, peak / top, 1.0).astype(np.float32)
    q = np.clip(np.rint(x / scale), -top, top).astype(np.int8)
    return q, scale


def dequantize(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``q * scale`` as float32: the table the quantized model computes with."""
    return (np.asarray(q, np.float32) * np.asarray(scale, np.float32)).astype(np.float32)


def table_bytes(num_rows: int, dim: int, bits: int | None = None, *, per_row: bool = True) -> int:
    """Bytes to store a (num_rows, dim) table: float32 when ``bits`` is None, else packed
    ``bits``-bit integers (two int4 values per byte) plus float32 scales."""
    if num_rows <= 0 or dim <= 0:
        raise ValueError(f"need a non-empty table, got ({num_rows}, {dim})")
    if bits is None:
        return 4 * num_rows * dim
    _check_bits(bits)
    values = num_rows * dim * bits
    return -(-values // 8) + 4 * (num_rows if per_row else 1)


def quantized_table(table, bits: int = 8, *, per_row: bool = True) -> tuple[np.ndarray, int]:
    """``(dequantized (n, d) float32 table, its bytes when stored quantized)``: score with
    the first to measure the quality a quantized model keeps, report the second."""
    q, scale = quantize_symmetric(table, bits, per_row=per_row)
    return dequantize(q, scale), table_bytes(*q.shape, bits, per_row=per_row)


# ------------------------------------------------------------------ Keras models
KERAS_MODES = ("int8", "int4", "float8")


def recommender_copy(recommender):
    """A fitted Keras recommender with its own copy of the model: the same weights in a
    model built afresh by ``build_model`` (so no optimizer state), sharing everything else.
    Quantize or prune the copy and the original stays as it was."""
    recommender._check_fitted()
    twin = copy.copy(recommender)
    twin.model = recommender.build_model()
    features, _ = recommender.epoch_data(0, recommender.seed)
    batch = [np.asarray(f)[:2] for f in features]
    twin.model(batch[0] if len(batch) == 1 else tuple(batch))  # build the layers, as fit feeds them
    twin.model.set_weights(recommender.model.get_weights())
    return twin


def quantized_recommender(recommender, mode: str = "int8"):
    """A copy of a fitted Keras recommender (:func:`recommender_copy`) after Keras's
    post-training quantization ``model.quantize(mode)``: ``int8`` and ``int4`` replace
    each ``Embedding`` and ``Dense`` table by integers and per-row (per-channel) scales;
    scoring then runs through the quantized layers."""
    if mode not in KERAS_MODES:
        raise ValueError(f"mode must be one of {KERAS_MODES}, got {mode!r}")
    twin = recommender_copy(recommender)
    with warnings.catch_warnings():  # NumPy 2 asks Keras variables for __array__(copy=)
        warnings.filterwarnings("ignore", message=".*__array__ implementation doesn't accept")
        # layers without weights to quantize (Dropout, LayerNormalization, lookups) say so
        warnings.filterwarnings("ignore", message=".*does not have a `quantize` method")
        try:
            twin.model.quantize(mode)
        except ValueError as e:
            if "Invalid quantization mode" not in str(e):
                raise
            import keras

            raise ValueError(f"Keras {keras.__version__} cannot quantize to {mode!r} ({e}); "
                             "int4 needs a newer Keras (the course pins 3.15): pip install "
                             "-r requirements.txt, or use quantized_table(table, 4), the "
                             "same scheme by hand") from None
    return twin
