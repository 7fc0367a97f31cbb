"""The two levers of the cost model side by side: the candidate-sentence gate and ONNX Runtime.

    python scripts/cost_levers.py MODEL OUTSIDE.xml.gz benchmarks/speed/levers.json [--abstracts 100] [--rounds 2] [--pause PATTERN]

Extraction (spacy_ddi.extract.runner.build_records, what `spacy-ddi extract` runs) over the first
--abstracts outside abstracts, in one process with one thread, for every combination of the gate
(off, on) and the runtime (torch, onnx, onnx-int8), the settings in turn, --rounds rounds; the
process's CPU seconds of the best round of each, the ratio to torch without the gate, and
tokens (spaCy's) per CPU core-hour, the unit of docs/scale.md's cost model.
"""
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Dict, Optional

import typer

RUNTIMES = ("torch", "onnx", "onnx-int8")


def main(
    model: str = typer.Argument(..., help="the pipeline"),
    outside: Path = typer.Argument(..., help="outside abstracts (any extract input)"),
    output: Path = typer.Argument(..., help="JSON record to write"),
    abstracts: int = typer.Option(100, help="abstracts timed"),
    rounds: int = typer.Option(2, help="rounds per setting"),
    pause: Optional[str] = typer.Option(None, help="pkill -f pattern of other work to stop while timing, resumed after"),
):
    import spacy
    import torch

    from spacy_ddi.extract.gate import gate_for
    from spacy_ddi.extract.readers import read_inputs
    from spacy_ddi.extract.runner import build_records
    from spacy_ddi.onnx import use_onnx

    from onnx_benchmark import paused  # scripts/, beside this one

    torch.set_num_threads(1)
    items = [i for i in read_inputs([str(outside)]) if i.text][:abstracts]
    ids, texts, fields = [i.id for i in items], [i.text for i in items], [i.fields for i in items]
    pipelines = {}
    for runtime in RUNTIMES:
        nlp = spacy.load(model)
        if runtime != "torch":
            use_onnx(nlp, threads=1, quantize="int8" if runtime == "onnx-int8" else None)
        pipelines[runtime] = nlp
    gate = gate_for(pipelines["torch"])
    tokens = sum(len(pipelines["torch"].make_doc(t)) for t in texts)
    settings = [(runtime, gated) for gated in (False, True) for runtime in RUNTIMES]
    cpu: Dict[str, list] = {f"{r}{' gated' if g else ''}": [] for r, g in settings}
    interactions: Dict[str, int] = {}
    for runtime, nlp in pipelines.items():  # warm up
        list(build_records(nlp, ids[:4], texts[:4], fields[:4], lambda k, r: None))
    with paused(pause):
        load = [round(os.getloadavg()[0], 2)]
        for _ in range(rounds):
            for runtime, gated in settings:
                name = f"{runtime}{' gated' if gated else ''}"
                start = time.process_time()
                records = [r for _, r in build_records(pipelines[runtime], ids, texts, fields, lambda k, r: None,
                                                      gate=gate if gated else None)]
                cpu[name].append(round(time.process_time() - start, 2))
                interactions[name] = sum(len(r["interactions"]) for r in records)
                typer.echo(f"{name}: {cpu[name][-1]} CPU s, {interactions[name]} interactions")
        load.append(round(os.getloadavg()[0], 2))
    base = min(cpu["torch"])
    rows = {
        name: {"cpu_seconds": seconds, "best": min(seconds), "ratio_to_torch": round(base / min(seconds), 3),
               "tokens_per_core_hour_M": round(tokens / min(seconds) * 3600 / 1e6, 2), "interactions": interactions[name]}
        for name, seconds in cpu.items()
    }
    record = {
        "date": date.today().isoformat(), "model": model,
        "command": "python scripts/cost_levers.py " + " ".join(sys.argv[1:]),
        "abstracts": len(items), "tokens": tokens, "outside": str(outside), "settings": rows,
        "load_average_1min": load, "cpus": os.cpu_count(),
        "conditions": "one process, one thread (torch and ONNX Runtime), the settings in turn; CPU seconds of the process, best round of each",
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=1) + "\n")
    for name, row in rows.items():
        typer.echo(f"{name:20s} {row['best']:7.2f} CPU s  {row['ratio_to_torch']:.2f}x  {row['tokens_per_core_hour_M']} M tokens/core-hour")
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
