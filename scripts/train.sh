#!/usr/bin/env bash
# Kept for the commands recorded in benchmarks/*.training.json; the work is done by
# scripts/train.py (the project's train command), with the same arguments and records:
#   bash scripts/train.sh NAME CONFIG [spacy train options...]
set -euo pipefail
exec "${PYTHON:-python}" "$(dirname "$0")/train.py" "$@"
