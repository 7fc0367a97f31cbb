"""ONNX Runtime against PyTorch for the pipeline's encoder: agreement, int8 on dev, speed, memory.

    python scripts/onnx_benchmark.py MODEL corpus/test.spacy corpus/dev.spacy OUTSIDE.xml.gz benchmarks/speed/onnx.json
        [--abstracts 100] [--rounds 2] [--int8 all,ffn] [--pause PATTERN]

1. Agreement, full precision: MODEL's predictions on every DDI 2013 test sentence with the
   encoder on PyTorch and on ONNX Runtime (spacy_ddi.onnx.use_onnx): the sentences whose
   entities differ, the interactions reported by one and not the other, and the largest
   difference of an interaction's score.
2. int8: ONNX Runtime's dynamic int8 quantization (onnxruntime.quantization.quantize_dynamic) of
   the exported encoder, every MatMul ("all") or the feed-forward blocks only ("ffn"), scored on
   DDI 2013 dev (strict DDI F1, paired bootstrap over documents against PyTorch). It may become
   an option only where the paired change is -0.01 or better; the test set is not used.
3. Speed, side by side in this one process: nlp.pipe over the test sentences and over the first
   --abstracts outside abstracts (whole abstracts, as extract gives them), with 1 and 2 threads
   (torch.set_num_threads and ONNX Runtime's intra-op threads alike), each runtime in turn,
   --rounds rounds; the best round's wall seconds and the process CPU seconds are kept, and the
   tokens per CPU core-hour (the unit of docs/scale.md) with 1 thread.
4. Size of each ONNX file and, for each runtime, the resident memory of a fresh process that
   loads MODEL and switches runtime, and its peak while it runs the abstracts (1 thread).
   --memory-only measures this again and keeps the rest of OUTPUT.
"""
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional

import typer


def load(model: str, runtime: str, folder: Path, threads: int):
    import spacy
    import torch

    from spacy_ddi.onnx import export_encoder, use_onnx

    torch.set_num_threads(threads)
    nlp = spacy.load(model)
    if runtime != "torch":
        path = folder / f"{runtime}.onnx"
        if not path.exists():
            fp32 = folder / "fp32.onnx"
            if not fp32.exists():
                export_encoder(nlp, fp32)
            if runtime.startswith("int8"):
                quantize(fp32, path, runtime.split("_", 1)[1])
        use_onnx(nlp, path, threads=threads)
    return nlp


def quantize(source: Path, target: Path, part: str) -> None:
    from spacy_ddi.onnx import quantize_encoder

    if part not in ("all", "ffn"):
        raise ValueError(f"int8 part is all or ffn, not {part!r}")
    quantize_encoder(source, target, exclude_attention=part == "ffn")


def predictions(nlp, texts: List[str]):
    docs = list(nlp.pipe(texts))
    ents = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs]
    ddis = [{(r[0], r[1], r[2], r[3], r[4]): float(r[5]) for r in (d._.ddi_records or [])} for d in docs]
    return docs, ents, ddis


def agreement(model: str, texts: List[str], folder: Path) -> Dict:
    _, ents_t, ddis_t = predictions(load(model, "torch", folder, 2), texts)
    _, ents_o, ddis_o = predictions(load(model, "fp32", folder, 2), texts)
    only = sum(len(set(a) ^ set(b)) for a, b in zip(ddis_t, ddis_o))
    diffs = [abs(a[k] - b[k]) for a, b in zip(ddis_t, ddis_o) for k in set(a) & set(b)]
    return {
        "sentences": len(texts),
        "sentences_entities_differ": sum(a != b for a, b in zip(ents_t, ents_o)),
        "entities": sum(len(e) for e in ents_t),
        "interactions": sum(len(d) for d in ddis_t),
        "interactions_in_one_only": only,
        "max_score_difference": float(max(diffs, default=0.0)),
    }


