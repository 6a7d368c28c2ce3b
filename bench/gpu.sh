#!/usr/bin/env bash
# The GPU figures in one run (about 4 minutes on an H100/H200), from the repository root:
#   1. fine-tuning tokens/s for SmolLM2-135M's shape (LoRA and full; bf16 autocast on CUDA);
#   2. the in-process batched runtime vs `transformers serve --continuous-batching` through the
#      `openai` runtime, on the same GPU, the same prompts: sections/s for each and their ratio.
#
#   bash bench/gpu.sh                 # CUDA; skips cleanly (exit 0) where no GPU is visible
#   bash bench/gpu.sh --device cpu    # the same steps on tiny shapes: a smoke test of this script
#
# Figures and logs go to $OUT (default ./bench/results/gpu); the JSON of each step and a summary
# (summary.json) are printed at the end. A step that fails is reported and the next one runs.
#
# Offline GPU boxes: torch, transformers, tokenizers, peft and accelerate are expected there. The
# serving row also needs transformers' serving extra and httpx; carry these wheels in ./.whl
# (py3 / cp312 manylinux; `pip download --no-deps ...`), installed below without the network:
#   fastapi starlette uvicorn h11 click openai jiter sniffio anyio httpx httpcore httpx2
#   httpcore2 truststore idna certifi pydantic pydantic_core annotated_types typing_inspection
#   typing_extensions rich markdown_it_py mdurl pygments
set -uo pipefail
cd "$(dirname "$0")/.."

device=cuda
[ "${1:-}" = "--device" ] && device="${2:-cuda}"
OUT="${OUT:-bench/results/gpu}"
py="${PYTHON:-python3}"  # the interpreter with torch (PYTHON=.venv/bin/python here)
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if compgen -G ".whl/*.whl" >/dev/null; then
  "$py" -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl \
    && export PYTHONPATH="/tmp/site:$PYTHONPATH"
fi

if [ "$device" = cuda ] && ! "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "gpu.sh: no CUDA device visible: nothing to measure (skipped)"
  echo '{"skipped": "no CUDA device"}' > "$OUT/summary.json"
  exit 0
fi
"$py" - <<'EOF' | tee "$OUT/versions.txt"
import importlib.metadata as m, torch
names = ("torch", "transformers", "tokenizers", "peft", "accelerate", "fastapi", "uvicorn", "openai", "httpx")
def v(n):
    try:
        return m.version(n)
    except m.PackageNotFoundError:
        return "missing"
print(" ".join(f"{n}={v(n)}" for n in names), "|", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")
EOF

if [ "$device" = cuda ]; then
  finetune=(--device cuda --shape smollm2-135m --steps 20 --batch-size 16)
  generation=(--device cuda --dtype bfloat16 --shapes smollm2-135m --batch-sizes 128
              --prompts 256 --naive-prompts 16 --served 64)
  limit=150
else
  finetune=(--device cpu --shape tiny-llama --steps 2 --batch-size 2 --prompt-words 30)
  generation=(--device cpu --quick --shapes tiny-llama --served 4)
  limit=300
fi

step() {  # step NAME SCRIPT ARGS...: run it under a time limit, keep its log and last JSON line
  local name="$1"; shift
  echo "== $name: $py $*"
  timeout --kill-after=10 "$limit" "$py" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  grep -v '^{' "$OUT/$name.log" | grep -vi 'it/s\]\|warn' | tail -n 12
  if tail -n 1 "$OUT/$name.log" | grep -q '^{'; then
    tail -n 1 "$OUT/$name.log" > "$OUT/$name.json"
  else
    echo "{\"error\": \"exit $rc\"}" > "$OUT/$name.json"
    echo "!! $name failed (exit $rc); last lines:"; tail -n 20 "$OUT/$name.log"
  fi
}

step finetune bench/finetune.py "${finetune[@]}"
step generation bench/generation.py "${generation[@]}"

"$py" - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
ft = json.loads((out / "finetune.json").read_text())
gen = json.loads((out / "generation.json").read_text())
rows = [{k: r.get(k) for k in ("method", "dtype", "tokens_per_s")} for r in ft.get("rows", [])]
summary = {"finetune": {"device": ft.get("device"), "error": ft.get("error"), "rows": rows},
           "generation": {k: v for k, v in gen.items() if "sections_per_s" in k or "served" in k or k in ("device", "error")}}
(out / "summary.json").write_text(json.dumps(summary, indent=1))
print("== summary"); print(json.dumps(summary, indent=1))
EOF
