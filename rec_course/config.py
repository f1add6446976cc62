"""Course-wide configuration: quick mode, seeds, paths and a device report.

Quick mode (``REC_COURSE_QUICK=1``, set by the test suite) runs every notebook on the
same code path with fewer epochs; full mode produces the numbers the course prints.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from pathlib import Path

import numpy as np

SEED = 42
"""The course's default seed; notebooks pass it to :func:`seed_everything`."""

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the folder that holds ``rec_course/`` and ``notebooks/``)."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick() -> bool:
    """Whether quick mode is on (``REC_COURSE_QUICK`` is 1/true/yes/on).

    Raises:
        ValueError: if the variable holds something that is neither true nor false.
    """
    value = os.environ.get("REC_COURSE_QUICK", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"REC_COURSE_QUICK={value!r} is not understood: use 1 (quick mode) or 0 (full mode)."
    )


def mode() -> str:
    """``"quick"`` or ``"full"``, as recorded in results."""
    return "quick" if quick() else "full"


def data_dir() -> Path:
    """The data cache folder: ``$REC_COURSE_DATA``, else ``datasets/cache`` in the repo."""
    env = os.environ.get("REC_COURSE_DATA")
    return Path(env).expanduser() if env else REPO_ROOT / "datasets" / "cache"


def results_dir() -> Path:
    """Where full-mode results go (``$REC_COURSE_RESULTS``, else ``results/``)."""
    env = os.environ.get("REC_COURSE_RESULTS")
    return Path(env).expanduser() if env else REPO_ROOT / "results"


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, NumPy and (if installed) Keras/TensorFlow in one call.

    Library code never calls this: functions that sample take a ``seed`` and use a
    local ``np.random.default_rng(seed)``. Notebooks call it once per model, after
    ``keras.utils.clear_session()``.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import keras
    except ImportError:  # data-only use of the package
        return
    keras.utils.set_random_seed(int(seed))
    # Keras < 3.13 keeps its global SeedGenerator (used by unseeded keras.random calls)
    # across set_random_seed; drop it, as newer Keras does, so the numbers repeat.
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # internals moved: a newer Keras, which resets it itself
        return
    global_state.set_global_attribute("global_seed_generator", None)


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def device_report() -> dict[str, str]:
    """Versions and the device Keras will use: ``{"device": "GPU: ..." or "CPU", ...}``."""
    import keras
    import pandas as pd
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = []
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        device = "GPU: " + ", ".join(names)
    else:
        device = "CPU (no GPU found; every notebook runs on a CPU)"
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "device": device,
        "cpu_cores": str(os.cpu_count()),
        "colab": str(in_colab()),
    }
