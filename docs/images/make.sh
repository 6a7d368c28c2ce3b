#!/usr/bin/env bash
# Regenerates docs/images/sample-resume.png, the README's picture: page 1 of one resume from a
# `cohortcv run` of the bundled sample cohort, rendered by pdftoppm (Debian: poppler-utils).
#   bash docs/images/make.sh [PERSON]     (default S0001; run after scripts/setup.sh)
# It runs in a temporary data dir and output folder, so ~/.cohortcv is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
person="${1:-S0001}"
cohortcv="${COHORTCV:-.venv/bin/cohortcv}"
command -v pdftoppm >/dev/null || { echo "make.sh: needs pdftoppm (apt-get install poppler-utils)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
COHORTCV_DATA_DIR="$work/data" "$cohortcv" run examples/cohort.csv --out "$work/out" --formats pdf >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/out/$person/resume.pdf" docs/images/sample-resume
echo "docs/images/sample-resume.png from $person" >&2
