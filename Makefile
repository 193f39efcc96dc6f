# Two commands for everyone:
#   make lab   set everything up and open the notebooks in JupyterLab
#   make test  set everything up and run the whole test suite
# Everything lives in .venv; nothing is installed system-wide except Chromium and
# Node.js/npm for the browser tests (Debian's packages, installed by `make browser`
# and `make node` when missing).
# The kit's own commands are then `.venv/bin/zego-kit ...` (see the README).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev
KIT    := $(BIN)/zego-kit

# JupyterLab settings kept in the venv, not in your home (sources in lab-settings/):
# no "fetch Jupyter news?" popup over the forms, and a Terminal with the kit's venv active.
LAB_OVERRIDES     := $(VENV)/share/jupyter/lab/settings/overrides.json
LAB_SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.py
# The PATH `make lab` gives JupyterLab, and so its kernels (`!zego-kit ...` in a cell) and
# its Terminal: the kit's python and zego-kit come first, nothing to activate.
LAB_PATH := $(abspath $(BIN)):$(PATH)
# Extra options for `jupyter lab`, e.g. make lab LAB_ARGS="--port 8890 --no-browser".
LAB_ARGS ?=
# The suite runs in this many processes (pytest-xdist), each test file whole in one of them:
# most of its time is spent waiting on kernels, browsers and servers, so 4 fit even 2 cores
# (about 4 minutes instead of 8 on such a machine). make test PYTEST_WORKERS=0 runs it in one.
PYTEST_WORKERS ?= 4
# Options for the kit's commands: make cleanup ARGS=--dry-run, make sandbox ARGS="--port 9000".
ARGS ?=
# `make sandbox` is the room sandbox of the README (later options in ARGS win).
SANDBOX_ARGS := --host 0.0.0.0 --port 8123 --instance-limit 100 --rate-limit 0

# The kit's messages in Chinese (docs/i18n.md): the catalogue translators edit, and the
# compiled twin gettext reads. Both are committed (a clone or `pip install` needs no
# compiler); the venv step recompiles when the catalogue is newer.
LOCALES   := zego_helpers/locale
DOMAIN    := zego_kit
CATALOGUE := $(LOCALES)/zh/LC_MESSAGES/$(DOMAIN).po
COMPILED  := $(CATALOGUE:.po=.mo)
# The template `make i18n` extracts from the code (not committed: the catalogue is the record).
TEMPLATE  := $(VENV)/$(DOMAIN).pot

.PHONY: lab test venv lint bench browser node node-deps hub-deps clean doctor sandbox cleanup i18n

venv: $(STAMP) $(LAB_OVERRIDES) $(LAB_SERVER_CONFIG) $(COMPILED)

# The editable install maps the name zego_helpers to this folder with an import hook, and
# keeps the folder itself off sys.path (a venv running another checkout never sees this one).
# setuptools adds a note about that hook, shown by pip as a "BuildBackendWarning: Editable
# installation" banner: purely informational (setuptools' InformationOnly), so it is off.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.x"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (zego kit)" >/dev/null
	touch $(STAMP)

# The test suite's tools (requirements-dev.txt), on top of the above: `make test` only.
$(DEV_STAMP): requirements-dev.txt requirements.txt | $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

$(COMPILED): $(CATALOGUE) | $(STAMP)
	$(BIN)/pybabel compile --domain $(DOMAIN) --directory $(LOCALES) --statistics

# After changing a message in the code: extract every _() / ngettext() / N_() message,
# merge them into the catalogue (new ones empty, changed ones marked fuzzy), compile.
# Then translate what `make i18n` reports as untranslated or fuzzy, and run it again.
i18n: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --add-comments TRANSLATORS: \
	  --add-location file --no-wrap --project zego-kit --version 0.1.0 \
	  --copyright-holder "zego-kit contributors" --output-file $(TEMPLATE) .
	$(BIN)/pybabel update --input-file $(TEMPLATE) --domain $(DOMAIN) --output-dir $(LOCALES) \
	  --no-wrap --previous --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile --domain $(DOMAIN) --directory $(LOCALES) --statistics

