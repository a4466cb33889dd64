#!/usr/bin/env bash
# GPU path check, run on a lent GPU machine (see the device notes in the README):
#   SFT throughput fp32 vs bf16 at a larger batch, then merge + eval on CUDA, figures to $OUT/summary.json.
# The embedded SmolLM2 GGUF is too large to carry there, so the model is a random one with
# SmolLM2-135M's shape (576 hidden, 30 layers, 9 heads / 3 KV heads), built on the machine.
# Python packages the GPU image lacks travel as wheels in .whl/ (installed to /tmp/site).
set -euo pipefail
OUT=${OUT:-/tmp/gpu_check}
ART=${ART:-/tmp/gpu_check_art}
mkdir -p "$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 WANDB_MODE=offline TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, transformers, trl, peft, mergekit; print('torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'peft', peft.__version__)" | tee -a "$OUT/gpu.txt"
SHAPE="model=tiny-random model.tiny.hidden_size=576 model.tiny.intermediate_size=1536 model.tiny.num_hidden_layers=30 model.tiny.num_attention_heads=9 model.tiny.num_key_value_heads=3 model.tiny.vocab_size=8192"
COMMON="experiment=tiny tracker=none progress=false paths.artifacts=$ART train.max_steps=${STEPS:-60} train.max_length=1024 train.per_device_batch_size=${BATCH:-32} train.learning_rate=3e-4 merge.ratios=[0.5] eval.indomain.tasks=[item_selection] eval.indomain.max_samples=64 eval.indomain.batch_size=32 eval.indomain.max_new_tokens=32 eval.perplexity.max_docs=64"
python3 -m humanllm.cli train $SHAPE $COMMON train.bf16=false paths.results="$OUT/fp32" 2>&1 | grep -v Warning | tail -3
python3 -m humanllm.cli pipeline $SHAPE $COMMON model.dtype=bfloat16 train.bf16=true paths.results="$OUT/bf16" 2>&1 | grep -v Warning | tail -12
python3 - "$OUT" "$ART" <<'PY' | tee "$OUT/summary.json"
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
rows = []
for m in sorted(pathlib.Path(sys.argv[2]).glob("*/*/manifest.json")):
    d = json.loads(m.read_text())
    rows.append({"stage": d["stage"], "config": d["config"].get("train", {}).get("bf16") if d["stage"] == "train" else None,
                 "timings_s": d["timings_s"], "counts": {k: v for k, v in d["counts"].items() if not isinstance(v, (dict, list))}})
print(json.dumps({"gpu": (out / "gpu.txt").read_text().strip(), "stages": rows}, indent=1))
PY
