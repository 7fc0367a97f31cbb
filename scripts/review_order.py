"""Does review order pay? The team's abstracts chosen by the base's uncertainty, or at random.

    python scripts/review_order.py training/genre_base/model-tuned corpus/genre [--n 25] [--draws 1,2]

A curator reviews the base's predictions; the gold annotations are the oracle, so a document
once reviewed is its gold annotation. The pool is the team's abstracts that are not its dev
(``team_all.spacy`` of ``scripts/genre_scenario.py``: 122 MedLine documents of Train).

**The rule.** Each document's place in the queue is the highest uncertainty among the
interactions the base reports in it, an interaction's uncertainty being 1 - |2s - 1| for its
calibrated score s (1 at s = 0.5, 0 at s = 0 or 1); documents where the base reports no
interaction come last, in the pool's order. The first --n documents of that queue are written
to ``team_uncertain_N.spacy``; for comparison, --draws more random draws of --n documents (seeded
shuffles of the pool; item 1's ``team_N.spacy`` is the draw of seed 0) to
``team_random_N_sD.spacy``. Each is then fine-tuned with the default recipe
(``spacy-ddi finetune ... --dev team_dev.spacy --held-out 0 --ddi-test corpus/test.spacy``) and
compared on the MedLine part of the test set. Writes ``review_order.json`` beside them (or
--record): the queue with each document's uncertainty, and the ids of each draw.
"""
import json
import random
from pathlib import Path
from typing import Dict, List

import typer


def main(
    base: str = typer.Argument(..., help="the scenario's base pipeline (trained and tuned on label text only)"),
    folder: Path = typer.Argument(..., help="the scenario's folder (scripts/genre_scenario.py's output)"),
    n: int = typer.Option(25, help="documents a curator reviews"),
    draws: str = typer.Option("1,2", help="seeds of the random draws besides item 1's (seed 0)"),
    record_path: Path = typer.Option(None, "--record", help="where the queue and the draws are recorded (default FOLDER/review_order.json)"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY
    from spacy_ddi.evaluation import docs_with_genre

    nlp = spacy.load(base)
    pool = list(DocBin().from_disk(folder / "team_all.spacy").get_docs(nlp.vocab))
    by_doc: Dict[str, List] = {}
    for doc in pool:
        by_doc.setdefault(doc.user_data[DOCUMENT_ID_KEY], []).append(doc)
    order = list(by_doc)
    predicted = list(nlp.pipe(docs_with_genre(nlp, pool)))
    uncertainty: Dict[str, float] = {doc_id: -1.0 for doc_id in order}
    for gold, doc in zip(pool, predicted):
        doc_id = gold.user_data[DOCUMENT_ID_KEY]
        for ddi in doc._.ddis:
            if ddi.is_positive:
                uncertainty[doc_id] = max(uncertainty[doc_id], 1 - abs(2 * ddi.score - 1))
    queue = sorted(order, key=lambda d: (-uncertainty[d], order.index(d)))
    chosen = {"uncertain": queue[:n]}
    for seed in [int(s) for s in draws.split(",") if s]:
        shuffled = sorted(order)
        random.Random(seed).shuffle(shuffled)
        chosen[f"random_s{seed}"] = shuffled[:n]

    def save(ids, name):
        DocBin(docs=[d for i in ids for d in by_doc[i]], store_user_data=True).to_disk(folder / f"{name}.spacy")

    save(chosen["uncertain"], f"team_uncertain_{n}")
    for key, ids in chosen.items():
        if key != "uncertain":
            save(ids, f"team_random_{n}_{key.split('_')[1]}")
    record = {
        "base": base, "pool": len(order), "n": n,
        "rule": "a document's uncertainty is the highest 1 - |2s - 1| over the interactions the base reports in it (s: calibrated score); no interaction reported: last",
        "queue": [{"id": d, "uncertainty": round(uncertainty[d], 4)} for d in queue],
        "chosen": chosen,
        "without_reported_interaction": sum(1 for d in order if uncertainty[d] < 0),
    }
    record_path = record_path or folder / "review_order.json"
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    typer.echo(f"{len(order)} pool documents, {record['without_reported_interaction']} without a reported interaction; "
               f"wrote team_uncertain_{n}.spacy and {len(chosen) - 1} random draws to {folder}")


if __name__ == "__main__":
    typer.run(main)
