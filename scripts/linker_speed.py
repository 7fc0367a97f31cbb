"""Prediction speed of a pipeline with this drug_linker against the same pipeline with the
drug_linker of an earlier commit, in interleaved runs.

    python scripts/linker_speed.py en_ddi_mtmg corpus/test.spacy benchmarks/speed/linker_speed.json --before 729b66e --rounds 5

The package ``spacy_ddi`` of commit ``--before`` is written to a temporary folder (``git
archive``, no change to the repository). Each run is a fresh Python process that loads the
pipeline (with that folder first on ``PYTHONPATH`` for the "before" side, so its factories
and its drug_linker are the older ones), calls ``nlp.pipe`` once on the first 64 texts to warm
up, then times ``nlp.pipe`` over every text of the corpus (the DDI test sentences, one per
text, in corpus order), and last times the drug_linker alone over the docs it produced (its
lookup cache emptied first), which tells the linker's own cost apart from the machine's load. The
runs alternate before/after (ABAB..., ``--rounds`` pairs), so a change in the machine's load
during the measurement touches both sides alike; the ratio reported is the median of the
per-round ratios after/before. ``uptime`` is recorded before and after. Load times are not
counted. Where the before side's code cannot read the pipeline's drug_linker (settings added
after it, a newer vocabulary table), that side runs the pipeline with its own drug_linker
built from the installed drug vocabulary, with the settings it knows; the record lists what it
left out (``settings_left_out``), and the after side runs the pipeline as saved.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import typer

WARMUP = 64


def worker(model: str, corpus: Path) -> None:
    """One timed run in this process; prints one JSON line."""
    import spacy
    import spacy_ddi
    from spacy.tokens import DocBin

    nlp, dropped = load_known_settings(model)
    texts = [doc.text for doc in DocBin().from_disk(corpus).get_docs(nlp.vocab)]
    list(nlp.pipe(texts[:WARMUP]))
    start = time.perf_counter()
    docs = list(nlp.pipe(texts))
    seconds = time.perf_counter() - start
    linker = nlp.get_pipe("drug_linker")
    linker.vocabulary._cache.clear()  # the lookups cold, as in the timed pass
    start = time.perf_counter()
    for doc in docs:
        linker(doc)
    linker_seconds = time.perf_counter() - start
    print(json.dumps({
        "texts": len(texts), "seconds": seconds, "linker_seconds": linker_seconds,
        "spacy_ddi_file": spacy_ddi.__file__, "entities": sum(len(d.ents) for d in docs),
        "settings_left_out": dropped,
    }))


def load_known_settings(model: str):
    """The pipeline, and what of its drug_linker this process's code could not read. A
    pipeline saved by newer code (read by the before side) may carry drug_linker settings or a
    vocabulary table the older drug_linker does not know: the pipeline is then loaded without
    its drug_linker, and the older drug_linker is added in its place with the settings it knows
    and its own table, built from the installed drug vocabulary package."""
    import importlib

    import spacy
    from spacy.language import Language

    try:
        return spacy.load(model), []
    except Exception:  # a config the older factory refuses, or a table it cannot read
        pass
    path = Path(model)
    if not path.exists():  # an installed pipeline package: its data folder holds config.cfg
        package = Path(importlib.import_module(model).__file__).parent
        path = next(p.parent for p in package.glob("*/config.cfg"))
    settings = dict(spacy.util.load_config(path / "config.cfg")["components"]["drug_linker"])
    settings.pop("factory", None)
    known = set(Language.get_factory_meta("drug_linker").default_config)
    left_out = sorted(k for k in settings if k not in known) + ["the saved vocabulary table"]
    nlp = spacy.load(path, exclude=["drug_linker"])
    nlp.add_pipe("drug_linker", after="drug_ner", config={k: v for k, v in settings.items() if k in known})
    nlp.get_pipe("drug_linker").initialize()
    return nlp, left_out


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as err:
        return f"uptime unavailable: {err}"


def _run(model: str, corpus: Path, pythonpath: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = pythonpath + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", model, str(corpus)], env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"timed run failed (PYTHONPATH={pythonpath or '(unset)'}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(
    model: str = typer.Argument(..., help="Pipeline name or path (e.g. en_ddi_mtmg)"),
    corpus: Path = typer.Argument(..., help="DocBin whose texts are timed (corpus/test.spacy)"),
    output: Path = typer.Argument(..., help="JSON record to write"),
    before: str = typer.Option(..., "--before", help="Commit whose spacy_ddi is the 'before' side"),
    rounds: int = typer.Option(5, "--rounds", help="Before/after pairs (at least 5)"),
) -> None:
    if not corpus.exists():
        typer.echo(f"Error: {corpus} not found (run `spacy project run convert` first)", err=True)
        raise typer.Exit(2)
    repo = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", before], capture_output=True, text=True)
    if commit.returncode != 0:
        typer.echo(f"Error: --before {before}: {commit.stderr.strip()}", err=True)
        raise typer.Exit(2)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    record = {
        "model": model, "corpus": str(corpus), "before": commit.stdout.strip(), "after": f"working tree at {head}",
        "rounds": rounds, "order": "before, after, before, after, ... (interleaved)",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "uptime_before": _uptime()},
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "before.tar"
        subprocess.run(["git", "-C", str(repo), "archive", "-o", str(archive), before, "spacy_ddi"], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "before")
        sides = {"before": str(Path(tmp) / "before"), "after": ""}
        for k in range(rounds):
            for side in ("before", "after"):
                result = _run(model, corpus, sides[side])
                result.update(side=side, round=k)
                if side == "before" and not result["spacy_ddi_file"].startswith(sides["before"]):
                    typer.echo(f"Error: the before side imported {result['spacy_ddi_file']}", err=True)
                    raise typer.Exit(1)
                record["runs"].append(result)
                typer.echo(f"round {k + 1}/{rounds} {side}: {result['seconds']:.1f} s (drug_linker {result['linker_seconds']:.2f} s)", err=True)
    record["machine"]["uptime_after"] = _uptime()
    pairs = [(r, s) for r, s in zip(record["runs"][0::2], record["runs"][1::2])]
    ratios = [a["seconds"] / b["seconds"] for b, a in pairs]
    linker_ratios = [a["linker_seconds"] / b["linker_seconds"] for b, a in pairs]
    record["ratio_after_over_before"] = {
        "median": round(statistics.median(ratios), 4), "per_round": [round(r, 4) for r in ratios],
    }
    record["drug_linker_alone_ratio"] = {
        "median": round(statistics.median(linker_ratios), 4), "per_round": [round(r, 4) for r in linker_ratios],
        "median_seconds_before": round(statistics.median(b["linker_seconds"] for b, _ in pairs), 3),
        "median_seconds_after": round(statistics.median(a["linker_seconds"] for _, a in pairs), 3),
    }
    added = record["drug_linker_alone_ratio"]["median_seconds_after"] - record["drug_linker_alone_ratio"]["median_seconds_before"]
    record["drug_linker_added"] = {
        "seconds": round(added, 3),
        # what the new drug_linker adds, as a share of the whole pipeline's time
        "share_of_pipe": round(added / statistics.median(a["seconds"] for _, a in pairs), 5),
    }
    record["median_seconds"] = {
        "before": round(statistics.median(b["seconds"] for b, _ in pairs), 2),
        "after": round(statistics.median(a["seconds"] for _, a in pairs), 2),
    }
    for run in record["runs"]:
        run.pop("spacy_ddi_file")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n")
    typer.echo(
        f"after/before: {record['ratio_after_over_before']['median']} (median of {rounds} interleaved rounds); "
        f"drug_linker alone: {record['drug_linker_alone_ratio']['median']} "
        f"(+{record['drug_linker_added']['seconds']} s, {record['drug_linker_added']['share_of_pipe']:.2%} of the pipeline); wrote {output}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], Path(sys.argv[3]))
    else:
        typer.run(main)
