# Two commands for everyone:
#   make lab   set everything up and open the notebooks in JupyterLab
#   make test  set everything up and run the whole test suite
# Everything lives in .venv; nothing is installed system-wide except Chromium
# for the browser tests (Debian's package, installed by `make browser`).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements

.PHONY: lab test venv lint bench browser clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.x"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (zego kit)" >/dev/null
	touch $(STAMP)

# JupyterLab refuses to run as root unless told; containers often run as root.
lab: venv
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: venv browser
	$(BIN)/ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python -m tests.benchmarks

# Headless Chromium for the browser tests (Debian/Ubuntu). Skipped quietly when
# it is already there or when apt is not available; the browser tests then skip
# loudly, unless ZEGO_REQUIRE_BROWSER=1 (CI) turns the skip into a failure.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "NOTE: Chromium is not installed; browser tests will skip. Install it with: sudo apt-get install chromium"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
