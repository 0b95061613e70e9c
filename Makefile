# gwpaper: every target sets itself up (venv, pinned installs, data) on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PROFILE ?= paper
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export MPLBACKEND := Agg

.PHONY: install check-core data figures test test-quick check-export check-clean nbtest pytest bench bench-compare lab readme lock clean docs browser-check chromium disk-space

$(VENV)/.installed: settings.ini setup.py requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c requirements-lock.txt -e ".[paper,dev,gguf]"
	$(BIN)/pip check
	touch $@

install: $(VENV)/.installed

## make data [MODELS=1]: fetch and verify the offline corpora (and with MODELS=1 the offline MPNet, about 405 MB) into data/cache/ (see data/README.md)
data: install
	$(BIN)/gwpaper data fetch $(if $(MODELS),--models,)

## make figures [PROFILE=quick|paper]: run every experiment notebook; paper writes figures/, quick writes build/figures/
figures: install data
	$(if $(filter paper,$(PROFILE)),$(BIN)/gwpaper data fetch --paper,)
	$(BIN)/gwpaper notebooks --profile $(PROFILE)

## make test: everything CI checks
test: disk-space install data chromium check-export check-clean nbtest pytest check-core
	$(MAKE) figures PROFILE=quick
	$(MAKE) docs
	$(MAKE) browser-check
	@echo "make test: all checks passed"

## a fresh clone's make test writes about 3.3 GB (.venv 2.3 GB, data/cache 0.9 GB, build/ and _site/); a full disk
## otherwise fails late and obscurely (a fine-tuned checkpoint that cannot be saved), so check first
DISK_NEED_GB ?= $(if $(wildcard $(VENV)/.installed),2,4)
disk-space:
	@free=$$(df -Pk . | awk 'NR==2 {print int($$4/1048576)}'); \
	if [ "$$free" -lt $(DISK_NEED_GB) ]; then \
	  echo "ERROR: $$free GB free on the disk of $(CURDIR); make test needs about $(DISK_NEED_GB) GB (.venv 2.3 GB, data/cache 0.9 GB, build/). Free some space and rerun."; exit 1; fi

## make check-core: a fresh venv with the core requirements only (no [paper] extra: no papermill, datasets, nbformat) runs the README tour
CORE_VENV := build/core-venv
check-core: install
	rm -rf $(CORE_VENV) && $(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/pip install -q torch==2.13.0
	$(CORE_VENV)/bin/pip install -q -c requirements-lock.txt -e .
	$(CORE_VENV)/bin/pip check
	MPLBACKEND=Agg $(CORE_VENV)/bin/python docs/core_check.py

check-export: install
	$(BIN)/nbdev_export
	@if [ -n "$$(git status --porcelain -- gwpaper/)" ]; then \
	  git status --short -- gwpaper/; git --no-pager diff --stat -- gwpaper/; \
	  echo "ERROR: gwpaper/ is out of step with nbs/. Run nbdev_export and commit notebooks and modules together."; exit 1; fi

check-clean: install
	$(BIN)/nbdev_clean
	@if [ -n "$$(git status --porcelain -- nbs/)" ]; then \
	  git status --short -- nbs/; \
	  echo "ERROR: notebooks carry execution noise or are uncommitted. Run nbdev_clean and commit."; exit 1; fi

## nbdev_test executes the library notebooks and the index; their figures go to build/, never to the committed figures/;
## docs/nbtest.py is nbdev_test keeping each executed notebook in build/executed-lib/ for the docs' library pages
nbtest: install
	GWPAPER_FIGURES=$(CURDIR)/build/figures $(PY) docs/nbtest.py --path nbs --do_print

pytest: install
	$(PY) -m pytest tests -q -p no:cacheprovider --durations=5

## make bench [BENCH_ARGS="--workload W1 --n 1000"]: the GW engine against POT's default (not part of make test; see benchmarks/README.md)
BENCH_ARGS ?= --workload W1 --n 1000
bench: install data
	$(PY) benchmarks/bench_gw.py $(BENCH_ARGS)

## make bench-compare BEFORE=<git revision> [RECORD=benchmarks/records/x.json]: that revision's engine against this checkout's, alternating in one run (W1, n = 1000; benchmarks/bench_before_after.py)
BEFORE ?= HEAD
bench-compare: install
	rm -rf build/bench-before && git worktree prune && git worktree add -f --detach build/bench-before $(BEFORE)
	$(PY) benchmarks/bench_before_after.py --before build/bench-before $(if $(RECORD),--record $(RECORD),); s=$$?; git worktree remove --force build/bench-before; exit $$s

## make docs: the static site in _site/ (Sphinx + myst-nb + furo, offline; MathJax from the npm registry, checksummed). Open _site/index.html, or serve it: python3 -m http.server -d _site
docs: install
	$(PY) docs/build_site.py

## make browser-check: open every page of _site/ in headless Chromium (Debian's chromium + chromium-driver, installed here when run as root); under CI=true it must run
browser-check: install chromium
	$(PY) docs/check_site.py

chromium:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and chromium-driver for the browser check"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || echo "apt-get could not install them"; \
	  fi; fi

## make lab: JupyterLab on nbs/ (pinned in the dev extra and requirements-lock.txt, installed by make install)
lab: install
	$(BIN)/jupyter lab nbs/

## make readme: execute nbs/index.ipynb and render README.md from it
readme: install
	cd nbs && ../$(PY) -c "from execnb.shell import CaptureShell; CaptureShell().execute('index.ipynb', 'index.ipynb', exc_stop=True)"
	$(BIN)/nbdev_clean --fname nbs/index.ipynb
	$(BIN)/gwpaper readme

## make lock: re-pin requirements-lock.txt from the current venv
lock: install
	{ echo '# Exact versions `make` installs (pip -c). Regenerate with `make lock` after changing settings.ini requirements.'; \
	  $(BIN)/pip freeze --exclude-editable | grep -viE '^(gwpaper|pip|setuptools|wheel)[=@ ]' | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > requirements-lock.txt

clean:
	rm -rf build _proc _docs _site
