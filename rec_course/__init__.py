"""rec_course: the tested helper package behind the course notebooks.

Submodules are imported by name (``from rec_course import metrics``); importing
``rec_course`` itself stays light and never imports TensorFlow.
"""

import os as _os

# Keras 3 runs on TensorFlow in this course; keep TensorFlow's C++ log out of notebook
# outputs. Level 3 drops its C++ ERROR lines too: on CPUs without AVX-512, oneDNN logs
# "supports DT_BOOL (DT_INT8) only on platforms with AVX-512" as an ERROR the first time
# a GRU mask (an int8 table) runs, a notice about speed, not a failure. Failures still
# reach Python as exceptions. Both are defaults that a user's own setting overrides.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rec_course import _quiet_tf

_quiet_tf.install()

__version__ = "0.1.0"
