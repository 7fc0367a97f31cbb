"""What the candidate-sentence gate skips and costs: the DDI test set once, abstracts from outside.

    python scripts/gate_report.py MODEL corpus/test.spacy OUTSIDE.xml.gz benchmarks/speed/gate.json [--speed-abstracts 200]

On the DDI test set, each document's sentences joined as a user gives them (document mode), by
source (DrugBank, MedLine) and in all: the share of sentences (as the pipeline splits them) the
gate skips, the gold interactions that lie in skipped sentences, and strict end-to-end NER and DDI
F1 of MODEL with and without the gate, the difference with a 95% paired bootstrap interval over
documents. On OUTSIDE (MEDLINE abstracts no model was trained on): the share of sentences
skipped, and the speed of extraction with and without the gate on the first --speed-abstracts
of them, measured side by side in this process (alternating, two rounds each; the load average
is recorded, as the ratio is what compares).
"""
import json
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Set, Tuple

import typer


def gold_keys(document) -> Tuple[Set, Set]:
    """(entity keys, interaction keys) of a joined document, in its own character offsets."""
    from spacy_ddi.evaluation import ddi_keys, entity_keys

    ents, ddis = set(), set()
    for sent, start in zip(document.sentences, document.starts):
        ents |= {(s + start, e + start, label) for s, e, label in entity_keys(sent, True)}
        for pair, label in ddi_keys(sent, True):
            ddis.add((frozenset((a + start, b + start) for a, b in pair), label))
    return ents, ddis


def record_keys(record: Dict) -> Tuple[Set, Set]:
    ents = {(e["start"], e["end"], e["label"]) for e in record["entities"]}
    ddis = {(frozenset([(d["subject"]["start"], d["subject"]["end"]), (d["object"]["start"], d["object"]["end"])]), d["label"])
            for d in record["interactions"]}
    return ents, ddis


def skipped_ranges(nlp, gate, text: str) -> Tuple[int, List[Tuple[int, int]]]:
    doc = nlp.get_pipe("ddi_sentences")(nlp.make_doc(text))
    sentences = gate.sentences(doc)
    return len(sentences), [(s.start_char, s.end_char) for s, keep in sentences if not keep]


def inside(key, ranges) -> bool:
    spans = key[0]
    return any(all(s <= a and b <= e for a, b in spans) for s, e in ranges)


def run(nlp, ids, texts, gate, batch_size=64, cpu=False):
    """(records by id, seconds, failures); ``cpu``: the process's CPU seconds, not wall time."""
    from spacy_ddi.extract.runner import build_records

    failures = []
    records = {}
    clock = time.process_time if cpu else time.perf_counter
    start = clock()
    for k, record in build_records(nlp, ids, texts, [None] * len(texts), lambda k, r: failures.append(r), gate=gate,
                                   batch_size=batch_size):
        records[ids[k]] = record
    return records, clock() - start, failures


def measure_speed(nlp, gate, timed, rounds: int) -> Dict:
    """CPU seconds (one torch thread) and wall seconds of extraction with and without the gate,
    the two alternating; the best round of each compared."""
    cpu = {"full": [], "gated": []}
    wall = {"full": [], "gated": []}
    load = [round(os.getloadavg()[0], 2)]
    words = sum(len(nlp.make_doc(i.text)) for i in timed)
    for _ in range(rounds):
        for name, g in (("full", None), ("gated", gate)):
            t0 = time.perf_counter()
            _, seconds, _ = run(nlp, [i.id for i in timed], [i.text for i in timed], g, cpu=True)
            cpu[name].append(round(seconds, 2))
            wall[name].append(round(time.perf_counter() - t0, 2))
    load.append(round(os.getloadavg()[0], 2))
    ratio = min(cpu["full"]) / min(cpu["gated"])
    typer.echo(f"speed on {len(timed)} outside abstracts ({words} tokens): CPU s full {cpu['full']}, gated {cpu['gated']}: {ratio:.2f}x")
    return {
        "abstracts": len(timed), "tokens": words, "cpu_seconds_full": cpu["full"], "cpu_seconds_gated": cpu["gated"],
        "wall_seconds_full": wall["full"], "wall_seconds_gated": wall["gated"], "speedup_cpu": round(ratio, 3),
        "tokens_per_cpu_hour_full": round(words / min(cpu["full"]) * 3600), "tokens_per_cpu_hour_gated": round(words / min(cpu["gated"]) * 3600),
        "load_average_1min": load, "cpus": os.cpu_count(),
        "conditions": "one process, one torch thread, the two settings alternating; CPU seconds of the process, best round of each; other work (a training) shared the 2-core machine",
    }


