# Deep Learning for Recommender Systems: the course.
#   make lab     create .venv if needed, install, fetch data, open JupyterLab
#   make test    create .venv if needed, run every test (notebooks in quick mode)
#   make course  run every notebook in full mode and write results/
#   make clean   remove .venv and scratch files (keeps the data cache)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; containers often run as root.
LAB_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_ARGS ?=
NB_TIMEOUT ?= 1800

.PHONY: lab test course data benchmark results clean clean-data help

help:
	@sed -n '2,6p' Makefile

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python 3.11 or newer is needed; $(PYTHON) is {v.major}.{v.minor}. Run make PYTHON=python3.12 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

data: $(STAMP)
	$(PY) -m rec_course.data fetch

lab: data
	$(PY) -m jupyter lab --ServerApp.root_dir=$(CURDIR) $(LAB_ROOT) $(LAB_ARGS) notebooks/00_setup_and_tour.ipynb

# Quick mode: same code path, fewer epochs. pytest exits non-zero (5) if nothing ran.
test: data
	@start=$$(date +%s); \
	REC_COURSE_QUICK=1 $(PY) -m pytest -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  tests notebooks solutions $(PYTEST_ARGS); rc=$$?; \
	echo "make test: pytest exit $$rc after $$(( $$(date +%s) - start )) s"; exit $$rc

# Full mode. The student notebooks record results/; the solutions (same code plus the
# exercises) run afterwards with their results sent to a scratch folder.
course: data
	REC_COURSE_QUICK=0 $(PY) -m jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=$(NB_TIMEOUT) notebooks/*.ipynb
	REC_COURSE_QUICK=0 REC_COURSE_RESULTS=$(CURDIR)/results/quick/solutions $(PY) -m jupyter nbconvert \
	  --to notebook --execute --inplace --ExecutePreprocessor.timeout=$(NB_TIMEOUT) solutions/*.ipynb
	$(MAKE) benchmark results

benchmark: data
	$(PY) benchmarks/evaluation_speed.py

results: $(STAMP)
	$(PY) -m rec_course.results

clean:
	rm -rf $(VENV) results/quick .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

clean-data:
	rm -rf datasets/cache
