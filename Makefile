# Two commands set up and run everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast bench lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bayes,bench,spark]"
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt gbstats
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/abstats demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 abstats tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not simulation and not pymc" abstats tests

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Re-pin after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^abstats' | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
