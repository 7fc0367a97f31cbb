"""Prediction speed of a pipeline against the bare encoder, side by side in one run.

    python scripts/benchmark_speed.py training/ddi_mtmg/model-tuned corpus/test.spacy benchmarks/speed/speed.json

For the DDI test sentences (in corpus order, one per text) and for the same sentences joined
into their documents (one text per document), it times:

- ``encoder``: the pipeline's own transformer (its Hugging Face model and tokenizer) on the
  same sentences sorted by length, in the fastest of several batchings; no spaCy, no heads.
  This is the ceiling the pipeline is measured against.
- ``pipe``: ``nlp.pipe(texts)`` in input order, as a user calls it (the default pipeline).
- ``pipe_batch_1024``: the same with 1,024 docs per ``nlp.pipe`` batch (spacy-ddi 0.2.1's
  ``[nlp] batch_size``; 2,048 since: the DDI test sentences in one batch, sorted together).
- ``pipe_small_calls``: ``pipe_batch_1024`` with the transformer's ``max_batch_items = 16384``
  (spacy-ddi 0.2.0's setting: an ``nlp.pipe`` batch cut into several transformer calls, each
  sorted on its own).
- ``pipe_before``: the same with spacy-transformers' ``strided_spans`` (windows across
  sentences), ``prediction_batch_wordpieces = 0`` (one padded batch per transformer call) and
  ``max_batch_items = 16384``: how the transformer ran before sentence spans and length groups.

The modes are timed in one process, in turns (``--repeats`` rounds; the best of each counts),
so a change in the machine's speed during the run touches them alike. Peak RSS is measured
apart: one pass of each in a fresh subprocess. Words are spaCy tokens of the pipeline's
tokenizer. Prints a table with the ratio of each to the encoder and writes JSON.
"""
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import typer

MODES = ("encoder", "pipe", "pipe_batch_1024", "pipe_small_calls", "pipe_before")
SETS = ("sentences", "documents")


def _texts(nlp, corpus: Path, which: str):
    from spacy.tokens import DocBin

    from spacy_ddi.evaluation import join_documents

    docs = list(DocBin().from_disk(corpus).get_docs(nlp.vocab))
    if which == "sentences":
        return [d.text for d in docs]
    return [d.text for d in join_documents(docs)]


def _encoder_seconds(nlp, texts, repeats: int):
    """Best seconds of the bare transformer over the texts' sentences sorted by length."""
    import numpy
    import torch

    from spacy_ddi.layers.segments import length_groups

    model = nlp.get_pipe("transformer").model
    tokenizer, transformer = model.tokenizer, model.transformer
    sentences = []
    for doc in nlp.pipe(texts, disable=[n for n in nlp.pipe_names if n != "ddi_sentences"]):
        sentences.extend(s.text for s in doc.sents)
    encoded = [tokenizer(s, add_special_tokens=True)["input_ids"] for s in sentences]
    lengths = numpy.asarray([len(ids) for ids in encoded])
    order = numpy.argsort(lengths, kind="stable")
    batchings = {f"{n} sentences": [order[i : i + n] for i in range(0, len(order), n)] for n in (16, 32, 64)}
    batchings["2048 wordpieces"] = length_groups(lengths, 2048)
    results = {}
    transformer.eval()
    for name, groups in batchings.items():
        best = None
        for _ in range(repeats):
            start = time.perf_counter()
            with torch.no_grad():
                for group in groups:
                    longest = int(lengths[group].max())
                    ids = torch.zeros((len(group), longest), dtype=torch.long)
                    mask = torch.zeros((len(group), longest), dtype=torch.long)
                    for row, k in enumerate(group):
                        ids[row, : lengths[k]] = torch.tensor(encoded[k])
                        mask[row, : lengths[k]] = 1
                    transformer(input_ids=ids, attention_mask=mask)
            seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
        results[name] = best
    return results


def load(model: str, mode: str):
    import spacy

    if mode == "pipe_batch_1024":
        nlp = spacy.load(model)
        nlp.batch_size = 1024
        return nlp
    if mode not in ("pipe_small_calls", "pipe_before"):
        return spacy.load(model)
    if mode == "pipe_small_calls":
        nlp = spacy.load(model)
        nlp.batch_size = 1024
    else:
        spans = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 128, "stride": 96}
        nlp = spacy.load(model, config={"components": {"transformer": {"model": {"get_spans": spans}}}})
        # a model attribute: the saved value is restored on loading, so set it here
        nlp.get_pipe("transformer").model.attrs["prediction_batch_wordpieces"] = 0
    # the component's cfg is restored from disk on loading, so set it here
    nlp.get_pipe("transformer").cfg["max_batch_items"] = 16384
    return nlp


