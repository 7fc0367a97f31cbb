#!/usr/bin/env bash
# Train one config and record its wall time and console log under benchmarks/.
#   bash scripts/train.sh NAME CONFIG [spacy train options...]
# writes training/NAME (the pipelines), benchmarks/NAME.train.log, benchmarks/NAME.training.json
set -euo pipefail
name=$1; config=$2; shift 2
python=${PYTHON:-python}
mkdir -p benchmarks training
start=$(date -u +%FT%TZ); t0=$(date +%s)
"$python" -m spacy train "$config" --output "training/$name" "$@" 2>&1 | tee "benchmarks/$name.train.log"
t1=$(date +%s); end=$(date -u +%FT%TZ)
"$python" - "$name" "$config" "$start" "$end" "$((t1 - t0))" "$*" <<'PY'
import json, os, sys
name, config, start, end, seconds, extra = sys.argv[1:]
json.dump({"name": name, "config": config, "start": start, "end": end, "seconds": int(seconds),
           "command": f"bash scripts/train.sh {name} {config} {extra}".strip(), "cpus": os.cpu_count()},
          open(f"benchmarks/{name}.training.json", "w"), indent=2)
PY
