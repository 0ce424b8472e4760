#!/usr/bin/env bash
# A CPU stand-in of the GPU machine's Python (3.12, torch 2.11.0, transformers 5.17.0, huggingface_hub 1.33.0,
# tokenizers 0.23.2, accelerate 1.15.0 and the rest of its image that LLaMA-Factory touches; see
# /work/.library/device/KINDS.md), at /tmp/standin/.venv, to rehearse bench/gpu/run.sh without the GPU.
# About 4 minutes and 7 GB (torch's CUDA build, as there).
set -euo pipefail
root=${STANDIN:-/tmp/standin}
python=${PYTHON312:-$(command -v python3.12)}
"$python" -m venv "$root/.venv"
"$root/.venv/bin/pip" install -q --upgrade pip
"$root/.venv/bin/pip" install -q torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 transformers==5.17.0 \
  huggingface_hub==1.33.0 tokenizers==0.23.2 accelerate==1.15.0 safetensors==0.8.0 numpy pyyaml pandas pyarrow \
  sentencepiece psutil requests jinja2 scipy peft triton regex tqdm packaging filelock xxhash aiohttp einops \
  protobuf rich scikit-learn tiktoken matplotlib
echo "stand-in ready: $root/.venv/bin/python3"
