"""Keep TensorFlow's C++ start-up log out of notebook outputs.

TensorFlow prints its start-up messages (oneDNN notice, "could not find cuda drivers",
a failed cuInit on machines without a GPU) straight to file descriptor 2, before any
Python logging setting applies. While ``tensorflow`` is imported for the first time, and
while it first looks for GPUs, this hook points descriptor 2 at /dev/null; everything
after that is printed as usual. Import errors still surface (as Python exceptions).

It also drops one Python warning: "N out of the last M calls to <function> triggered
tf.function retracing". The course builds a new Keras model for every fit (seeds,
settings), and each new model traces its own functions once, which TensorFlow counts as
retracing; every other TensorFlow warning is kept.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import logging
import importlib.util
import os
import sys


@contextlib.contextmanager
def silenced_stderr_fd():
    """Point OS-level stderr at /dev/null for the duration of the block."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (some embedded shells)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _drop_retracing_warning(record: logging.LogRecord) -> bool:
    """Logging filter: False (drop) for TensorFlow's tf.function retracing warning."""
    return "triggered tf.function retracing" not in str(record.msg)


class _SilentLoader(importlib.abc.Loader):
    """Wraps TensorFlow's own loader: runs it (and the GPU probe) with fd 2 silenced."""

    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self.inner
        module.__spec__.loader = self.inner
        logging.getLogger("tensorflow").addFilter(_drop_retracing_warning)
        with silenced_stderr_fd():
            self.inner.exec_module(module)
            try:
                module.config.list_physical_devices("GPU")  # the cuInit probe, once
            except Exception:  # noqa: BLE001 - a probe failure is reported later by TF itself
                pass


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` once with the other finders and wraps its loader, then retires."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _SilentLoader(spec.loader)
        return spec


def install() -> None:
    """Install the hook unless TensorFlow is already imported or the user opts out
    (``REC_COURSE_TF_LOG=1``)."""
    if "tensorflow" in sys.modules or os.environ.get("REC_COURSE_TF_LOG") == "1":
        return
    if not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
