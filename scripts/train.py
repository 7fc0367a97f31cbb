"""Train one config and record its console log and wall time under benchmarks/runs/.

    python scripts/train.py NAME CONFIG [spacy train options...]

Runs ``python -m spacy train CONFIG --output training/NAME [options]`` with this interpreter,
echoing its output, and writes benchmarks/runs/NAME.train.log (the console log, which
scripts/report.py reads the dev learning curve from) and benchmarks/runs/NAME.training.json (start,
end, wall seconds, the command, CPU count, OMP_NUM_THREADS and the 15-minute load average at
start and end, which show whether the machine was shared). Exits with spaCy's exit code if training fails.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(argv) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    name, config, *extra = argv
    if not Path(config).exists():
        print(f"Error: config {config} not found", file=sys.stderr)
        return 2
    Path("benchmarks/runs").mkdir(parents=True, exist_ok=True)
    Path("training").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "spacy", "train", config, "--output", f"training/{name}", *extra]
    load_start = round(os.getloadavg()[2], 2)
    start, t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), time.time()
    with open(f"benchmarks/runs/{name}.train.log", "w") as log:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            log.write(line)
        code = proc.wait()
    if code != 0:
        print(f"Error: spacy train exited with {code}; log in benchmarks/runs/{name}.train.log", file=sys.stderr)
        return code
    record = {
        "name": name,
        "config": config,
        "start": start,
        "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": int(time.time() - t0),
        "command": " ".join(["python", "scripts/train.py", name, config, *extra]),
        "cpus": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "load_average_15min": [load_start, round(os.getloadavg()[2], 2)],
    }
    Path(f"benchmarks/runs/{name}.training.json").write_text(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
