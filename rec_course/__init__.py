"""rec_course: the tested helper package behind the course notebooks.

Submodules are imported by name (``from rec_course import metrics``); importing
``rec_course`` itself stays light and never imports TensorFlow.
"""

import os as _os

# Keras 3 runs on TensorFlow in this course; keep TensorFlow's C++ start-up chatter
# out of notebook outputs. Both are defaults that a user's own setting overrides.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rec_course import _quiet_tf

_quiet_tf.install()

__version__ = "0.1.0"
