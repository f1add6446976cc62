"""Checkers for the notebooks' exercises, one module per notebook (``nb02`` for
``02_evaluation_and_baselines``).

Each checker takes the learner's function or value, prints a verdict with a useful hint
and returns a truthy or falsy ``Verdict`` (a function that still raises
``NotImplementedError`` is "not attempted yet"); it never raises itself. In the
notebooks each checker call is an nbgrader test cell, ``assert ex.check_...(...)``: the
assert turns a failed check into an error, which nbgrader and ``python -m
rec_course.grade`` score as 0 points, and the notebook's later cells still run.
"""