$(LAB_OVERRIDES): lab-settings/overrides.json | $(STAMP)
	mkdir -p $(@D) && cp lab-settings/overrides.json $@

$(LAB_SERVER_CONFIG): lab-settings/jupyter_server_config.py | $(STAMP)
	mkdir -p $(@D) && cp lab-settings/jupyter_server_config.py $@

# JupyterLab refuses to run as root unless told; containers often run as root. It starts
# without make's own variables, so `make ...` typed in its Terminal is a make of its own.
lab: venv
	@echo "JupyterLab from $(VENV), with $(BIN) first on PATH"
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL PATH='$(LAB_PATH)' \
	  $(BIN)/jupyter lab --notebook-dir=notebooks \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# The commands trainers run most, as thin wrappers over `.venv/bin/zego-kit`.
doctor: venv
	$(KIT) doctor $(ARGS)

cleanup: venv
	$(KIT) cleanup $(ARGS)

sandbox: venv
	$(KIT) sandbox $(SANDBOX_ARGS) $(ARGS)

test: venv $(DEV_STAMP) browser node-deps hub-deps
	$(BIN)/ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest --numprocesses $(PYTEST_WORKERS) --dist loadfile

lint: venv $(DEV_STAMP)
	$(BIN)/ruff check .

bench: venv $(DEV_STAMP)
	$(BIN)/python -m tests.benchmarks

# Headless Chromium for the browser tests (Debian/Ubuntu), and Debian's Noto CJK fonts, so
# that the Chinese notebooks and names such as 张伟 (the trainer dashboard's) render in its
# screenshots. Skipped quietly when they are already there or when apt is not available;
# the browser tests then skip loudly, unless ZEGO_REQUIRE_BROWSER=1 (CI) turns the skip into
# a failure.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "NOTE: Chromium is not installed; browser tests will skip. Install it with: sudo apt-get install chromium"
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) ; } || \
	  echo "NOTE: no Chinese font (fonts-noto-cjk); Chinese shows as boxes in screenshots. Install it with: sudo apt-get install fonts-noto-cjk"

# The real ZEGO Express Web SDK (npm, versions pinned in the lockfile) and esbuild,
# for the browser tests that run the call widget against it (tests/browser/sdk/).
SDK_TEST_DIR   := tests/browser/sdk
SDK_TEST_STAMP := $(SDK_TEST_DIR)/node_modules/.zego-kit-installed
node-deps: $(SDK_TEST_STAMP)

$(SDK_TEST_STAMP): $(SDK_TEST_DIR)/package.json $(SDK_TEST_DIR)/package-lock.json | node
	@command -v npm >/dev/null 2>&1 || { echo "NOTE: no npm, so no real-SDK tests (they skip, or fail with ZEGO_REQUIRE_BROWSER=1)"; exit 0; } ; \
	  cd $(SDK_TEST_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $(abspath $@)

# configurable-http-proxy (npm, version pinned in the lockfile): the proxy JupyterHub starts
# in the workshop-room test on a real local hub (tests/hub/). It needs Node.js 20+.
HUB_TEST_DIR   := tests/hub
HUB_TEST_STAMP := $(HUB_TEST_DIR)/node_modules/.zego-kit-installed
hub-deps: $(HUB_TEST_STAMP)

$(HUB_TEST_STAMP): $(HUB_TEST_DIR)/package.json $(HUB_TEST_DIR)/package-lock.json | node
	@command -v npm >/dev/null 2>&1 || { echo "NOTE: no npm, so no configurable-http-proxy: the JupyterHub test will fail (install Node.js 20+ and npm)"; exit 0; } ; \
	  cd $(HUB_TEST_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $(abspath $@)

# Node.js and npm from Debian's packages (Node 20+ for the hub test's proxy), as for Chromium above.
node:
	@command -v npm >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) ; } || \
	  echo "NOTE: npm is not installed; the real-SDK browser tests will skip. Install it with: sudo apt-get install nodejs npm"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(SDK_TEST_DIR)/node_modules $(HUB_TEST_DIR)/node_modules
