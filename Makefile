# Deep Learning for Recommender Systems: the course.
#   make lab          create .venv if needed, install, fetch data, open JupyterLab
#   make test         create .venv if needed, run every test (solution notebooks in quick mode)
#   make test-compat  Python 3.12 + the lowest versions pyproject.toml allows (.venv-compat):
#                     unit tests and notebooks 00, 03 in quick mode (COMPAT_PYTHON=... picks one)
#   make course       run every solution notebook once in full mode, write results/ and
#                     generate notebooks/ from them (make course NB=03_collaborative_filtering)
#   make benchmark-training  seconds per epoch / per fit of MF, BPR, NeuMF, Mult-VAE
#   make assignments  an nbgrader course folder (classroom/) from the solution notebooks;
#                     grade one notebook without nbgrader: python -m rec_course.grade NB
#   make clean        remove .venv, .venv-compat and scratch files (keeps the data cache)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
INSTRUCTOR_STAMP := $(VENV)/.instructor
CLASSROOM ?= classroom
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; containers often run as root.
LAB_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_ARGS ?=
NB_TIMEOUT ?= 1800
NB ?=
# Python 3.12 for test-compat: python3.12 on PATH, else a pyenv install.
COMPAT_PYTHON ?= $(shell tools/find_python.sh 3.12)
COMPAT_VENV   := .venv-compat
COMPAT_PY     := $(COMPAT_VENV)/bin/python
COMPAT_STAMP  := $(COMPAT_VENV)/.installed
COMPAT_NOTEBOOKS := solutions/00_setup_and_tour.ipynb solutions/03_collaborative_filtering.ipynb
# make test runs on TEST_WORKERS processes (pytest-xdist); --dist loadscope keeps each
# notebook's cells, and each test module, on one worker, in order. TEST_WORKERS=0: serial.
TEST_WORKERS ?= 2
XDIST_ARGS := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope)
NBVAL_ARGS := --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
  --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test test-compat course assignments data benchmark benchmark-training results clean clean-data help

help:
	@sed -n '2,/^$$/{/^#/p}' Makefile

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python 3.11 or newer is needed; $(PYTHON) is {v.major}.{v.minor}. Run make PYTHON=python3.12 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# nbgrader, for instructors (learners do not need it); make test and make course use it.
$(INSTRUCTOR_STAMP): $(STAMP) requirements-instructor.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-instructor.txt
	@touch $(INSTRUCTOR_STAMP)

data: $(STAMP)
	$(PY) -m rec_course.data fetch

lab: data
	$(PY) -m jupyter lab --ServerApp.root_dir=$(CURDIR) $(LAB_ROOT) $(LAB_ARGS) notebooks/00_setup_and_tour.ipynb

# Quick mode: same code path, fewer epochs. nbval executes the solution notebooks, which
# hold every student cell; tests/test_notebooks.py checks the student copies without
# running them. pytest exits non-zero (5) if nothing ran.
test: data $(INSTRUCTOR_STAMP)
	@start=$$(date +%s); \
	REC_COURSE_QUICK=1 REC_COURSE_INSTRUCTOR=1 $(PY) -m pytest -p no:cacheprovider $(XDIST_ARGS) $(NBVAL_ARGS) \
	  tests solutions/*.ipynb $(PYTEST_ARGS); rc=$$?; \
	echo "make test: pytest exit $$rc after $$(( $$(date +%s) - start )) s"; exit $$rc

$(COMPAT_STAMP): requirements-compat.txt pyproject.toml
	@test -n "$(COMPAT_PYTHON)" || { echo "make test-compat: no Python 3.12 found (python3.12 on PATH or pyenv); set COMPAT_PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(COMPAT_PY) || $(COMPAT_PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_PY) -m pip install --quiet --upgrade pip
	$(COMPAT_PY) -m pip install --quiet -r requirements-compat.txt
	@touch $(COMPAT_STAMP)

# What Colab runs: Python 3.12 with older TensorFlow, Keras and pandas 2.x.
test-compat: $(COMPAT_STAMP)
	$(COMPAT_PY) -m rec_course.data fetch
	@start=$$(date +%s); \
	REC_COURSE_QUICK=1 $(COMPAT_PY) -m pytest -p no:cacheprovider $(XDIST_ARGS) $(NBVAL_ARGS) \
	  tests $(COMPAT_NOTEBOOKS) $(PYTEST_ARGS); rc=$$?; \
	echo "make test-compat: pytest exit $$rc after $$(( $$(date +%s) - start )) s"; exit $$rc

# Full mode, each notebook once: the solutions run (and write results/), then each
# student copy is generated from its executed solution (tools/assignments.py student).
course: data $(INSTRUCTOR_STAMP)
	REC_COURSE_QUICK=0 $(PY) tools/run_course.py --timeout=$(NB_TIMEOUT) $(NB)
	$(PY) tools/stamp_times.py
	$(if $(NB),$(MAKE) results,$(MAKE) benchmark results)

# The nbgrader course folder: source/ (the solutions), release/ (what students get).
assignments: data $(INSTRUCTOR_STAMP)
	$(PY) tools/assignments.py course $(CLASSROOM) $(NB)

benchmark: data
	$(PY) benchmarks/evaluation_speed.py

# Seconds per epoch and per fit of the Keras models (about 10 minutes; not part of course).
benchmark-training: data
	$(PY) benchmarks/training_speed.py
	$(PY) -m rec_course.results

results: $(STAMP)
	$(PY) -m rec_course.results

clean:
	rm -rf $(VENV) $(COMPAT_VENV) results/quick .pytest_cache $(CLASSROOM)
	find . -name __pycache__ -prune -exec rm -rf {} +

clean-data:
	rm -rf datasets/cache