def dev_scores(model: str, dev: Path, runtimes: List[str], folder: Path) -> Dict:
    from spacy.tokens import DocBin

    from spacy_ddi.evaluation import ddi_keys, paired_bootstrap, part_document_counts

    out, counts = {}, {}
    for runtime in runtimes:
        nlp = load(model, runtime, folder, 2)
        gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
        predicted = list(nlp.pipe([d.text for d in gold]))
        counts[runtime] = part_document_counts(predicted, gold, ddi_keys)
    for runtime in runtimes[1:]:
        b = paired_bootstrap([counts[runtime]], [counts["torch"]])
        out[runtime] = {
            "ddi_f": round(b["f1_a"], 4), "torch_ddi_f": round(b["f1_b"], 4),
            "diff": round(b["diff"], 4), "diff_low": round(b["diff_low"], 4), "diff_high": round(b["diff_high"], 4),
            "documents": b["documents"], "passes": b["diff"] >= -0.01,
        }
        typer.echo(f"dev DDI F1 {runtime}: {b['f1_a']:.4f} against torch {b['f1_b']:.4f}, {b['diff']:+.4f} ({b['diff_low']:+.4f} to {b['diff_high']:+.4f})")
    return out


def speed(model: str, sets: Dict[str, List[str]], runtimes: List[str], folder: Path, rounds: int) -> Dict:
    out: Dict = {}
    for threads in (1, 2):
        pipelines = {r: load(model, r, folder, threads) for r in runtimes}
        for name, texts in sets.items():
            for nlp in pipelines.values():
                list(nlp.pipe(texts[:8]))  # warm up
            best: Dict[str, Dict] = {}
            for _ in range(rounds):
                for runtime, nlp in pipelines.items():
                    wall, cpu = time.perf_counter(), time.process_time()
                    docs = list(nlp.pipe(texts))
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    tokens = sum(len(d) for d in docs)
                    if runtime not in best or wall < best[runtime]["wall_s"]:
                        best[runtime] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "tokens": tokens,
                                         "tokens_per_s": round(tokens / wall)}
            for runtime in runtimes[1:]:
                best[runtime]["ratio_to_torch"] = round(best["torch"]["wall_s"] / best[runtime]["wall_s"], 3)
            if threads == 1:
                for runtime in runtimes:
                    best[runtime]["tokens_per_core_hour_M"] = round(best[runtime]["tokens"] / best[runtime]["cpu_s"] * 3600 / 1e6, 2)
            out[f"{name}_{threads}_threads"] = best
            typer.echo(f"{name}, {threads} thread(s): " + ", ".join(
                f"{r} {v['wall_s']} s" + (f" ({v['ratio_to_torch']}x)" if "ratio_to_torch" in v else "") for r, v in best.items()))
        del pipelines
    return out


@contextlib.contextmanager
def paused(pattern: Optional[str]):
    """Stop the processes ``pkill -f pattern`` matches (other work, such as a background
    training) for the block, and resume them after, whatever happens; None: stop nothing."""
    if pattern:
        subprocess.run(["pkill", "-STOP", "-f", pattern])
        time.sleep(2)
    try:
        yield
    finally:
        if pattern:
            subprocess.run(["pkill", "-CONT", "-f", pattern])


def _status_mib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024)
    raise KeyError(field)


