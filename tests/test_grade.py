"""python -m rec_course.grade on small synthetic notebooks."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rec_course import grade

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _test(source: str, grade_id: str, points: float = 1, outputs=()):
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": grade_id, "points": points, "schema_version": 3}
    return cell


def _answer(source: str, grade_id: str):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                 "grade_id": grade_id, "schema_version": 3}
    return cell


def _reading():
    cell = new_markdown_cell("YOUR ANSWER HERE")
    cell.metadata["nbgrader"] = {"grade": True, "solution": True, "locked": False,
                                 "grade_id": "ex3-reading", "points": 2, "schema_version": 3}
    return cell


def _notebook(path, cells):
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNEL})
    nbformat.write(nb, path)
    return path


def test_cell_score_follows_nbgraders_rule():
    stdout = new_output("stream", text="[ok] fine: correct.\n")
    assert grade.cell_score(_test("", "a", 2, [stdout])) == 2
    assert grade.cell_score(_test("", "a", 2, [stdout, new_output(
        "error", ename="AssertionError", evalue="", traceback=[])])) == 0
    assert grade.cell_score(_test("", "a", 2, [new_output("stream", name="stderr",
                                                          text="a warning\n")])) == 0
    partial = new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)
    assert grade.cell_score(_test("", "a", 2, [partial])) == 0.5
    text = new_output("execute_result", data={"text/plain": "'done'"}, execution_count=1)
    assert grade.cell_score(_test("", "a", 2, [text])) == 2
    too_much = new_output("execute_result", data={"text/plain": "3"}, execution_count=1)
    with pytest.raises(ValueError, match="more than"):
        grade.cell_score(_test("", "a", 2, [too_much]))


def test_message_prefers_the_checkers_verdict():
    cell = _test("", "a", 1, [new_output("stream", text="training...\n[x] f: not yet. Off by one.\n"),
                              new_output("error", ename="AssertionError", evalue="",
                                         traceback=[])])
    assert grade.message(cell) == "[x] f: not yet. Off by one."
    cell = _test("", "a", 1, [new_output("error", ename="NameError",
                                         evalue="name 'x' is not defined", traceback=[])])
    assert grade.message(cell).startswith("the test raised NameError: name 'x' is not defined "
                                          "(your answer cell did not define it")


def test_grade_runs_the_notebook_and_scores_each_exercise(tmp_path, capsys):
    path = _notebook(tmp_path / "work.ipynb", [
        new_code_cell("x = 1"),
        _answer("def f(n):\n    return n + 1", "ex1-answer"),
        _test("assert f(1) == 2\nprint('[ok] f: correct.')", "ex1-test", 2),
        _answer("def g(n):\n    raise NotImplementedError()", "ex2-answer"),
        _test("assert g(1) == 3", "ex2-test", 1),
        new_code_cell("y = undefined_name"),
        _reading(),
    ])
    marks, others, executed = grade.grade(path)
    assert [(m.grade_id, m.score, m.points) for m in marks] == [
        ("ex1-test", 2, 2), ("ex2-test", 0, 1), ("ex3-reading", None, 2)]
    assert marks[0].message == "[ok] f: correct."
    assert "NotImplementedError" in marks[1].message
    assert len(others) == 1 and "NameError" in others[0]
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
    table = grade.table(marks)
    assert "ex1-test     2/2     passed" in table and "ex3-reading  -/2     by hand" in table
    assert table.endswith("total: 2 / 3 points auto-graded; 2 more graded by hand")
    assert nbformat.read(path, as_version=4).cells[2].outputs == []  # the file is untouched


def test_edited_tests_are_reset_to_the_reference(tmp_path):
    reference = _notebook(tmp_path / "course.ipynb", [
        _answer("answer = None", "ex1-answer"), _test("assert answer == 42", "ex1-test")])
    mine = _notebook(tmp_path / "mine.ipynb", [
        _answer("answer = 41", "ex1-answer"), _test("assert True  # edited", "ex1-test")])
    marks, _, executed = grade.grade(mine, reference=reference)
    assert marks[0].score == 0 and executed.cells[1].source == "assert answer == 42"
    marks, _, _ = grade.grade(mine, reference=None, run=True)
    assert marks[0].score == 1  # no reference beside it: graded as written


def test_main_prints_the_table_and_writes_json(tmp_path, capsys):
    done = _test("print('[ok] a: correct.')", "ex1-test", 1,
                 [new_output("stream", text="[ok] a: correct.\n")])
    done.execution_count = 1
    path = _notebook(tmp_path / "done.ipynb", [done, _test("x = 1", "ex2-test", 1)])
    out = tmp_path / "marks.json"
    assert grade.main([str(path), "--no-run", "--json", str(out)]) == 0
    assert "total: 1 / 2 points auto-graded" in capsys.readouterr().out
    assert json.loads(out.read_text()) == [
        {"grade_id": "ex1-test", "points": 1.0, "score": 1.0, "message": "[ok] a: correct.",
         "passed": True},
        {"grade_id": "ex2-test", "points": 1.0, "score": 0.0, "passed": False,
         "message": "not run: run the notebook (or grade without --no-run)"}]


def test_bad_input_gets_a_clear_error(tmp_path, capsys):
    assert grade.main([str(tmp_path / "missing.ipynb")]) == 2
    assert "no notebook at" in capsys.readouterr().err
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="not a readable notebook"):
        grade.grade(broken)
    plain = _notebook(tmp_path / "plain.ipynb", [new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="has no exercises"):
        grade.grade(plain)


def test_a_renamed_copy_of_a_course_notebook_is_reset_to_the_course_tests(tmp_path):
    from rec_course.config import REPO_ROOT

    course = nbformat.read(REPO_ROOT / "notebooks" / "00_setup_and_tour.ipynb", as_version=4)
    for cell in course.cells:
        if grade.is_test(cell):
            cell.source = "assert True  # edited"
    mine = tmp_path / "my_copy.ipynb"
    nbformat.write(course, mine)
    assert grade.course_notebook(course, mine) == REPO_ROOT / "notebooks" / "00_setup_and_tour.ipynb"
    _, _, nb = grade.grade(mine, run=False)
    assert all("ex.check_" in c.source for c in nb.cells if grade.is_test(c))
