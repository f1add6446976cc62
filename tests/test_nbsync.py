"""tools/nbsync.py derive and tools/run_course.py on small synthetic notebooks."""

from __future__ import annotations

import json
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rec_course.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import nbsync  # noqa: E402
import run_course  # noqa: E402

NAME = "99_tiny.ipynb"


def _exercise(cell):
    cell.metadata["tags"] = ["exercise"]
    return cell


def _pair(root):
    """A committed student copy and a freshly executed solution, cells in step."""
    stub = _exercise(new_code_cell("answer = None  # your code here\nex.check_answer(answer)",
                                   execution_count=3,
                                   outputs=[new_output("stream", text="[ ] not attempted\n")]))
    stub.metadata["execution"] = {"iopub.status.busy": "then"}
    student = new_notebook(cells=[
        new_markdown_cell("# Tiny"),
        new_code_cell("x = 1\nprint(x)", execution_count=1,
                      outputs=[new_output("stream", text="stale\n")]),
        _exercise(new_markdown_cell("**Exercise.** Set `answer` to 42.")),
        stub,
    ])
    solution = new_notebook(cells=[
        new_markdown_cell("# Tiny"),
        new_code_cell("x = 1\nprint(x)", execution_count=1,
                      outputs=[new_output("stream", text="1 (mode: full)\n")]),
        _exercise(new_markdown_cell("**Exercise.** Set `answer` to 42. *(solved)*")),
        _exercise(new_code_cell("answer = 42\nassert ex.check_answer(answer)",
                                execution_count=2,
                                outputs=[new_output("stream", text="[ok] correct\n")])),
    ])
    solution.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    for i, (a, b) in enumerate(zip(student.cells, solution.cells)):
        a.id = b.id = f"c{i:03d}"
    for folder, nb in (("notebooks", student), ("solutions", solution)):
        (root / folder).mkdir()
        nbformat.write(nb, root / folder / NAME)
    return student, solution


def test_derive_takes_outputs_from_the_solution_and_keeps_the_exercises(tmp_path):
    student, solution = _pair(tmp_path)
    mode = (tmp_path / "notebooks" / NAME).stat().st_mode & 0o777
    nbsync.derive(NAME, root=tmp_path)
    out = nbformat.read(tmp_path / "notebooks" / NAME, as_version=4)
    nbformat.validate(out)
    assert nbsync.drift(NAME, root=tmp_path) == []
    assert [c.id for c in out.cells] == [c.id for c in student.cells]
    assert out.cells[1].outputs == solution.cells[1].outputs  # shared: solution's outputs
    assert out.cells[1].execution_count == 1
    assert out.cells[2].source == student.cells[2].source  # exercise task text kept
    stub = out.cells[3]
    assert stub.source == student.cells[3].source and nbsync.is_exercise(stub)
    assert stub.outputs == [] and stub.execution_count is None
    assert "execution" not in stub.metadata
    assert out.metadata["language_info"]["version"] == "3.11.7"
    assert (tmp_path / "solutions" / NAME).read_text() == nbformat.writes(solution) + "\n"
    assert sorted(p.name for p in (tmp_path / "notebooks").iterdir()) == [NAME]  # no temp
    assert (tmp_path / "notebooks" / NAME).stat().st_mode & 0o777 == mode


def test_derive_refuses_a_drifted_pair(tmp_path):
    student, _ = _pair(tmp_path)
    student.cells[1].source = "x = 2  # edited in the student copy only"
    nbformat.write(student, tmp_path / "notebooks" / NAME)
    with pytest.raises(SystemExit, match="drifted"):
        nbsync.derive(NAME, root=tmp_path)
    assert nbformat.read(tmp_path / "notebooks" / NAME, as_version=4) == student


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
                                metadata={"kernelspec": nbsync.KERNEL}), path)
    seconds = run_course.execute(path, timeout=60)
    cell = nbformat.read(path, as_version=4).cells[0]
    assert seconds > 0 and cell.execution_count == 1
    assert cell.outputs[0].text.strip() == str(tmp_path)


def test_run_course_executes_the_solution_and_derives_the_student_copy(tmp_path, monkeypatch,
                                                                         capsys):
    _, solution = _pair(tmp_path)
    solution.metadata["kernelspec"] = nbsync.KERNEL
    solution.cells[3].source = "answer = 42\nprint('solved', answer)"  # no ex module here
    nbformat.write(solution, tmp_path / "solutions" / NAME)
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    monkeypatch.setenv("REC_COURSE_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("REC_COURSE_QUICK", "0")
    assert run_course.main(["99_tiny", "--timeout", "60"]) == 0
    ran = nbformat.read(tmp_path / "solutions" / NAME, as_version=4)
    assert ran.cells[1].outputs[0].text == "1\n" and ran.cells[3].execution_count == 2
    student = nbformat.read(tmp_path / "notebooks" / NAME, as_version=4)
    assert student.cells[1].outputs == ran.cells[1].outputs
    assert student.cells[3].outputs == [] and "answer = None" in student.cells[3].source
    times = json.loads((tmp_path / "results" / "timings" / "notebook_times.json").read_text())
    assert list(times) == ["99_tiny"] and times["99_tiny"] > 0
    assert "[1/1] 99_tiny:" in capsys.readouterr().out