def time_pipe(nlp, texts) -> float:
    start = time.perf_counter()
    for _ in nlp.pipe(texts):
        pass
    return time.perf_counter() - start


def measure_speed(model: str, corpus: Path, which: str, repeats: int) -> list:
    """Seconds of each mode on one set, timed in turns in this process."""
    pipelines = {mode: load(model, mode) for mode in MODES if mode != "encoder"}
    nlp = pipelines["pipe"]
    texts = _texts(nlp, corpus, which)
    words = sum(len(doc) for doc in nlp.tokenizer.pipe(texts))
    for pipeline in pipelines.values():
        time_pipe(pipeline, texts[:32])  # warm up
    best = {mode: None for mode in MODES}
    extra = {}
    for _ in range(repeats):
        by_batching = _encoder_seconds(nlp, texts, 1)
        batching = min(by_batching, key=by_batching.get)
        if best["encoder"] is None or by_batching[batching] < best["encoder"]:
            best["encoder"], extra = by_batching[batching], {"batching": batching, "all": by_batching}
        for mode, pipeline in pipelines.items():
            seconds = time_pipe(pipeline, texts)
            best[mode] = seconds if best[mode] is None else min(best[mode], seconds)
    return [
        {"set": which, "mode": mode, "texts": len(texts), "words": words, "seconds": best[mode],
         "words_per_second": words / best[mode], **(extra if mode == "encoder" else {})}
        for mode in MODES
    ]


def measure_rss(model: str, corpus: Path, which: str, mode: str) -> float:
    """Peak RSS (MiB) of this process after loading and one pass of ``mode``."""
    nlp = load(model, mode)
    texts = _texts(nlp, corpus, which)
    if mode == "encoder":
        _encoder_seconds(nlp, texts, 1)
    else:
        time_pipe(nlp, texts)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(
    model: str = typer.Argument(..., help="Pipeline folder or package name"),
    corpus: Path = typer.Argument(..., help="Converted DDI test set (corpus/test.spacy)"),
    output: Path = typer.Argument(None, help="JSON file to write"),
    repeats: int = typer.Option(3, help="Rounds of timing; the best of each mode counts"),
    only: str = typer.Option("", hidden=True, help="SET:speed or SET:MODE (peak RSS): one measurement (internal)"),
):
    if only:
        which, mode = only.split(":")
        if mode == "speed":
            print(json.dumps(measure_speed(model, corpus, which, repeats)))
        else:
            print(json.dumps(measure_rss(model, corpus, which, mode)))
        return

    def run_apart(which: str, what: str):
        command = [sys.executable, __file__, model, str(corpus), "--repeats", str(repeats), "--only", f"{which}:{what}"]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    rows = []
    for which in SETS:
        typer.echo(f"{which}: timing {', '.join(MODES)} in turns ...", err=True)
        set_rows = run_apart(which, "speed")
        for row in set_rows:
            typer.echo(f"{which}: peak RSS of {row['mode']} ...", err=True)
            row["peak_rss_mib"] = run_apart(which, row["mode"])
        rows.extend(set_rows)
    lines = ["| input | run | words/s | x encoder | peak RSS MiB |", "|---|---|---|---|---|"]
    for row in rows:
        base = next(r for r in rows if r["set"] == row["set"] and r["mode"] == "encoder")
        row["ratio_to_encoder"] = row["words_per_second"] / base["words_per_second"]
        lines.append(
            f"| {row['set']} ({row['texts']} texts, {row['words']} words) | {row['mode']}"
            f"{' (' + row['batching'] + ')' if 'batching' in row else ''} | {row['words_per_second']:.0f} | "
            f"{row['ratio_to_encoder']:.2f} | {row['peak_rss_mib']:.0f} |"
        )
    table = "\n".join(lines)
    typer.echo(table)
    if output is not None:
        record = {
            "date": time.strftime("%Y-%m-%d"),
            "command": " ".join(["python", "scripts/benchmark_speed.py"] + sys.argv[1:]),
            "cpus": os.cpu_count(),
            "torch_threads": __import__("torch").get_num_threads(),
            "load_average_1min": os.getloadavg()[0],
            "rows": rows,
            "table": table,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(record, indent=2))
        typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
