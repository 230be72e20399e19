# The two set-up commands are `make book` and `make test`; each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# One thread: fastest for minidl's small tensors, and the same float sums on every machine.
export OMP_NUM_THREADS ?= 1
export PYTHONHASHSEED := 0
# make test: one pytest worker per core (pytest-xdist); JOBS=0 runs in one process.
JOBS ?= auto
export MPLBACKEND := module://matplotlib_inline.backend_inline

.PHONY: help venv book pdf test test-fast mutate execute lab bench lint clean

help:
	@echo "make book     build the HTML book into _build/html (creates .venv first)"
	@echo "make pdf      the whole book as one PDF, _build/pdf/minidl.pdf (Chromium prints the HTML; no LaTeX)"
	@echo "make test     lint, unit tests and nbval over every notebook (MUTATE=1: then make mutate)"
	@echo "make test-fast  the unit tests only (no notebooks, no browser, no training runs), for the edit loop"
	@echo "make mutate   plant classic backprop bugs in a copy of minidl; each must fail a test"
	@echo "make execute  re-execute every notebook in book/ in place, deterministically"
	@echo "make lab      JupyterLab on the book"
	@echo "make bench    speed ratios: minidl against torch.nn + autograd and the matmul floor"

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP)

# The notebooks are executed first, in parallel (one per core), into Jupyter Book's cache; the build
# then only renders them. A notebook whose code has not changed is not executed again.
book: $(STAMP)
	$(BIN)/python tools/execute_cache.py
	$(BIN)/jupyter-book build --warningiserror --keep-going .
	@echo
	@echo "The book is built. Open: file://$(CURDIR)/_build/html/index.html"

# Chromium ($$CHROMIUM, chromium on PATH or /usr/bin/chromium) prints _build/html, offline.
pdf: book
	$(BIN)/python tools/pdf.py

test: $(STAMP)
	$(BIN)/ruff check minidl tests bench tools book
	$(BIN)/pytest -n $(JOBS) --dist loadfile --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg tests book
	$(if $(MUTATE),$(BIN)/python tests/mutate.py)

# Several minutes on a 2-core machine, so not part of a plain `make test`: `make test MUTATE=1` adds it.
mutate: $(STAMP)
	$(BIN)/python tests/mutate.py

test-fast: $(STAMP)
	$(BIN)/pytest -q -n $(JOBS) -m "not slow" --ignore=tests/test_browser.py --ignore=tests/test_pdf.py --ignore=tests/test_lab.py \
		--ignore=tests/test_lab_explorer.py --ignore=tests/test_launch_links.py tests

execute: $(STAMP)
	$(BIN)/python tools/execute.py book/*.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) book/

bench: $(STAMP)
	$(BIN)/python bench/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf _build .pytest_cache .hypothesis