def prf(tp, n_pred, n_gold):
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def main(
    model: str,
    test: Path,
    outside: Path,
    output: Path,
    speed_abstracts: int = typer.Option(200, help="Outside abstracts timed with and without the gate"),
    speed_only: bool = typer.Option(False, help="Only time the gate on the outside abstracts; keep the rest of OUTPUT"),
    rounds: int = typer.Option(2, help="Rounds of each setting, alternating"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.corpus.convert import doc_source
    from spacy_ddi.evaluation import join_documents, paired_bootstrap
    from spacy_ddi.extensions import install_extensions
    from spacy_ddi.extract.gate import gate_for
    from spacy_ddi.extract.readers import read_inputs

    install_extensions()
    import torch

    torch.set_num_threads(1)  # one core: CPU seconds are comparable while other work runs
    nlp = spacy.load(model)
    gate = gate_for(nlp)
    if speed_only:
        record = json.loads(output.read_text())
        items = [i for i in read_inputs([str(outside)]) if i.text][:speed_abstracts]
        record["speed"] = measure_speed(nlp, gate, items, rounds)
        record["speed_command"] = " ".join(["python", "scripts/gate_report.py"] + sys.argv[1:])
        output.write_text(json.dumps(record, indent=2) + "\n")
        return
    documents = join_documents(list(DocBin().from_disk(test).get_docs(nlp.vocab)))
    ids = [d.id for d in documents]
    texts = [d.text for d in documents]
    source = {d.id: doc_source(d.sentences[0]) or "all" for d in documents}
    typer.echo(f"{len(documents)} test documents: with and without the gate")
    full, full_seconds, _ = run(nlp, ids, texts, None)
    gated, gated_seconds, _ = run(nlp, ids, texts, gate)
    parts: Dict[str, Dict] = {}
    counts = {"full": {}, "gated": {}, "full_ner": {}, "gated_ner": {}}
    for document in documents:
        ents, ddis = gold_keys(document)
        n_sentences, ranges = skipped_ranges(nlp, gate, document.text)
        for part in (source[document.id], "all"):
            row = parts.setdefault(part, {"documents": 0, "sentences": 0, "skipped": 0, "gold_interactions": 0,
                                          "interactions_in_skipped": 0})
            row["documents"] += 1
            row["sentences"] += n_sentences
            row["skipped"] += len(ranges)
            row["gold_interactions"] += len(ddis)
            row["interactions_in_skipped"] += sum(1 for key in ddis if inside(key, ranges))
        for name, records in (("full", full), ("gated", gated)):
            p_ents, p_ddis = record_keys(records[document.id])
            counts[name][document.id] = (len(p_ddis & ddis), len(p_ddis), len(ddis))
            counts[name + "_ner"][document.id] = (len(p_ents & ents), len(p_ents), len(ents))
    result = {}
    for part, row in parts.items():
        chosen = [d for d in ids if part == "all" or source[d] == part]
        scores = {}
        for what in ("", "_ner"):
            a = {d: counts["gated" + what][d] for d in chosen}
            b = {d: counts["full" + what][d] for d in chosen}
            sums = {k: [sum(v[i] for v in x.values()) for i in range(3)] for k, x in (("gated", a), ("full", b))}
            boot = paired_bootstrap([a], [b])
            scores["ddi" if not what else "ner"] = {
                "full": prf(*sums["full"]), "gated": prf(*sums["gated"]),
                "gated_minus_full": round(boot["diff"], 4), "low": round(boot["diff_low"], 4), "high": round(boot["diff_high"], 4),
            }
        result[part] = {**row, "share_skipped": round(row["skipped"] / row["sentences"], 4), **scores}
        typer.echo(
            f"{part}: {row['skipped']} of {row['sentences']} sentences skipped ({result[part]['share_skipped']:.1%}); "
            f"{row['interactions_in_skipped']} of {row['gold_interactions']} gold interactions in them; DDI F1 "
            f"{scores['ddi']['full']['f']:.3f} full, {scores['ddi']['gated']['f']:.3f} gated "
            f"({scores['ddi']['gated_minus_full']:+.4f}, {scores['ddi']['low']:+.4f} to {scores['ddi']['high']:+.4f})"
        )
    items = [i for i in read_inputs([str(outside)]) if i.text]
    n_sentences = n_skipped = 0
    for item in items:
        n, ranges = skipped_ranges(nlp, gate, item.text)
        n_sentences += n
        n_skipped += len(ranges)
    typer.echo(f"{len(items)} outside abstracts: {n_skipped} of {n_sentences} sentences skipped ({n_skipped / n_sentences:.1%})")
    speed = measure_speed(nlp, gate, items[:speed_abstracts], rounds)
    record = {
        "date": time.strftime("%Y-%m-%d"), "model": model,
        "command": " ".join(["python", "scripts/gate_report.py"] + sys.argv[1:]),
        "test": result,
        "outside": {"path": str(outside), "abstracts": len(items), "sentences": n_sentences, "skipped": n_skipped,
                    "share_skipped": round(n_skipped / n_sentences, 4)},
        "speed": speed,
        "test_seconds": {"full": round(full_seconds, 2), "gated": round(gated_seconds, 2)},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n")
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
