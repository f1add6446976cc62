"""Checkers for the notebooks' exercises, one module per notebook (``nb02`` for
``02_evaluation_and_baselines``).

Each checker takes the learner's function or value, prints a verdict with a useful hint
and returns True or False. A function that still raises ``NotImplementedError`` is
reported as "not attempted yet" (no error, so the notebook runs top to bottom).
"""
