# The two commands of the README: `make demo` and `make test`.
# Each sets up a virtual environment in .venv first (once per pyproject change).

VENV ?= .venv
PYTHON ?= python3
# The slowest first, so that two at a time finish together.
BACKENDS ?= jax tensorflow torch
TEST_JOBS ?= 2
# The CPU build of PyTorch; an unpinned torch pulls several GB of CUDA packages.
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python

.PHONY: setup demo test lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)" -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

# The main job on the embedded defaults: presets shipped in the package.
demo: setup
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) examples/quickstart.py

# The test suite, once per backend, each in its own process, then the
# distributed training tests on 8 simulated devices (JAX, which must see the
# flag before it starts). TEST_JOBS runs at a time (the CI machine has 2 cores);
# each run's output is printed whole when it ends.
test: setup
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target \
		$(addprefix test-,$(BACKENDS)) test-distributed

test-%: setup
	@echo "=== KERAS_BACKEND=$*"
	@KERAS_BACKEND=$* $(PY) -m pytest -q -p no:cacheprovider --durations=25

test-distributed: setup
	@echo "=== KERAS_BACKEND=jax on 8 simulated devices"
	@XLA_FLAGS=--xla_force_host_platform_device_count=8 KERAS_BACKEND=jax \
		$(PY) -m pytest -q -p no:cacheprovider --durations=25 tests/distributed

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
