# 医保办事助手 — every target bootstraps .venv (Python 3.10) first.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false

.DEFAULT_GOAL := help
.PHONY: help install kb nlu stats train demo run run-scaled validate test test-fast eval bench loadtest clean validate-deploy

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv with Python 3.10 and the pinned dependencies (no-op when unchanged)

$(STAMP): requirements.txt constraints.txt scripts/bootstrap-venv
	@scripts/bootstrap-venv $(VENV)
	@touch $@

kb: install ## build the knowledge base when its sources or code changed
	@$(PY) -m knowledge build --if-stale

nlu: kb ## generate the jieba dictionary, lookups and entity indexes from the KB
	@$(PY) -m knowledge nlu | grep -v unchanged || true

stats: kb ## counts per region, missing fields, source coverage
	@$(PY) -m knowledge stats

train: nlu ## train the Rasa model when its inputs changed
	@VENV=$(VENV) scripts/train-if-stale

demo: kb ## load the synthetic demo case data when the case store is empty
	@$(PY) -m casework demo --if-empty

run-scaled: train ## the scaled topology on one machine: PostgreSQL + Redis, REPLICAS (2) Rasa and action-server replicas behind nginx on :5005/:5055
	@VENV=$(VENV) $(PY) scripts/run_scaled.py

run: train demo ## build the KB, train if needed, load demo cases, start the action server (:5055) and Rasa REST (:5005)
	@VENV=$(VENV) scripts/run-assistant

validate: nlu ## rasa data validate (domain, data, config)
	@$(VENV)/bin/rasa data validate --domain bot/domain --data data --config config.yml --fail-on-warnings

test: nlu ## all tests, the slow end-to-end ones too
	@$(PY) -m pytest

test-fast: nlu ## unit tests only
	@$(PY) -m pytest -m "not slow"

eval: install ## blind set (tune in full, frozen in figures) + dev set against the running assistant (start `make run` first) + NLU cross-validation
	@$(PY) scripts/check_blind_set.py >/dev/null || $(PY) scripts/check_blind_set.py
	@$(PY) scripts/eval_blind.py
	@echo; echo "== development set"; $(PY) scripts/eval_dev.py
	@VENV=$(VENV) scripts/crossval

bench: train ## speed: NLU, retrieval, and over REST the default and the scaled topology: turn cost, 1/8/32 users, large messages
	@$(PY) scripts/bench.py

loadtest: train ## bounded load test on loopback: 10,000 messages from 50 users over the scaled topology (needs PostgreSQL, Redis, nginx)
	@$(PY) scripts/loadtest.py

clean: ## remove generated files (keeps .venv and models)
	rm -rf knowledge/generated data/nlu/generated bot/generated casework/generated .pytest_cache

validate-deploy: install ## check deploy/ (Dockerfile, compose, nginx, Kubernetes) with offline validators from PyPI
	@scripts/validate-deploy
