# The two commands a newcomer needs: `make run` and `make test`.
# Both create the virtual environment on first use and install the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck format benchmark benchmark-fit validation calibrate worlds reference reliability workshop slurm-check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The newcomer's first comparison runs over 20 of the model's plausible worlds (2 replicates
# each), so its intervals carry the model's own uncertainty (docs/uncertainty.md); ARGS adds to
# or overrides it (ARGS=worlds=0: one world, replicate noise only).
run: $(STAMP)
	$(BIN)/outreach-sim worlds=20 replications=2 $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/engine.py $(ARGS)
	$(BIN)/python benchmarks/auto_shard.py
	$(BIN)/python benchmarks/worlds.py
	$(BIN)/python benchmarks/optimize.py

# outreach-sim-fit on a synthetic log of ~100,000 touches, against its two-minute target.
benchmark-fit: $(STAMP)
	$(BIN)/python benchmarks/fit.py $(ARGS)

# Fit the default model to every published target (per touch and per sequence) with SciPy;
# writes sim/conf/model/default.yaml and docs/calibration/fit.{json,md} (~30 minutes on 2 cores),
# then the plausible worlds around the new defaults (as `make worlds`).
calibrate: $(STAMP)
	$(BIN)/python -m sim.validation.calibrate $(ARGS)

# Only the default model's plausible worlds, around the current defaults (history matching on
# every published target): sim/conf/model/worlds/default.yaml, docs/calibration/worlds.{json,md}.
worlds: $(STAMP)
	$(BIN)/python -m sim.validation.worlds $(ARGS)

# Regenerates docs/validation.md and docs/validation/*.png (targets, claims, sensitivity).
validation: $(STAMP)
	$(BIN)/python -m sim.validation

# Rerun the catalogue of bad inputs and hostile configs and rewrite docs/reliability.md.
reliability: $(STAMP)
	$(BIN)/python -m tests.reliability_cases --write-doc

# Rerun every workshop study and refresh results/reference/<study>/ (tables, figures, report).
reference: $(STAMP)
	$(BIN)/python -m sim.cli.reference --all

# The workshop page on http://127.0.0.1:8765/, opened in the browser (Ctrl+C to stop).
workshop: $(STAMP)
	$(BIN)/outreach-sim-workshop $(ARGS)

# A real SLURM run (docs/scaling.md): installs Debian's SLURM packages if missing (root), starts a
# single-node cluster with MaxArraySize=4 (scripts/slurm-local.sh), runs
# tests/test_slurm_cluster.py against it, and tears the cluster down whatever the result.
SLURM_DIR ?= /tmp/outreach-slurm
slurm-check: $(STAMP)
	scripts/slurm-local.sh install
	SLURM_LOCAL_DIR=$(SLURM_DIR) SLURM_LOCAL_MAX_ARRAY=4 scripts/slurm-local.sh setup \
	  && SLURM_CONF=$(SLURM_DIR)/etc/slurm.conf SLURM_CHECK_REQUIRED=1 $(BIN)/python -m pytest \
	     tests/test_slurm_cluster.py -q -rs --basetemp=/tmp/outreach-slurm-check $(PYTEST_ARGS); \
	  rc=$$?; SLURM_LOCAL_DIR=$(SLURM_DIR) scripts/slurm-local.sh teardown; exit $$rc

clean:
	rm -rf $(VENV) results/runs results/sweeps .pytest_cache .mypy_cache .ruff_cache
