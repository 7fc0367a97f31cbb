"""Train, tune and evaluate more seeds of one config, for the Seeds table of the report.

    python scripts/seeds.py NAME CONFIG [--seeds 1,2] [--gpu-id -1] [spacy train overrides...]

For each seed N, exactly as the project's train, tune and evaluate commands do for NAME itself
(seed 0, the config's): trains NAME_seedN (``scripts/train.py``, records in benchmarks/runs/),
chooses its prediction settings on dev and the yardstick's tune half (``spacy-ddi tune``),
scores it once on the test sets and the yardstick's test half (``scripts/evaluate.py``) and
writes its tables (``scripts/metrics_table.py``). ``scripts/report.py`` then shows each seed
and the mean +- sd of every run that has NAME_seedN records. A seed whose evaluation record
exists is skipped (delete benchmarks/runs/NAME_seedN.json to redo it). Each seed costs one
training; run nothing else meanwhile if its training time is to count.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the sibling scripts, called as functions

import evaluate  # noqa: E402
import metrics_table  # noqa: E402
import train  # noqa: E402

from spacy_ddi.training.tune import tune  # noqa: E402

YARDSTICK_TUNE, YARDSTICK_TEST = Path("corpus/yardstick_tune.spacy"), Path("corpus/yardstick_test.spacy")


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
    for seed in seeds:
        run_name = f"{name}_seed{seed}"
        if Path(f"benchmarks/runs/{run_name}.json").exists():
            print(f"{run_name}: benchmarks/runs/{run_name}.json exists, skipped")
            continue
        code = train.main([run_name, config, "--paths.train", "corpus/train.spacy", "--paths.dev", "corpus/dev.spacy",
                           "--gpu-id", gpu_id, "--system.seed", seed, *overrides])
        if code != 0:
            return code
        tune(f"training/{run_name}/model-best", Path("corpus/dev.spacy"), Path(f"training/{run_name}/model-tuned"),
             Path(f"benchmarks/runs/{run_name}.tuning.json"), outside=YARDSTICK_TUNE if YARDSTICK_TUNE.exists() else None,
             gpu_id=int(gpu_id))
        evaluate.main(Path(f"training/{run_name}/model-tuned"), Path("corpus"), Path(f"benchmarks/runs/{run_name}.json"),
                      conditions="", gpu_id=int(gpu_id), predictions=Path(f"metrics/predictions/{run_name}"),
                      yardstick=YARDSTICK_TEST if YARDSTICK_TEST.exists() else None)
        metrics_table.main(Path(f"benchmarks/runs/{run_name}.json"), Path(f"metrics/{run_name}.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
