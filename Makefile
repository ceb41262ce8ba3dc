# Two commands on a fresh machine:  `make run` (install, ingest, serve)  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= kb/kb.db
SOURCES ?= sources
HOST   ?= 127.0.0.1
PORT   ?= 8001
WORKERS ?= 1

.PHONY: install ingest serve run test bench bench-search model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

ingest: install
	$(BIN)/python -m pipeline ingest $(SOURCES) --db $(DB) --workers $(WORKERS)

# Read-only: immutable file, SQL time limit, loopback only. The plugin serves the same
# metadata without -m; kb/metadata.yml is passed so local edits to it show at once.
# Open http://$(HOST):$(PORT)/kb/search to ask a question.
serve: install
	@test -f $(DB) || { echo "$(DB) not found: run 'make ingest' first"; exit 1; }
	$(BIN)/datasette serve -i $(DB) -m kb/metadata.yml \
		--setting sql_time_limit_ms 1000 --setting max_returned_rows 1000 \
		--setting allow_download off --setting facet_time_limit_ms 200 \
		-h $(HOST) -p $(PORT)

# Search quality (ours vs Datasette's default vs trigram); add BENCH_ARGS=--latency for
# p50/p95 at a million claims (built once into bench/out/, about 2 minutes).
bench-search: install
	$(BIN)/python bench/search.py $(BENCH_ARGS)

run: install ingest serve

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	$(BIN)/python bench/run_all.py

model: install
	$(BIN)/python -m pipeline.train_topics

clean:
	rm -f $(DB) $(DB)-journal $(DB)-wal $(DB)-shm
