#!/usr/bin/env bash
# The GPU rollout figures (docs/reports/benchmarks.md, GPU): benchmarks/gpu_grpo.py on the 0.5B
# preset's work per step (256 completions in one generation pass), the same in a plain TRL script,
# the 32-completion step of before (issue 22), and transformers' continuous batching; each mode under a time limit
# so the whole run fits one 10-minute command. On the offline GPU machine:
#   bash ../shared/gpu/prepare.sh            # here, once: the wheels in .whl/
#   bash .whl/run-offline.sh bash benchmarks/gpu_rollouts.sh OUT_DIR
# Writes OUT_DIR/gpu.jsonl (one line per mode) and OUT_DIR/<part>.log.
set -u
out=${1:?usage: gpu_rollouts.sh OUT_DIR}
mkdir -p "$out"
bench=(python benchmarks/gpu_grpo.py --workdir /tmp/recexp-gpu-grpo --json "$out/gpu.jsonl" --steps 2)
"${bench[@]}" --modes hf plain --limit-s 170 2>&1 | tee "$out/preset.log"
"${bench[@]}" --modes hf --completions-per-step 32 --limit-s 80 2>&1 | tee "$out/step32.log"
"${bench[@]}" --modes cb --limit-s "${CB_LIMIT_S:-100}" 2>&1 | tee "$out/cb.log"
