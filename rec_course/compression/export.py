"""Serving a recommender outside Keras: a SavedModel with one endpoint,
``score(user_ids (n,) int32) -> (n, num_items) float32``, the same dot products (and item
biases) as the recommender's ``score``, computed through its Keras layers, so a quantized
or compressed table is what gets exported.

``top_k_in_fresh_process`` reloads the export in a new Python process (nothing of this
one, no ``rec_course``, only TensorFlow) and returns its top-k lists, which is how notebook
09 checks that an exported model recommends what the Keras model does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def export_scorer(recommender, path) -> Path:
    """Write ``recommender`` (a fitted :class:`~rec_course.models.training.EmbeddingRecommender`,
    or any fitted Keras recommender with ``user_embedding`` and ``item_embedding`` layers)
    as a SavedModel at ``path`` with the endpoint ``score``. Returns the path."""
    import keras
    import tensorflow as tf
    from keras import ops

    recommender._check_fitted()
    model = recommender.model
    for name in ("user_embedding", "item_embedding"):
        if not hasattr(model, name):
            raise TypeError(f"{type(model).__name__} has no {name} layer: export_scorer "
                            "serves dot-product models (MF, BPR and their compressed copies)")
    items = np.arange(recommender.num_items, dtype=np.int32)
    bias = getattr(model, "item_bias", None)

    def score(user_ids):
        users = model.user_embedding(user_ids)                       # (n, d)
        table = model.item_embedding(ops.convert_to_tensor(items))   # (num_items, d)
        out = ops.matmul(users, ops.transpose(table))
        if bias is not None:
            out = out + ops.reshape(bias(ops.convert_to_tensor(items)), (1, -1))
        return ops.cast(out, "float32")

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("score", score,
                         input_signature=[tf.TensorSpec([None], tf.int32, name="user_ids")])
    path = Path(path)
    archive.write_out(str(path), verbose=False)
    return path


_RELOAD = """
import json, sys, numpy as np, tensorflow as tf
path, users, k = sys.argv[1], np.array(json.loads(sys.argv[2]), np.int32), int(sys.argv[3])
loaded = tf.saved_model.load(path)  # keep a reference: its variables live on it
scores = loaded.score(tf.constant(users)).numpy()
print(json.dumps(np.argsort(-scores, axis=1, kind="stable")[:, :k].tolist()))
"""


def top_k_in_fresh_process(path, user_ids, k: int = 10, *, timeout: float = 300) -> np.ndarray:
    """Load the SavedModel at ``path`` in a new Python process and return its (n, k) top
    items per user, ties broken by the lower item id (seen items are not removed:
    compare with the same ranking of the Keras model's scores)."""
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    users = [int(u) for u in np.asarray(user_ids).ravel()]
    run = subprocess.run([sys.executable, "-c", _RELOAD, str(path), json.dumps(users), str(k)],
                         capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if run.returncode:
        raise RuntimeError(f"reloading {path} failed:\n{run.stderr[-2000:]}")
    return np.array(json.loads(run.stdout.strip().splitlines()[-1]), dtype=np.int64)
