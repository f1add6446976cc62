"""Each notebook's "**Time**" line states the full-mode run time that `make course`
measured (results/timings/notebook_times.json), so the estimate cannot go stale."""

from __future__ import annotations

import sys

import nbformat
import pytest

from rec_course.config import REPO_ROOT
from rec_course.course import course_map, run_time_text, run_times

sys.path.insert(0, str(REPO_ROOT / "tools"))
import stamp_times  # noqa: E402

NOTEBOOKS = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_time_line_states_the_measured_run_time(name):
    times = run_times()
    if name not in times:
        pytest.skip(f"no measured run time for {name} yet: run `make course NB={name}`")
    for folder in ("notebooks", "solutions"):
        nb = nbformat.read(REPO_ROOT / folder / f"{name}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert stamp_times.time_line(name, times[name]) in text, (
            f"{folder}/{name}: the **Time** line is stale; run `python tools/stamp_times.py`")


def test_run_time_text():
    assert run_time_text(20) == "under a minute"
    assert run_time_text(61) == "about 1 minute"
    assert run_time_text(7.6 * 60) == "about 8 minutes"


def test_course_map_shows_measured_run_times():
    table = course_map().set_index("notebook")
    for name, seconds in run_times().items():
        if name in table.index:
            assert table.loc[name, "full-mode run"] == run_time_text(seconds)
