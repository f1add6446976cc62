"""The classroom kit on the course's own notebooks: exercises marked for nbgrader, student
copies that nbgrader's generation step makes, nbgrader's autograder and the plain
``python -m rec_course.grade`` giving the same points."""

from __future__ import annotations

import ast
import copy
import os
import re
import shutil
import sys

import nbformat
import pytest

if os.environ.get("REC_COURSE_INSTRUCTOR") == "1":  # make test installs nbgrader: no skip
    import nbgrader  # noqa: F401
else:
    pytest.importorskip("nbgrader", reason="instructor install: pip install -r "
                        "requirements-instructor.txt")

from rec_course import grade
from rec_course.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import assignments  # noqa: E402

NOTEBOOKS = sorted(p.name for p in (REPO_ROOT / "solutions").glob("*.ipynb"))
TOUR = "00_setup_and_tour.ipynb"
REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION|<!-- BEGIN SOLUTION -->\n(.*?)"
                    r"<!-- END SOLUTION -->", re.S)


def _cells(folder: str, name: str):
    return nbformat.read(REPO_ROOT / folder / name, as_version=4).cells


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_student_copy_is_what_nbgrader_generates(name):
    assert (REPO_ROOT / "notebooks" / name).exists(), f"notebooks/{name} is missing"
    assert assignments.drift(name) == [], "run: python tools/assignments.py student " + name


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_solution_code_left_in_the_student_copy(name):
    student = "\n".join(c.source for c in _cells("notebooks", name))
    assert "BEGIN SOLUTION" not in student and "END SOLUTION" not in student
    lines = {line.strip() for c in _cells("notebooks", name) if assignments.is_answer(c)
             for line in c.source.splitlines()}  # the cells a region could leak into
    for cell in _cells("solutions", name):
        for match in REGION.finditer(cell.source):
            for line in (match.group(1) or match.group(2)).splitlines():
                code = line.strip()
                if len(code) > 25 and not code.startswith("#"):
                    assert code not in lines, f"solution line in notebooks/{name}: {code}"


def _checker_calls(source: str) -> int:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: none of them calls a checker
        return 0
    return sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "ex"
               and n.func.attr.startswith("check_") for n in ast.walk(tree))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_exercises_are_nbgrader_ready(name):
    """Every checker call is an autograded test cell with points, after its answer cell;
    grade ids are unique and name the notebook; at least three exercises, and from
    notebook 03 on one of them writes Keras code."""
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(REPO_ROOT / "solutions" / name, as_version=4)
    MetadataValidator().validate_nb(nb)
    prefix = f"nb{name[:2]}-ex"
    answers, tests = set(), []
    for cell in nb.cells:
        meta = assignments.nbgrader_meta(cell)
        if cell.cell_type == "code" and _checker_calls(cell.source):
            assert assignments.is_test(cell), f"checker called outside a test cell: {cell.source[:80]}"
        if not meta:
            continue
        assert meta["grade_id"].startswith(prefix), meta["grade_id"]
        exercise = meta["grade_id"].rsplit("-", 1)[0]
        if assignments.is_answer(cell):
            assert REGION.search(cell.source), f"{meta['grade_id']}: no solution region"
            answers.add(exercise)
        if assignments.is_test(cell):
            assert exercise in answers, f"{meta['grade_id']} comes before its answer cell"
            assert meta["points"] > 0 and cell.source.startswith("assert ex.check_")
            assert _checker_calls(cell.source) == 1
            tests.append(meta["grade_id"])
    assert len(tests) >= 3
    if name >= "03":
        assert any("keras." in (m.group(1) or "") for c in nb.cells if assignments.is_answer(c)
                   for m in REGION.finditer(c.source)), "no exercise writes Keras code"


def test_the_course_folder_holds_every_notebook(tmp_path):
    written = assignments.build_course(tmp_path / "course", [n[:-6] for n in NOTEBOOKS],
                                       generate=False)
    assert [p.name for p in written] == NOTEBOOKS
    config = (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert "lock_all_cells = True" in config
    for path in written:
        assert all(not c.get("outputs") for c in nbformat.read(path, as_version=4).cells)


def _wrong_answer_copy(release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The released tour with exercises 1 and 3 answered correctly and 2 wrongly."""
    solution = {assignments.nbgrader_meta(c)["grade_id"]: c.source
                for c in _cells("solutions", TOUR) if assignments.is_answer(c)}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        grade_id = assignments.nbgrader_meta(cell).get("grade_id")
        if grade_id in ("nb00-ex1-answer", "nb00-ex3-answer"):
            cell.source = solution[grade_id]
        elif grade_id == "nb00-ex2-answer":
            cell.source = 'most_rated = "Toy Story (1995)"'
    return nb


def test_nbgrader_and_the_plain_grader_give_the_same_points(tmp_path, monkeypatch):
    """Generate the tour with nbgrader, autograde three submissions (the solution, the
    untouched release, one wrong answer) and grade the same files with
    ``rec_course.grade``: full marks, zero, and exactly one exercise's points lost."""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    assignments.build_course(course, [TOUR[:-6]])
    release = nbformat.read(course / "release" / TOUR[:-6] / TOUR, as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in _cells("notebooks", TOUR)]
    submissions = {"alice": nbformat.read(REPO_ROOT / "solutions" / TOUR, as_version=4),
                   "bob": release, "carol": _wrong_answer_copy(release)}
    for student, nb in submissions.items():
        folder = course / "submitted" / student / TOUR[:-6]
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / TOUR)
    monkeypatch.setenv("REC_COURSE_QUICK", "1")
    assignments.nbgrader(["autograde", TOUR[:-6], "--create"], cwd=course)
    points = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in submissions:
            notebook = gb.find_submission(TOUR[:-6], student).notebooks[0]
            points[student] = {g.name: g.score for g in notebook.grades}
    tests = [assignments.nbgrader_meta(c)["grade_id"] for c in release.cells
             if assignments.is_test(c)]
    assert points["alice"] == {t: 1.0 for t in tests}
    assert points["bob"] == {t: 0.0 for t in tests}
    assert points["carol"] == {**{t: 1.0 for t in tests}, "nb00-ex2-test": 0.0}
    for student in submissions:
        marks, others, executed = grade.grade(course / "submitted" / student / TOUR[:-6] / TOUR)
        assert {m.grade_id: m.score for m in marks} == points[student], student
        assert others == [], f"{student}: a cell outside the exercises failed: {others}"
        assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
        if student == "carol":
            wrong = next(m for m in marks if m.grade_id == "nb00-ex2-test")
            assert wrong.message.startswith("[x] most rated movie: not yet.")
    table = grade.table(marks)
    assert "nb00-ex2-test  0/1     failed" in table and "total: 2 / 3 points" in table


@pytest.mark.parametrize("name", ["01_data_and_preprocessing.ipynb",
                                  "02_evaluation_and_baselines.ipynb"])
def test_an_untouched_student_copy_scores_zero_and_runs_to_the_end(name, tmp_path):
    path = tmp_path / name
    shutil.copy(REPO_ROOT / "notebooks" / name, path)
    marks, others, executed = grade.grade(path)
    assert marks and all(m.score == 0 for m in marks if m.score is not None)
    assert all(m.message.startswith("[ ]") or "NotImplementedError" in m.message
               or "is not defined" in m.message for m in marks if m.score is not None)
    assert others == []
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
