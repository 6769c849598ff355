# Two commands set up and run everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo lint test test-fast bench lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bayes,bench,notebook,server,spark]"
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt gbstats
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/abstats demo

# Static gates: ruff (rules in pyproject [tool.ruff.lint]) and mypy (mode and files in pyproject [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check abstats tests benchmarks
	$(BIN)/mypy

# lint first: any ruff finding or mypy error fails the build before pytest starts.
test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --durations=15 abstats tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not simulation and not pymc" abstats tests

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Re-pin after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^abstats' | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
