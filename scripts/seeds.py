"""Train, tune and evaluate more seeds of one config, for the Seeds table of the report.

    python scripts/seeds.py NAME CONFIG [--seeds 1,2] [--gpu-id -1] [spacy train overrides...]

For each seed N: ``scripts/train.py NAME_seedN CONFIG --system.seed N ...`` (records in
benchmarks/), ``scripts/tune_priors.py`` on dev, ``scripts/evaluate.py`` once on the test sets
and ``scripts/metrics_table.py``, exactly as the project's train, tune and evaluate commands do
for NAME itself (seed 0, the config's). ``scripts/report.py`` then shows each seed and the mean
+- sd of every run that has NAME_seedN records. A seed whose evaluation record exists is
skipped (delete benchmarks/NAME_seedN.json to redo it). Each seed costs one training; run
nothing else meanwhile if its training time is to count.
"""
import subprocess
import sys
from pathlib import Path


def run(command) -> None:
    print("$ " + " ".join(command), flush=True)
    code = subprocess.call(command)
    if code != 0:
        raise SystemExit(f"Error: {' '.join(command[:3])} ... exited with {code}")


def main(argv) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    name, config, *rest = argv
    seeds, gpu_id, overrides = ["1", "2"], "-1", []
    k = 0
    while k < len(rest):
        if rest[k] == "--seeds":
            seeds = [s for s in rest[k + 1].split(",") if s]
            k += 2
        elif rest[k] == "--gpu-id":
            gpu_id = rest[k + 1]
            k += 2
        else:
            overrides.append(rest[k])
            k += 1
    python = sys.executable
    for seed in seeds:
        run_name = f"{name}_seed{seed}"
        if Path(f"benchmarks/{run_name}.json").exists():
            print(f"{run_name}: benchmarks/{run_name}.json exists, skipped")
            continue
        run([python, "scripts/train.py", run_name, config, "--paths.train", "corpus/train.spacy",
             "--paths.dev", "corpus/dev.spacy", "--gpu-id", gpu_id, "--system.seed", seed, *overrides])
        run([python, "scripts/tune_priors.py", f"training/{run_name}/model-best", "corpus/dev.spacy",
             f"training/{run_name}/model-tuned", f"benchmarks/{run_name}.tuning.json", "--gpu-id", gpu_id])
        run([python, "scripts/evaluate.py", f"training/{run_name}/model-tuned", "corpus",
             f"benchmarks/{run_name}.json", "--predictions", f"metrics/predictions/{run_name}", "--gpu-id", gpu_id])
        run([python, "scripts/metrics_table.py", f"benchmarks/{run_name}.json", f"metrics/{run_name}.md"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
