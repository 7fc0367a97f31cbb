"""Speed and memory of ``spacy-ddi extract`` on the DDI test set, as one user command each.

    python scripts/benchmark_extract.py training/ddi_mtmg/model-tuned corpus/test.spacy benchmarks/speed/extract_speed.json

Writes two JSONL inputs (the 1,299 test sentences as documents; the 191 test documents, each
its sentences joined into one text, as abstracts), then times ``spacy-ddi extract`` on each
with ``--n-process 1`` and ``2`` (and, with ``--ray-actors 1``, on a local Ray with that many
actors), one after the other, under ``/usr/bin/time -v`` (wall time, peak RSS of the main
process; workers and Ray's processes are separate). Documents/s and words/s
count the whole command, model loading included, as a user sees it. ``--repeat 8`` repeats
each input (new ids) so that a run lasts long enough to show throughput once Ray has started.
"""
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer


def main(
    model: str, corpus: Path, output: Path, n_process: str = typer.Option("1,2"),
    ray_actors: str = typer.Option("", help="Also time --engine ray with these actor counts, e.g. 1,2"),
    ray_cpus_per_actor: float = typer.Option(0.5, help="--cpus-per-actor of the Ray runs (0.5: 2 actors and the reading fit 2 CPUs)"),
    repeat: int = typer.Option(1, help="Repeat each input this many times (new ids), so a run lasts long enough to show throughput once started"),
    inputs: str = typer.Option("sentences,abstracts", help="Which inputs to time: sentences, abstracts or both"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.evaluation import join_documents

    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(corpus).get_docs(nlp.vocab))
    sets = {
        "test sentences": [(d.user_data.get("spacy_ddi.sentence_id", str(k)), d.text) for k, d in enumerate(docs)],
        "test documents (abstracts)": [(d.id, d.text) for d in join_documents(docs)],
    }
    chosen = {"sentences": "test sentences", "abstracts": "test documents (abstracts)"}
    sets = {name: [(f"{i}#{r}" if repeat > 1 else i, t) for r in range(repeat) for i, t in items]
            for name, items in sets.items() if any(chosen.get(x) == name for x in inputs.split(","))}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, items in sets.items():
            source = Path(tmp) / (name.split()[1] + ".jsonl")
            source.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in items), encoding="utf8")
            words = sum(len(t.split()) for _, t in items)
            runs = [("local", int(x)) for x in n_process.split(",") if x]
            runs += [("ray", int(x)) for x in ray_actors.split(",") if x]
            for engine, n in runs:
                # Ray's workers write a folder of part files
                out = Path(tmp) / (f"out_{engine}{n}.jsonl" if engine == "local" else f"out_{engine}{n}")
                command = ["/usr/bin/time", "-v", sys.executable, "-m", "spacy_ddi", "extract", model, str(source),
                           "-o", str(out)]
                command += ["--n-process", str(n), "-q"] if engine == "local" else [
                    "--engine", "ray", "--actors", str(n), "--cpus-per-actor", str(ray_cpus_per_actor)]
                start = time.perf_counter()
                result = subprocess.run(command, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                if result.returncode != 0:
                    raise SystemExit(result.stderr[-2000:])
                rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
                summary = [line for line in result.stderr.splitlines() if "documents," in line][-1]
                rows.append({"input": name, "repeat": repeat, "documents": len(items), "words (whitespace)": words,
                             "engine": engine, "n_process" if engine == "local" else "actors": n, "seconds": seconds, "documents_per_second": len(items) / seconds,
                             "words_per_second": words / seconds, "peak_rss_mib_main": rss, "summary": summary})
                how = f"--n-process {n}" if engine == "local" else f"--engine ray --actors {n}"
                typer.echo(f"{name}, {how}: {seconds:.1f} s, {len(items) / seconds:.1f} docs/s, "
                           f"{words / seconds:.0f} words/s, peak RSS {rss:.0f} MiB")
    output.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", "scripts/benchmark_extract.py"] + sys.argv[1:]), "rows": rows}, indent=2))
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
