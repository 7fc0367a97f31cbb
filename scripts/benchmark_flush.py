"""The speed cost of writing every few documents (``extract --flush-every/--flush-seconds``).

    python scripts/benchmark_flush.py en_ddi_mtmg corpus/test.spacy benchmarks/speed/extract_flush.json

Loads the pipeline once and runs the local runner (``spacy_ddi.extract.runner.extract``, what
``spacy-ddi extract`` runs) over the same documents with each setting in turn, interleaved
(the order reversed every round, so a drift in the machine's load falls on every setting
alike): the behaviour before --flush-every (one chunk per nlp.pipe batch of the pipeline's
``batch_size``: 2,048 documents, so all of these documents in one chunk, written at the end)
and the chunk sizes given. The documents are the 191 DDI test documents (each its sentences
joined into one abstract-sized text), repeated with new ids. Records each run's seconds and
the process's CPU time and the load average, and each setting's median speed (per second of
wall time, and per second of the process's CPU time) as a ratio to the first setting's.
"""
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import typer


def main(
    model: str = typer.Argument(..., help="Trained pipeline (a folder or an installed package)"),
    corpus: Path = typer.Argument(..., help="corpus/test.spacy"),
    output: Path = typer.Argument(..., help="Where to write the JSON record"),
    settings: str = typer.Option("2048:inf,1000:60,256:30", help="FLUSH_EVERY:FLUSH_SECONDS settings, the first the reference"),
    repeat: int = typer.Option(3, help="Repeat the documents this many times (new ids)"),
    rounds: int = typer.Option(2, help="Runs of each setting, interleaved"),
):
    import spacy
    import torch
    from spacy.tokens import DocBin

    from spacy_ddi.extract.readers import Item
    from spacy_ddi.extract.runner import extract
    from spacy_ddi.evaluation import join_documents

    nlp = spacy.load(model)
    docs = list(DocBin().from_disk(corpus).get_docs(spacy.blank("en").vocab))
    base = [(d.id, d.text) for d in join_documents(docs)]
    items = [Item(f"{i}#{r}", t) for r in range(repeat) for i, t in base]
    words = sum(len(t.split()) for _, t in base) * repeat
    chosen = [(int(a), float(b)) for a, b in (s.split(":") for s in settings.split(","))]
    extract(nlp, items[:32], Path(tempfile.mkdtemp()) / "warm.jsonl", batch_size=nlp.batch_size)  # warm up
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            order = chosen if round_ % 2 == 0 else chosen[::-1]
            for every, seconds in order:
                out = Path(tmp) / f"out_{every}.jsonl"
                load = os.getloadavg()[0]
                start, cpu = time.perf_counter(), time.process_time()
                summary = extract(nlp, items, out, batch_size=nlp.batch_size, flush_every=every, flush_seconds=seconds)
                took, cpu = time.perf_counter() - start, time.process_time() - cpu
                runs.append({
                    "round": round_, "flush_every": every, "flush_seconds": seconds, "seconds": round(took, 2),
                    "documents_per_second": round(len(items) / took, 2), "cpu_seconds": round(cpu, 2),
                    "documents_per_cpu_second": round(len(items) / cpu, 3), "load_average_1min_before": round(load, 2),
                    "documents": summary.documents,
                })
                typer.echo(json.dumps(runs[-1]), err=True)
    medians, cpu_medians = {}, {}
    for every, seconds in chosen:
        mine = [r for r in runs if (r["flush_every"], r["flush_seconds"]) == (every, seconds)]
        medians[f"{every}:{seconds}"] = statistics.median(r["documents_per_second"] for r in mine)
        cpu_medians[f"{every}:{seconds}"] = statistics.median(r["documents_per_cpu_second"] for r in mine)
    reference = medians[f"{chosen[0][0]}:{chosen[0][1]}"]
    cpu_reference = cpu_medians[f"{chosen[0][0]}:{chosen[0][1]}"]
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["python", "scripts/benchmark_flush.py"] + sys.argv[1:]),
        "model": model, "documents": len(items), "words_whitespace": words,
        "pipeline_batch_size": nlp.batch_size, "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
        "median_documents_per_second": medians,
        "speed_ratio_to_first": {name: round(value / reference, 3) for name, value in medians.items()},
        # the process's CPU time (all its torch threads) is less sensitive than wall time to
        # other work on a shared machine
        "median_documents_per_cpu_second": cpu_medians,
        "cpu_speed_ratio_to_first": {name: round(value / cpu_reference, 3) for name, value in cpu_medians.items()},
        "runs": runs,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf8")
    typer.echo(json.dumps({"wall": record["speed_ratio_to_first"], "cpu": record["cpu_speed_ratio_to_first"]}), err=True)


if __name__ == "__main__":
    typer.run(main)
