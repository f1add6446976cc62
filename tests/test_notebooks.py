"""Notebook hygiene: committed from a full-mode run, no error outputs, small, the parts
every notebook has, README's course map complete. (Student copies and exercises:
tests/test_classroom.py.)"""

from __future__ import annotations

import json
import re
import sys

import nbformat
import pytest

from rec_course.config import REPO_ROOT
from rec_course.course import COURSE_MAP, course_map

sys.path.insert(0, str(REPO_ROOT / "tools"))
import assignments  # noqa: E402

NOTEBOOKS = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
ALL = [REPO_ROOT / d / n for d in ("notebooks", "solutions") for n in NOTEBOOKS]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_outputs_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert path.stat().st_size < 1_500_000, "trim outputs (fewer rows, lower dpi)"
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if path.parent.name == "notebooks" and assignments.is_exercise(cell) and not cell.outputs:
            continue  # a student's answer or test cell, not run yet
        assert cell.execution_count is not None, "run the notebook (make course) before committing"
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"error output in: {cell.source[:80]}"
            if out.get("name") == "stderr":  # TensorFlow's C++ log: "E0000 00:00:..." lines
                assert not re.search(r"^[EWIF]\d{4} \d\d:\d\d", out.get("text", ""), re.M), (
                    f"TensorFlow C++ log in the outputs of: {cell.source[:80]}")
            texts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")))
    joined = "\n".join(texts)
    assert "mode: full" in joined, "outputs must come from a full-mode run (make course)"
    assert not re.search(r"/(home|root|work|Users|tmp)/", joined), "absolute path in outputs"


# Words a draft leaves for text that is written once the full-mode numbers are known.
PLACEHOLDER = re.compile(r"\b[A-Z0-9]+(?:_[A-Z0-9]+)*_(?:READING|PLACEHOLDER)\b|\bTIME_(?:LINE|FULL)\b"
                         r"|\bTODO\b|\bFIXME\b|\bTBD\b")


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_draft_placeholders(path):
    nb = nbformat.read(path, as_version=4)
    left = sorted({m.group(0) for c in nb.cells for m in PLACEHOLDER.finditer(c.source)})
    assert not left, f"draft placeholders left in {path.parent.name}/{path.name}: {left}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_structure(name):
    nb = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for part in ("Learning objectives", "**Time**", "## Exercises", "Where to go next"):
        assert part in text, f"{name} lacks {part!r}"
    answers = [c for c in nb.cells if c.cell_type == "code" and assignments.is_answer(c)]
    assert len(answers) >= 3
    for cell in answers:
        assert "# YOUR CODE HERE\n" in cell.source and "raise NotImplementedError()" in cell.source
    first = next(i for i, c in enumerate(nb.cells) if assignments.is_exercise(c))
    later = [c for c in nb.cells[first:] if c.cell_type == "code" and not assignments.is_exercise(c)]
    assert not later, "the exercises close the notebook: no lesson code after them"


def _nbval_runs(cell) -> bool:
    """Whether nbval executes this code cell (no nbval-skip tag or NBVAL_SKIP comment)."""
    return ("nbval-skip" not in cell.metadata.get("tags", [])
            and "NBVAL_SKIP" not in cell.source)


def test_make_test_executes_the_solutions():
    """`make test` runs the solution notebooks under nbval; the student copies only here."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "solutions/*.ipynb" in recipe and "notebooks" not in recipe
    assert "--nbval-lax" in makefile


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_student_cell_is_executed_or_an_exercise(name):
    """nbval executes only solutions/: each code cell a learner runs is either an
    exercise's answer cell (a stub) or a cell that nbval executes in solutions/, with the
    same source."""
    student = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4).cells
    solution = nbformat.read(REPO_ROOT / "solutions" / name, as_version=4).cells
    assert len(student) == len(solution)
    for i, (mine, theirs) in enumerate(zip(student, solution)):
        if mine.cell_type != "code" or assignments.is_answer(mine):
            continue
        assert theirs.cell_type == "code" and theirs.source == mine.source, f"cell {i}"
        assert _nbval_runs(theirs), f"{name} cell {i} is skipped by nbval in solutions/"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_exercise_stubs_compile(name):
    """The student stubs are never executed by the tests; they must at least compile
    (IPython magics and ``!`` lines turned into Python the way IPython does)."""
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    cells = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and assignments.is_exercise(cell):
            compile(transform(cell.source), f"notebooks/{name} cell {i}", "exec")


def test_readme_lists_the_course_map():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for entry in COURSE_MAP:
        assert entry["notebook"] in readme
    table = course_map()
    ready = table.query("status == 'ready'").notebook.tolist()
    assert sorted(f"{n}.ipynb" for n in ready) == NOTEBOOKS
    for name in ready:
        assert f"[{name}](notebooks/{name}.ipynb)" in readme, f"README: link {name}"
    for name in table.query("status == 'planned'").notebook:
        assert f"{name} *(planned)*" in readme, f"README: mark {name} as planned"


def _output_text(name: str) -> str:
    nb = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    return "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                     + o.get("data", {}).get("text/html", "")
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_results_match_the_committed_outputs(name):
    """results/<notebook>.json and the notebook's outputs come from the same full-mode run:
    a notebook that records results has a results file, and every recorded headline
    number (nDCG@10, else RMSE, else AUC) is printed in the committed outputs."""
    source = "\n".join(c.source for c in nbformat.read(REPO_ROOT / "notebooks" / name,
                                                       as_version=4).cells)
    path = REPO_ROOT / "results" / name.replace(".ipynb", ".json")
    if "results.record(" not in source:
        return
    assert path.exists(), f"run `make course`: {path.name} is missing"
    text = _output_text(name)
    for record in json.loads(path.read_text(encoding="utf-8")):
        key = next(k for k in ("ndcg@10", "rmse", "auc") if k in record["metrics"])
        shown = f"{record['metrics'][key]:.4f}"
        assert shown in text or shown.rstrip("0") in text, (
            f"{record['model']} ({record['protocol']}): {key} {shown} in {path.name} is not "
            f"in the notebook's outputs; re-run `make course` and commit both")


def test_tour_shows_the_same_popularity_as_notebook_02():
    """Notebook 00 and 02 run the same protocol: the same popularity nDCG@10."""
    records = json.loads((REPO_ROOT / "results" / "02_evaluation_and_baselines.json")
                         .read_text(encoding="utf-8"))
    ndcg = next(r["metrics"]["ndcg@10"] for r in records
                if r["model"] == "Popularity" and r["protocol"] == "stratified-75-25")
    assert f"{ndcg:.4f}" in _output_text("00_setup_and_tour.ipynb")


def test_instructor_guide_tables_are_current():
    """docs/instructor.md's syllabus and exercise tables are what the notebooks' nbgrader
    metadata and the measured run times say (tools/stamp_times.py rewrites them)."""
    from rec_course.course import fill_blocks, instructor_blocks

    docs = (REPO_ROOT / "docs" / "instructor.md").read_text(encoding="utf-8")
    assert fill_blocks(docs, instructor_blocks()) == docs, "run: python tools/stamp_times.py"
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/instructor.md)" in readme, "README: link the instructor guide"
