"""Make the "team's own corpus" scenario that measures fine-tuning on new data.

    python scripts/team_scenario.py corpus/train.spacy corpus/scenario [--share 0.5] [--seed 0]

Sets aside a share of the MedLine documents of the training set (whole documents, chosen by a
seeded shuffle) as the team's corpus, and writes:

- ``base_train.spacy``: the training set without them (to train the base pipeline on);
- ``team.spacy``: the set-aside documents, one doc per sentence as in the training set;
- ``team_documents.json``: their document ids, for the record.

The base pipeline never sees the team's documents; fine-tuning and its held-out scores use
only them (docs/own-data.md).
"""
import json
import random
import sys
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, doc_source


def main(
    train: Path = typer.Argument(..., help="the converted training set (corpus/train.spacy)"),
    out_dir: Path = typer.Argument(..., help="folder to write base_train.spacy and team.spacy to"),
    share: float = typer.Option(0.5, help="share of the MedLine training documents set aside"),
    seed: int = typer.Option(0, help="seed of the shuffle that picks them"),
):
    if not train.exists():
        print(f"Error: {train} not found (run `spacy project run convert` first)", file=sys.stderr)
        raise typer.Exit(2)
    if not 0 < share < 1:
        print(f"Error: --share must be in (0, 1), got {share}", file=sys.stderr)
        raise typer.Exit(2)
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(train).get_docs(nlp.vocab))
    medline = sorted({d.user_data[DOCUMENT_ID_KEY] for d in docs if doc_source(d) == "MedLine"})
    random.Random(seed).shuffle(medline)
    team_ids = set(medline[: round(len(medline) * share)])
    base, team = DocBin(store_user_data=True), DocBin(store_user_data=True)
    for doc in docs:
        (team if doc.user_data.get(DOCUMENT_ID_KEY) in team_ids else base).add(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    base.to_disk(out_dir / "base_train.spacy")
    team.to_disk(out_dir / "team.spacy")
    record = {
        "train": str(train),
        "share": share,
        "seed": seed,
        "medline_documents": len(medline),
        "team_documents": sorted(team_ids),
        "team_sentences": len(team),
        "base_sentences": len(base),
    }
    (out_dir / "team_documents.json").write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"{len(team_ids)} of {len(medline)} MedLine documents set aside ({len(team)} sentences); "
        f"base training set {len(base)} sentences -> {out_dir}"
    )


if __name__ == "__main__":
    typer.run(main)
