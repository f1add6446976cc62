"""tools/assignments.py (student copies made by nbgrader's preprocessors) and
tools/run_course.py, on small synthetic notebooks."""

from __future__ import annotations

import json
import os
import sys

import nbformat
import pytest

if os.environ.get("REC_COURSE_INSTRUCTOR") == "1":  # make test installs nbgrader: no skip
    import nbgrader  # noqa: F401
else:
    pytest.importorskip("nbgrader", reason="instructor install: pip install -r "
                        "requirements-instructor.txt")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rec_course.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import assignments  # noqa: E402
import run_course  # noqa: E402

NAME = "99_tiny.ipynb"
ANSWER = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
READING = ("*Your reading:* what did you see?\n\n<!-- BEGIN SOLUTION -->\nIt doubled."
           "\n<!-- END SOLUTION -->")


def _solution() -> nbformat.NotebookNode:
    """An executed solution notebook: a shared cell, an answer, its test, a reading."""
    answer = new_code_cell(ANSWER, execution_count=2)
    answer.metadata["nbgrader"] = assignments.answer_meta("ex1-answer")
    answer.metadata["execution"] = {"iopub.status.busy": "then"}
    test = new_code_cell("assert double(2) == 4", execution_count=3,
                         outputs=[new_output("stream", text="[ok] double: correct.\n")])
    test.metadata["nbgrader"] = assignments.test_meta("ex1-test", 2)
    reading = new_markdown_cell(READING)
    reading.metadata["nbgrader"] = assignments.answer_meta("ex1-reading", 1)
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny"),
        new_code_cell("x = 1\nprint(x)", execution_count=1,
                      outputs=[new_output("stream", text="1 (mode: full)\n")]),
        new_markdown_cell("**Exercise 1.** Write `double(x)`."), answer, test, reading])
    nb.metadata["kernelspec"] = assignments.KERNEL
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:03d}"
    return nb


def _write(root, solution):
    for folder in ("notebooks", "solutions"):
        (root / folder).mkdir(exist_ok=True)
    nbformat.write(solution, root / "solutions" / NAME)


def test_student_version_is_nbgraders_with_the_shared_outputs_kept():
    solution = _solution()
    student = assignments.student_version(solution)
    nbformat.validate(student)
    assert [c.id for c in student.cells] == [c.id for c in solution.cells]
    assert student.cells[1].outputs == solution.cells[1].outputs  # shared: kept
    answer, test, reading = student.cells[3:]
    assert answer.source == "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert answer.outputs == [] and answer.execution_count is None
    assert "execution" not in answer.metadata
    assert test.source == solution.cells[4].source and test.outputs == []  # not run yet
    assert reading.source == "*Your reading:* what did you see?\n\nYOUR ANSWER HERE"
    assert solution.cells[3].source == ANSWER  # the solution is not touched


def test_student_version_rejects_bad_nbgrader_metadata():
    from nbgrader.nbgraderformat import ValidationError

    solution = _solution()
    del solution.cells[4].metadata["nbgrader"]["points"]
    with pytest.raises(ValidationError, match="points"):
        assignments.student_version(solution)
    solution = _solution()
    solution.cells[4].metadata["nbgrader"]["grade_id"] = "ex1-answer"  # duplicate id
    with pytest.raises(ValidationError, match="Duplicate"):
        assignments.student_version(solution)


def test_a_solution_region_outside_an_answer_cell_is_refused():
    solution = _solution()
    solution.cells[1].source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    with pytest.raises(RuntimeError, match="non-solution cell"):
        assignments.student_version(solution)


def test_write_student_and_drift(tmp_path):
    _write(tmp_path, _solution())
    assert assignments.drift(NAME, root=tmp_path)[0].startswith(f"{NAME}: no notebooks/")
    assignments.write_student(NAME, root=tmp_path)
    assert assignments.drift(NAME, root=tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "notebooks").iterdir()) == [NAME]  # no temp
    student = nbformat.read(tmp_path / "notebooks" / NAME, as_version=4)
    student.cells[1].source = "x = 2  # edited in the student copy only"
    nbformat.write(student, tmp_path / "notebooks" / NAME)
    assert "cell 1: differs" in assignments.drift(NAME, root=tmp_path)[0]


