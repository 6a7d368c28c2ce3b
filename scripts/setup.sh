#!/usr/bin/env bash
# Installs cohortcv into ./.venv on this machine; with --test also what the test suite needs.
# Chinese resumes need the Noto CJK fonts: installed from Debian's fonts-noto-cjk when we can.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "setup: installing fonts-noto-cjk for Chinese resumes" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; } \
    || echo "setup: could not install fonts-noto-cjk; Chinese PDFs need it (apt-get install fonts-noto-cjk)" >&2
fi

<<<<<<< HEAD
# The browser test drives Debian's chromium through Playwright (never a downloaded browser).
if [ "$want_test" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium for the browser test" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "setup: could not install chromium; the browser test needs it (apt-get install chromium)" >&2
=======
# The alert rule tests need promtool (Debian: prometheus). Debian's package starts a Prometheus
# server on :9090 where systemd runs, and recommends node-exporter (:9100): skip the
# recommends and stop the server, the tests only run promtool.
if [ "$want_test" = 1 ] && ! command -v promtool >/dev/null; then
  echo "setup: installing prometheus for promtool (alert rule tests)" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } \
    || echo "setup: could not install prometheus; the alert rule tests need promtool (apt-get install prometheus)" >&2
  if [ -d /run/systemd/system ]; then as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  else as_root invoke-rc.d prometheus stop >/dev/null 2>&1 || true; fi
>>>>>>> main
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>/dev/null || true
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q .
fi
echo "setup: cohortcv installed in .venv" >&2
