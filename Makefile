# Two commands: `make run` (the demo on the shipped models) and `make test` (the whole test suite).
# Each creates the virtual environment when it is missing and installs what it needs.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export IWAE_DATA_DIR ?= $(abspath ../shared/data)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test docker-test lint bench chromium nginx clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,train]"
	touch $(STAMP)

# From npm, pinned by package-lock.json: ONNX Runtime Web (served to the page) and axe-core (the
# accessibility test's tooling).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# With Node.js, npm brings ONNX Runtime Web and the page decodes latents itself; without, on the server.
NPM := $(shell command -v npm 2>/dev/null)

run: $(STAMP) $(if $(NPM),$(NODE_STAMP))
	$(VENV)/bin/iwae serve --host $(HOST) --port $(PORT)

# A Debian package, installed (as root, or through sudo) when its command is not there.
apt_install = command -v $(1) >/dev/null 2>&1 || [ -x /usr/sbin/$(1) ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(1) >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $(1) >/dev/null; fi; }

# The browser tests need a real Chromium: Debian's package (Playwright's own download cannot work offline).
chromium:
	@$(call apt_install,chromium)

# The fleet test puts three replicas behind Debian's nginx; without it that test is skipped, saying why.
nginx:
	@$(call apt_install,nginx) || echo "nginx could not be installed: the fleet test will be skipped"

# The browser demo's pure ES modules (static/js/) have unit tests of their own, run by Node's test runner.
test: $(STAMP) $(NODE_STAMP) chromium nginx
	node --test tests/js/
	$(PY) -m pytest

# The Docker image built, run read-only as a user, smoke-tested (REST and browser) and stopped mid-flight
# (tests/docker). As root it starts Debian's dockerd when none answers and builds a local Debian base
# when python:3.11-slim cannot be pulled; without a daemon the tests are skipped, saying why.
docker-test: $(STAMP) $(NODE_STAMP) chromium
	$(PY) -m pytest -m docker -s tests/docker  # -s: the image's size, start and stop times

lint: $(STAMP)
	$(VENV)/bin/ruff check model app tests bench

bench: $(STAMP)
	$(PY) bench/train_throughput.py
	$(PY) bench/serve_bench.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache artifacts
