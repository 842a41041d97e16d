# ecomlib workbench. Two set-up commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WAREHOUSE ?= data/warehouse.duckdb
DEMO_DIR  ?= data/demo
PYTEST_ARGS ?=

.PHONY: venv demo test serve bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ecomlib)" >/dev/null
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecom demo-data --out $(DEMO_DIR)
	$(BIN)/ecom --warehouse $(WAREHOUSE) ingest $(DEMO_DIR)
	$(BIN)/ecom --warehouse $(WAREHOUSE) status
	$(BIN)/ecom --warehouse $(WAREHOUSE) quality
	$(BIN)/ecom --warehouse $(WAREHOUSE) run --all

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

serve: $(STAMP)
	$(BIN)/voila notebooks/apps --no-browser --Voila.ip=127.0.0.1 --Voila.port_retries=0

bench: $(STAMP)
	$(BIN)/python -m pip install -qq -e '.[test,bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) data reports/*/ *.egg-info
