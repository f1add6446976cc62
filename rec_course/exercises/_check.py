"""Shared plumbing for the exercise checkers."""

from __future__ import annotations

from typing import Callable

import numpy as np


class Verdict:
    """A checker's answer: truthy when the exercise passed. Shows nothing as a notebook
    cell's last value (the checker has already printed its message)."""

    def __init__(self, passed: bool):
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict(passed={self.passed})"

    def _ipython_display_(self) -> None:
        pass


class Wrong(Exception):
    """Raised inside a checker with the hint to show the learner."""


def run_check(name: str, body: Callable[[], None]) -> Verdict:
    """Run ``body``; print a verdict for exercise ``name`` and return whether it passed."""
    try:
        body()
    except NotImplementedError:
        print(f"[ ] {name}: not attempted yet. Replace `raise NotImplementedError()` (under "
              "`# YOUR CODE HERE`) with your code and run the cell again.")
        return Verdict(False)
    except Wrong as e:
        print(f"[x] {name}: not yet. {e}")
        return Verdict(False)
    except Exception as e:  # noqa: BLE001 - the learner's code crashed: say how
        print(f"[x] {name}: your code raised {type(e).__name__}: {e}")
        return Verdict(False)
    print(f"[ok] {name}: correct.")
    return Verdict(True)


def to_numpy(x) -> np.ndarray:
    """A learner's answer as a NumPy array: a Keras/backend tensor, a SciPy sparse matrix
    (densified) or anything ``np.asarray`` takes."""
    if hasattr(x, "toarray"):  # a SciPy sparse matrix
        return np.asarray(x.toarray())
    from keras import ops

    return np.asarray(ops.convert_to_numpy(x))


def close(a: float, b: float, tol: float = 1e-6) -> bool:
    """abs(a - b) <= tol * max(1, |b|)."""
    try:
        return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return False


def build_learner_model(model_class, *args, signature: str | None = None):
    """``model_class(*args)``, checked to be a ``keras.Model``; ``NotImplementedError``
    when the learner's placeholder returns ``None``. ``signature`` names the arguments
    in the hint (default: num_users, num_items, embedding_dim)."""
    import keras

    model = model_class(*args)
    if model is None:
        raise NotImplementedError
    if not isinstance(model, keras.Model):
        if signature is None:
            signature = ", ".join(["num_users", "num_items", "embedding_dim"][:len(args)])
        raise Wrong(f"{getattr(model_class, '__name__', 'your class')}({signature}) must "
                    f"build a keras.Model (subclass keras.Model), got {type(model).__name__}.")
    return model


def build_learner_layer(layer_cls, *args, signature: str = ""):
    """``layer_cls(*args)``, checked to be a ``keras.layers.Layer``;
    ``NotImplementedError`` when the learner's placeholder returns ``None``."""
    import keras

    layer = layer_cls(*args)
    if layer is None:
        raise NotImplementedError
    if not isinstance(layer, keras.layers.Layer):
        raise Wrong(f"{getattr(layer_cls, '__name__', 'your class')}({signature}) must be a "
                    f"keras.layers.Layer, got {type(layer).__name__}.")
    return layer


def weights_by_shape(model, shapes: dict[str, tuple]) -> dict[str, object]:
    """The learner model's variables matched to the expected shapes, ``{name: variable}``
    (each shape is unique), so that a checker can copy reference weights into them."""
    found = {}
    for var in model.weights:
        for name, shape in shapes.items():
            if tuple(var.shape) == shape and name not in found:
                found[name] = var
                break
    return found
