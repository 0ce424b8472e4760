#!/usr/bin/env bash
# The GPU machine's check, one command in under 10 minutes: the carried wheels installed, then
# bench/gpu/phases.py (make estimate's code on the catalogue's GPU settings); summary.json and phases.log land
# in $OUT. Build the wheels here first (bash bench/gpu/wheels.sh), then, with the device tool:
#   run(command="bash bench/gpu/run.sh", carry=["bench/gpu/wheels"], timeout_s=600)
# CPU rehearsal with a Python 3.12 stand-in of that machine (bash bench/gpu/standin.sh builds it):
#   PATH=/tmp/standin/.venv/bin:$PATH OUT=/tmp/rehearsal BUDGET_S=400 bash bench/gpu/run.sh --tiny
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
site=${SITE:-/tmp/site}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \
  bench/gpu/wheels/*.whl || { echo "installing the carried wheels failed" >&2; exit 3; }
export PYTHONPATH="$site:$PWD" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
python3 -c "import torch, transformers, llamafactory; print('python', __import__('sys').version.split()[0], \
'torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
budget=$(( ${BUDGET_S:-560} - ($(date +%s) - start) ))
python3 bench/gpu/phases.py --out "$out" --budget-s "$budget" "$@"
