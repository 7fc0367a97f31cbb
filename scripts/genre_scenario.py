"""Make the genre-shift scenario: a base that never read an abstract, a team whose corpus is abstracts.

    python scripts/genre_scenario.py corpus corpus/genre [--sizes 10,25,50] [--team-dev 20] [--seed 0]

From the converted DDI corpus (CORPUS/train.spacy, dev.spacy, test.spacy), writes to OUT:

- ``base_train.spacy`` / ``base_dev.spacy``: the DrugBank (drug label) documents of Train and of
  dev only; the base is trained and tuned on them, so it never sees an abstract;
- ``team_dev.spacy``: ``--team-dev`` (20) of the 142 MedLine documents of Train (Train and dev
  together, whole documents, a seeded shuffle): the team's own dev, for every point;
- ``team_N.spacy`` for each of ``--sizes`` and ``team_all.spacy``: the first N of the other
  MedLine documents in the same shuffle (each size holds the smaller ones), and all of them;
- ``ceiling_N.spacy``: DrugBank Train plus ``team_N`` (training from scratch on both);
- ``test_medline.spacy`` / ``test_drugbank.spacy``: the two parts of the DDI test set.

The team's documents go out as BRAT and come back through ``spacy-ddi convert``, as a team's
would; ``scenario.json`` records the document ids of each part and what the round trip kept.
Then the ``genre-scenario`` command of project.yml trains the base, fine-tunes it on each size
(``spacy-ddi finetune --dev team_dev.spacy --held-out 0 --ddi-test corpus/test.spacy``, scored by part) and
trains the ceiling runs.
"""
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import typer
from spacy.tokens import DocBin


def main(
    corpus: Path = typer.Argument(..., help="the converted DDI corpus (train.spacy, dev.spacy, test.spacy)"),
    out_dir: Path = typer.Argument(..., help="folder for the scenario's DocBins"),
    sizes: str = typer.Option("10,25,50", help="numbers of team abstracts to fine-tune on (besides all of them)"),
    team_dev: int = typer.Option(20, help="team abstracts set aside as the team's dev"),
    seed: int = typer.Option(0, help="seed of the shuffle of the team's abstracts"),
):
    import spacy

    from spacy_ddi.corpus.brat import write_brat
    from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, doc_source
    from spacy_ddi.corpus.imports import import_annotations, write_docbin
    from spacy_ddi.extensions import install_extensions

    install_extensions()
    for name in ("train", "dev", "test"):
        if not (corpus / f"{name}.spacy").exists():
            print(f"Error: {corpus / (name + '.spacy')} not found (run `spacy project run convert` first)", file=sys.stderr)
            raise typer.Exit(2)
    nlp = spacy.blank("en")
    load = lambda name: list(DocBin().from_disk(corpus / f"{name}.spacy").get_docs(nlp.vocab))  # noqa: E731
    train, dev, test = load("train"), load("dev"), load("test")
    numbers = sorted({int(n) for n in sizes.split(",") if n})
    by_doc: Dict[str, List] = {}
    for doc in train + dev:
        if doc_source(doc) == "MedLine":
            by_doc.setdefault(doc.user_data[DOCUMENT_ID_KEY], []).append(doc)
    ids = sorted(by_doc)
    random.Random(seed).shuffle(ids)
    if team_dev + (numbers[-1] if numbers else 0) > len(ids):
        print(f"Error: {len(ids)} MedLine documents are too few for a team dev of {team_dev} and {numbers[-1]} to train on", file=sys.stderr)
        raise typer.Exit(2)
    dev_ids, rest = ids[:team_dev], ids[team_dev:]
    parts = {"team_dev": dev_ids, **{f"team_{n}": rest[:n] for n in numbers}, "team_all": rest}
    out_dir.mkdir(parents=True, exist_ok=True)

    def save(docs, name):
        DocBin(docs=docs, store_user_data=True).to_disk(out_dir / f"{name}.spacy")

    base_train = [d for d in train if doc_source(d) == "DrugBank"]
    save(base_train, "base_train")
    save([d for d in dev if doc_source(d) == "DrugBank"], "base_dev")
    save([d for d in test if doc_source(d) == "MedLine"], "test_medline")
    save([d for d in test if doc_source(d) == "DrugBank"], "test_drugbank")
    record = {"corpus": str(corpus), "seed": seed, "medline_documents": len(ids), "base_train_sentences": len(base_train),
              "parts": {}}
    with tempfile.TemporaryDirectory() as tmp:
        # the team's abstracts as a team has them: BRAT files, read back by spacy-ddi convert's reader
        for name, chosen in parts.items():
            folder = Path(tmp) / name
            written: Dict = {}
            for doc_id in chosen:
                write_brat(by_doc[doc_id], folder, doc_id, written)
            documents, report = import_annotations(folder, "brat", corpus_source="MedLine", log=lambda line: None)
            write_docbin([doc for docs in documents for doc in docs], out_dir / f"{name}.spacy")
            record["parts"][name] = {
                "documents": len(chosen), "ids": chosen,
                "imported": {"documents": report.documents, "sentences": report.sentences, "entities": report.entities,
                             "interactions": report.interactions, "issues": report.counts},
            }
    for n in numbers + ["all"]:
        team = list(DocBin().from_disk(out_dir / f"team_{n}.spacy").get_docs(nlp.vocab))
        save(base_train + team, f"ceiling_{n}")
    (out_dir / "scenario.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"{len(ids)} MedLine documents: team dev {len(dev_ids)}, sizes {numbers} and all ({len(rest)}); "
          f"base train {len(base_train)} DrugBank sentences -> {out_dir}")


if __name__ == "__main__":
    typer.run(main)