def test_draft_builds_both_notebooks_from_percent_source(tmp_path):
    src = tmp_path / "99_tiny.py"
    src.write_text("# %% [markdown]\n# # Tiny\n\n# %%\nx = 1\n\n"
                   f"# %% [answer ex1-answer]\n{ANSWER}\n\n"
                   "# %% [test ex1-test 2]\nassert double(2) == 4\n\n"
                   f"# %% [markdown answer ex1-reading 1]\n{READING}\n")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "solutions").mkdir()
    assignments.draft(src, root=tmp_path)
    solution = nbformat.read(tmp_path / "solutions" / NAME, as_version=4)
    assert [c.cell_type for c in solution.cells] == ["markdown", "code", "code", "code",
                                                     "markdown"]
    assert solution.cells[0].source == "# Tiny"
    assert assignments.nbgrader_meta(solution.cells[3])["points"] == 2
    assert assignments.nbgrader_meta(solution.cells[4])["grade"] is True
    assert assignments.drift(NAME, root=tmp_path) == []
    with pytest.raises(ValueError, match="unknown cell header"):
        assignments.parse_percent("# %% [tests ex1]\nx = 1\n")


def test_record_time_merges(tmp_path):
    path = tmp_path / "timings" / "notebook_times.json"
    run_course.record_time(path, "01_b", 12.345)
    run_course.record_time(path, "00_a", 3.0)
    run_course.record_time(path, "01_b", 10.0)
    assert json.loads(path.read_text()) == {"00_a": 3.0, "01_b": 10.0}


def test_times_never_land_among_the_results_records(monkeypatch, tmp_path):
    monkeypatch.setenv("REC_COURSE_RESULTS", str(tmp_path))
    monkeypatch.setenv("REC_COURSE_QUICK", "0")
    assert run_course.times_path() == tmp_path / "timings" / "notebook_times.json"
    monkeypatch.setenv("REC_COURSE_QUICK", "1")
    assert run_course.times_path() == tmp_path / "quick" / "timings" / "notebook_times.json"


def test_execute_runs_a_notebook_in_place(tmp_path):
    path = tmp_path / NAME
    nbformat.write(new_notebook(cells=[new_code_cell("import os\nprint(os.getcwd())")],
                                metadata={"kernelspec": assignments.KERNEL}), path)
    seconds = run_course.execute(path, timeout=60)
    cell = nbformat.read(path, as_version=4).cells[0]
    assert seconds > 0 and cell.execution_count == 1
    assert cell.outputs[0].text.strip() == str(tmp_path)


def test_run_course_executes_the_solution_and_generates_the_student_copy(tmp_path,
                                                                          monkeypatch, capsys):
    solution = _solution()
    _write(tmp_path, solution)
    assignments.write_student(NAME, root=tmp_path)
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    monkeypatch.setenv("REC_COURSE_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("REC_COURSE_QUICK", "0")
    assert run_course.main(["99_tiny", "--timeout", "60"]) == 0
    ran = nbformat.read(tmp_path / "solutions" / NAME, as_version=4)
    assert ran.cells[1].outputs[0].text == "1\n" and ran.cells[4].execution_count == 3
    student = nbformat.read(tmp_path / "notebooks" / NAME, as_version=4)
    assert student.cells[1].outputs == ran.cells[1].outputs
    assert student.cells[3].outputs == [] and "raise NotImplementedError()" in student.cells[3].source
    times = json.loads((tmp_path / "results" / "timings" / "notebook_times.json").read_text())
    assert list(times) == ["99_tiny"] and times["99_tiny"] > 0
    assert "[1/1] 99_tiny:" in capsys.readouterr().out


def test_run_course_refuses_a_hand_edited_student_copy(tmp_path, monkeypatch):
    _write(tmp_path, _solution())
    assignments.write_student(NAME, root=tmp_path)
    student = nbformat.read(tmp_path / "notebooks" / NAME, as_version=4)
    student.cells[1].source = "x = 2"
    nbformat.write(student, tmp_path / "notebooks" / NAME)
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    with pytest.raises(SystemExit):
        run_course.main(["99_tiny"])
    assert nbformat.read(tmp_path / "notebooks" / NAME, as_version=4) == student
