# 医保办事助手 — every target bootstraps .venv (Python 3.10) first.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install kb stats run test test-fast clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv with Python 3.10 and the pinned dependencies (no-op when unchanged)

$(STAMP): requirements.txt constraints.txt scripts/bootstrap-venv
	@scripts/bootstrap-venv $(VENV)
	@touch $@

kb: install ## build the knowledge base when its sources or code changed
	@$(PY) -m knowledge build --if-stale

stats: kb ## counts per region, missing fields, source coverage
	@$(PY) -m knowledge stats

run: kb ## build the KB and show what it holds (the assistant arrives with issue 3)
	@$(PY) -m knowledge stats

test: install ## all tests, the slow ones too
	@$(PY) -m pytest

test-fast: install ## unit tests only
	@$(PY) -m pytest -m "not slow"

clean: ## remove generated files (keeps .venv)
	rm -rf knowledge/generated .pytest_cache