def memory_child(model: str, runtime: str, folder: str, texts_file: str) -> None:
    """Resident memory of a fresh process: after loading (and switching runtime), and the
    peak while it predicts (the kernel's high-water mark, reset after loading; loading itself
    peaks higher, building the drug tables, whatever the runtime)."""
    import gc

    texts = json.loads(Path(texts_file).read_text())
    nlp = load(model, runtime, Path(folder), 1)
    gc.collect()
    loaded = _status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    list(nlp.pipe(texts))
    print(json.dumps({
        "rss_after_load_mib": loaded, "peak_rss_predicting_mib": _status_mib("VmHWM"),
        "peak_rss_whole_process_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


def measure_memory(model, test, dev, outside, output, work: Path, abstract_texts, variants) -> Dict:
    texts_file = work / "abstracts.json"
    texts_file.write_text(json.dumps(abstract_texts))
    memory = {}
    for runtime in ["torch", "fp32", *variants]:
        out = subprocess.run(
            [sys.executable, __file__, model, str(test), str(dev), str(outside), str(output), "--memory", runtime,
             "--folder", str(work), "--texts-file", str(texts_file)],
            capture_output=True, text=True, check=True,
        )
        memory[runtime] = json.loads(out.stdout.strip().splitlines()[-1])
        if runtime != "torch":
            memory[runtime]["onnx_file_mib"] = round((work / f"{runtime}.onnx").stat().st_size / 2**20, 1)
    return memory


def main(
    model: str = typer.Argument(..., help="the pipeline (a folder or a package)"),
    test: Path = typer.Argument(..., help="DDI 2013 test DocBin: agreement and sentence speed"),
    dev: Path = typer.Argument(..., help="DDI 2013 dev DocBin: int8 quality"),
    outside: Path = typer.Argument(..., help="outside abstracts (any extract input): abstract speed"),
    output: Path = typer.Argument(..., help="JSON record to write"),
    abstracts: int = typer.Option(100, help="outside abstracts timed"),
    rounds: int = typer.Option(2, help="timed rounds per runtime"),
    int8: str = typer.Option("all,ffn", help="int8 variants tried on dev (all, ffn; empty: none)"),
    pause: Optional[str] = typer.Option(None, help="pkill -f pattern of other work (a background training) to stop while the speed is measured, and resume after"),
    memory_only: bool = typer.Option(False, help="Measure the memory again and keep the rest of OUTPUT"),
    memory: Optional[str] = typer.Option(None, hidden=True),
    texts_file: Optional[str] = typer.Option(None, hidden=True),
    folder: Optional[str] = typer.Option(None, hidden=True),
):
    if memory:
        return memory_child(model, memory, folder, texts_file)
    import onnxruntime
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.extract.readers import read_inputs

    work = Path(tempfile.mkdtemp(prefix="onnx-benchmark-"))
    sentences = [d.text for d in DocBin().from_disk(test).get_docs(spacy.blank("en").vocab)]
    abstract_texts = [i.text for i in read_inputs([str(outside)]) if i.text][:abstracts]
    variants = [f"int8_{v}" for v in int8.split(",") if v]
    if memory_only:
        record = json.loads(output.read_text())
        record["memory"] = measure_memory(model, test, dev, outside, output, work, abstract_texts, variants)
        record["memory_command"] = "python scripts/onnx_benchmark.py " + " ".join(sys.argv[1:])
        output.write_text(json.dumps(record, indent=1) + "\n")
        typer.echo(f"memory: {json.dumps(record['memory'])}; wrote {output}")
        return
    record: Dict = {
        "date": date.today().isoformat(), "model": model,
        "command": "python scripts/onnx_benchmark.py " + " ".join(sys.argv[1:]),
        "onnxruntime": onnxruntime.__version__, "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
    }
    record["agreement_fp32"] = agreement(model, sentences, work)
    typer.echo(f"agreement: {json.dumps(record['agreement_fp32'])}")
    record["int8_dev"] = dev_scores(model, dev, ["torch", *variants], work) if variants else {}
    timed = ["torch", "fp32"] + [v for v in variants if record["int8_dev"][v]["passes"]]
    with paused(pause):
        record["load_average_before_speed"] = os.getloadavg()[0]
        record["speed"] = speed(model, {"sentences": sentences, "abstracts": abstract_texts}, timed, work, rounds)
    record["speed_sets"] = {"sentences": len(sentences), "abstracts": len(abstract_texts), "outside": str(outside)}
    record["memory"] = measure_memory(model, test, dev, outside, output, work, abstract_texts, variants)
    typer.echo(f"memory: {json.dumps(record['memory'])}")
    record["load_average_at_end"] = os.getloadavg()[0]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=1) + "\n")
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
