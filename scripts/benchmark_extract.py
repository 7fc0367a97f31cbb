"""Speed and memory of ``spacy-ddi extract`` on the DDI test set, as one user command each.

    python scripts/benchmark_extract.py training/ddi_mtmg/model-tuned corpus/test.spacy benchmarks/extract_speed.json

Writes two JSONL inputs (the 1,299 test sentences as documents; the 191 test documents, each
its sentences joined into one text, as abstracts), then times ``spacy-ddi extract`` on each
with ``--n-process 1`` and ``2``, one after the other, under ``/usr/bin/time -v`` (wall time,
peak RSS of the main process; workers are separate processes). Documents/s and words/s
count the whole command, model loading included, as a user sees it.
"""
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer


def main(model: str, corpus: Path, output: Path, n_process: str = typer.Option("1,2")):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.evaluation import join_documents

    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(corpus).get_docs(nlp.vocab))
    sets = {
        "test sentences": [(d.user_data.get("spacy_ddi.sentence_id", str(k)), d.text) for k, d in enumerate(docs)],
        "test documents (abstracts)": [(d.id, d.text) for d in join_documents(docs)],
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, items in sets.items():
            source = Path(tmp) / (name.split()[1] + ".jsonl")
            source.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in items), encoding="utf8")
            words = sum(len(t.split()) for _, t in items)
            for n in [int(x) for x in n_process.split(",")]:
                out = Path(tmp) / f"out{n}.jsonl"
                command = ["/usr/bin/time", "-v", sys.executable, "-m", "spacy_ddi", "extract", model, str(source),
                           "-o", str(out), "--n-process", str(n), "-q"]
                start = time.perf_counter()
                result = subprocess.run(command, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                if result.returncode != 0:
                    raise SystemExit(result.stderr[-2000:])
                rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
                summary = [line for line in result.stderr.splitlines() if "documents," in line][-1]
                rows.append({"input": name, "documents": len(items), "words (whitespace)": words,
                             "n_process": n, "seconds": seconds, "documents_per_second": len(items) / seconds,
                             "words_per_second": words / seconds, "peak_rss_mib_main": rss, "summary": summary})
                typer.echo(f"{name}, --n-process {n}: {seconds:.1f} s, {len(items) / seconds:.1f} docs/s, "
                           f"{words / seconds:.0f} words/s, peak RSS {rss:.0f} MiB")
    output.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", "scripts/benchmark_extract.py"] + sys.argv[1:]), "rows": rows}, indent=2))
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
