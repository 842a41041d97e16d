# ecomlib workbench. Two set-up commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WAREHOUSE ?= data/warehouse.duckdb
DEMO_DIR  ?= data/demo
PYTEST_ARGS ?=

.PHONY: venv demo test serve bench clean browser java

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test,spark]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ecomlib)" >/dev/null
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecom demo-data --out $(DEMO_DIR)
	@# the demo warehouse is rebuilt from the demo exports each time (never the user's own)
	rm -f $(WAREHOUSE) $(WAREHOUSE).wal
	$(BIN)/ecom --warehouse $(WAREHOUSE) ingest $(DEMO_DIR)
	$(BIN)/ecom --warehouse $(WAREHOUSE) status
	$(BIN)/ecom --warehouse $(WAREHOUSE) quality
	$(BIN)/ecom --warehouse $(WAREHOUSE) run --all

test: $(STAMP) browser java
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The end-to-end app tests drive Debian's Chromium (never a downloaded browser); Chinese in
# web pages needs a system CJK font. Installed here when missing (needs root, as in CI).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk'; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing chromium and a CJK font (apt-get)"; \
	    (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-wqy-microhei >/dev/null) \
	      || echo "apt-get failed: browser tests will be skipped"; \
	  else echo "note: /usr/bin/chromium or a CJK font is missing; browser tests will be skipped" \
	    "(sudo apt-get install chromium fonts-wqy-microhei)"; fi; \
	fi

# Spark (ecom build --engine spark and its test) runs on Java 17 or newer: Debian's headless
# runtime is installed here when there is none (needs root, as in CI; /usr/share/man/man1 must
# exist for its post-install on slim images). Without Java the Spark tests are skipped.
java:
	@ok=; for j in "$$(command -v java)" /usr/lib/jvm/*/bin/java; do \
	  [ -x "$$j" ] && "$$j" -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])' && ok=1; \
	done; \
	if [ -z "$$ok" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing a Java runtime for Spark (apt-get: openjdk-17-jre-headless)"; \
	    mkdir -p /usr/share/man/man1; \
	    (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends openjdk-17-jre-headless >/dev/null) \
	      || echo "apt-get failed: the Spark tests will be skipped"; \
	  else echo "note: no Java 17+ runtime; the Spark tests will be skipped" \
	    "(sudo apt-get install openjdk-17-jre-headless)"; fi; \
	fi

# The apps on 127.0.0.1 with a token (kept in ~/.config/ecomlib/app_token, printed in the URL).
# Another token: ECOMLIB_APP_TOKEN in the environment or TOKEN_FILE=path, never on a command
# line (ps shows it). HOSTS="name ..." adds Host names (a reverse proxy's).
serve: $(STAMP)
	$(if $(TOKEN),$(error TOKEN=... would show the token in ps: use ECOMLIB_APP_TOKEN=... make serve, or TOKEN_FILE=path))
	$(BIN)/ecom serve $(if $(PORT),--port $(PORT)) $(if $(TOKEN_FILE),--token-file $(TOKEN_FILE)) $(foreach h,$(HOSTS),--allow-host $(h))

# the full set of sizes (the first run generates each size's exports into bench/cache/, ~1.5 min
# per million lines); `make bench SIZES=0.5` for a quick look
SIZES ?= 0.5,1,2,5
bench: $(STAMP) java
	$(BIN)/python -m pip install -qq -e '.[test,bench,spark]'
	$(BIN)/python bench/run.py --sizes $(SIZES)

clean:
	rm -rf $(VENV) data reports/*/ *.egg-info
