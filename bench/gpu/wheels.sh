#!/usr/bin/env bash
# The wheels the GPU machine lacks, for its Python 3.12, into bench/gpu/wheels/ (ignored; about 28 MiB), which
# `bench/gpu/run.sh` installs there with pip --no-index --no-deps --target. The set and why each version:
# ../shared/docs/FACTS.md ("The GPU check machine"). bitsandbytes is slimmed to its CPU and CUDA 13.0 builds
# (41 MiB -> 3.4 MiB; bench/gpu/slim_wheel.py); deepspeed, an sdist on PyPI, is built as a pure-Python wheel.
#   bash bench/gpu/wheels.sh            # from the repo root, with network (PyPI)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/gpu/wheels
py=${PYTHON:-.venv/bin/python}
rm -rf "$out" && mkdir -p "$out/full"
platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64
           --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64)
pins=(transformers==4.57.1 huggingface_hub==0.36.2 tokenizers==0.22.2 accelerate==1.11.0 peft==0.18.1 trl==0.24.0
      datasets==4.0.0 dill==0.3.8 multiprocess==0.70.16 fsspec==2025.3.0 omegaconf==2.4.0 pydantic==2.12.3
      pydantic_core==2.41.4 annotated_types==0.8.0 typing_inspection==0.4.5 llamafactory==0.9.5 hjson==3.1.0
      liger-kernel==0.7.0 bitsandbytes==0.50.2)
"$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  "${platforms[@]}" -d "$out/full" "${pins[@]}"
DS_BUILD_OPS=0 DS_ACCELERATOR=cuda "$py" -m pip wheel -q --no-deps --no-build-isolation -w "$out/full" deepspeed==0.19.8
for wheel in "$out"/full/*.whl; do
  case "$(basename "$wheel")" in
    bitsandbytes-*) "$py" bench/gpu/slim_wheel.py "$wheel" "$out" 'libbitsandbytes_cpu' 'libbitsandbytes_cuda130' ;;
    *) mv "$wheel" "$out/" ;;
  esac
done
rm -rf "$out/full"
ls -1 "$out" | wc -l | xargs echo wheels:
du -sh "$out"
