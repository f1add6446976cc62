"""Serving a recommender outside Keras: a SavedModel with one endpoint,
``score(user_ids (n,) int32) -> (n, num_items) float32``, the same dot products (and item
biases) as the recommender's ``score``, computed through its Keras layers, so a quantized
or compressed table is what gets exported.

``to_onnx`` and ``to_litert`` convert that SavedModel for ONNX Runtime and LiteRT;
``load_scorer`` runs any of the three, and ``top_k_in_fresh_process`` reloads one in a new
Python process (nothing of this one, no ``rec_course``) and returns its top-k lists, which
is how notebook 09 checks that an exported model recommends what the Keras model does.
"""

from __future__ import annotations

import contextlib
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
    with _quiet_tf_logging():
        archive.write_out(str(path), verbose=False)
    return path


# One loader, run both here (latency) and in a fresh process (agreement): a SavedModel
# folder, an ONNX file (onnxruntime) or a LiteRT flatbuffer (.tflite, ai-edge-litert),
# each turned into ``score(user_ids (n,) int32) -> (n, num_items) float32``.
_LOADER = """
import numpy as np

def load_scorer(path):
    path = str(path)
    if path.endswith(".onnx"):
        import onnxruntime as ort
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return lambda users: session.run(None, {name: np.asarray(users, np.int32)})[0]
    if path.endswith(".tflite"):
        from ai_edge_litert.interpreter import Interpreter
        runner = Interpreter(model_path=path).get_signature_runner("score")
        return lambda users: next(iter(runner(user_ids=np.asarray(users, np.int32)).values()))
    import tensorflow as tf
    loaded = tf.saved_model.load(path)
    def score(users):  # the closure keeps `loaded`: its variables live on it
        return loaded.score(tf.constant(np.asarray(users, np.int32))).numpy()
    return score
"""
_namespace: dict = {}
exec(_LOADER, _namespace)


def load_scorer(path):
    """``score(user_ids) -> (n, num_items)`` from an export: a SavedModel folder (from
    :func:`export_scorer`), an ``.onnx`` file (:func:`to_onnx`, run with onnxruntime) or a
    ``.tflite`` file (:func:`to_litert`, run with ai-edge-litert's interpreter)."""
    from rec_course._quiet_tf import silenced_stderr_fd

    if not Path(path).exists():
        raise FileNotFoundError(f"no exported model at {path}")
    # LiteRT's C++ runtime prints "Created TensorFlow Lite XNNPACK delegate" to fd 2 when
    # it first prepares the model: load and run it once with that descriptor muted
    with silenced_stderr_fd():
        score = _namespace["load_scorer"](path)
        score(np.zeros(1, np.int32))
    return score


@contextlib.contextmanager
def _quiet_tf_logging():
    """TensorFlow's Python log at ERROR for the block ("Assets written to ...", notices
    of the converters), then as it was."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


def to_onnx(saved_model, path, *, opset: int = 17) -> Path:
    """Convert the ``score`` endpoint of a SavedModel (from :func:`export_scorer`) to an
    ONNX file at ``path`` (needs ``tf2onnx``). Returns the path."""
    import tensorflow as tf
    try:
        import tf2onnx
    except ImportError:
        raise ImportError("ONNX export needs tf2onnx and onnxruntime: pip install -r "
                          "requirements.txt (or pip install tf2onnx onnxruntime)") from None
    loaded = tf.saved_model.load(str(saved_model))
    spec = [tf.TensorSpec([None], tf.int32, name="user_ids")]
    with _quiet_tf_logging():
        proto, _ = tf2onnx.convert.from_function(
            tf.function(lambda users: loaded.score(users)), input_signature=spec, opset=opset)
    path = Path(path)
    path.write_bytes(proto.SerializeToString())
    return path


def to_litert(saved_model, path) -> Path:
    """Convert the ``score`` endpoint of a SavedModel to a LiteRT (TFLite) flatbuffer at
    ``path`` with TensorFlow's converter (float and int8 tables are kept as they are, no
    further optimization). Returns the path; run it with :func:`load_scorer`."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model),
                                                         signature_keys=["score"])
    path = Path(path)
    with _quiet_tf_logging():
        path.write_bytes(converter.convert())
    return path


_RELOAD = _LOADER + """
import json, sys
path, users, k = sys.argv[1], np.array(json.loads(sys.argv[2]), np.int32), int(sys.argv[3])
scores = load_scorer(path)(users)
print(json.dumps(np.argsort(-scores, axis=1, kind="stable")[:, :k].tolist()))
"""


def top_k_in_fresh_process(path, user_ids, k: int = 10, *, timeout: float = 300) -> np.ndarray:
    """Load the export at ``path`` (SavedModel, ``.onnx`` or ``.tflite``, see
    :func:`load_scorer`) in a new Python process (nothing of this one, no ``rec_course``)
    and return its (n, k) top items per user, ties broken by the lower item id (seen items
    are not removed: compare with the same ranking of the Keras model's scores)."""
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if not Path(path).exists():
        raise FileNotFoundError(f"no exported model at {path}")
    users = [int(u) for u in np.asarray(user_ids).ravel()]
    run = subprocess.run([sys.executable, "-c", _RELOAD, str(path), json.dumps(users), str(k)],
                         capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if run.returncode:
        raise RuntimeError(f"reloading {path} failed:\n{run.stderr[-2000:]}")
    return np.array(json.loads(run.stdout.strip().splitlines()[-1]), dtype=np.int64)
