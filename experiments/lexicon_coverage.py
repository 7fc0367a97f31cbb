"""How many gold drug mentions the offline drug lexicon covers, per split and entity type: the
leakage guard for ``drug_ner``'s lexicon feature (``lexicon_width``).

    python experiments/lexicon_coverage.py corpus experiments/records/lexicon_coverage.json

For the Train split and the DDI and DrugNER test sets (``corpus/{train,test,test_ner}.spacy``):
each gold mention counts as *in the lexicon* when its text (lower case, single spaces) is one
of the vocabulary's names (``spacy_ddi.linking.lexicon.lexicon_names`` of the PyPI package
``drug-named-entity-recognition``), and as *tagged* when the lexicon feature's BIO tags mark
exactly its tokens as one name. Test mentions whose text never occurs as a Train mention
("unseen") are counted apart: those are where a lexicon could help NER beyond memorising Train.
"""
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import typer


def main(
    corpus: Path = typer.Argument(Path("corpus"), help="Folder with train.spacy, test.spacy, test_ner.spacy"),
    output: Path = typer.Argument(None, help="JSON file to write"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.linking.lexicon import BEGIN, INSIDE, lexicon_names, lexicon_tags, name_key
    from spacy_ddi.linking.vocabulary import DrugVocabulary

    names = frozenset(lexicon_names(DrugVocabulary.from_package().variants))
    nlp = spacy.blank("en")
    splits = {"train": "train.spacy", "ddi_test": "test.spacy", "drugner_test": "test_ner.spacy"}
    train_texts = set()
    out = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", "experiments/lexicon_coverage.py"] + sys.argv[1:]),
           "lexicon_names": len(names), "splits": {}}
    for split, file in splits.items():
        path = corpus / file
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist: run `spacy project run convert` first")
        counts = defaultdict(lambda: defaultdict(int))
        for doc in DocBin().from_disk(path).get_docs(nlp.vocab):
            tags = lexicon_tags(doc, names)
            for ent in doc.ents:
                key = name_key(ent.text)
                if split == "train":
                    train_texts.add(key)
                exact = tags[ent.start] == BEGIN and all(tags[ent.start + 1 : ent.end] == INSIDE) and (
                    ent.end == len(doc) or tags[ent.end] != INSIDE
                )
                groups = [ent.label_, "all"]
                if split != "train" and key not in train_texts:
                    groups += [f"{ent.label_} unseen", "all unseen"]
                for group in groups:
                    c = counts[group]
                    c["mentions"] += 1
                    c["in_lexicon"] += key in names
                    c["tagged"] += bool(exact)
        out["splits"][split] = {group: dict(c) for group, c in sorted(counts.items())}
        for group in ("all", "all unseen", "DRUG", "BRAND", "GROUP", "DRUG_N"):
            c = counts.get(group)
            if c:
                typer.echo(
                    f"{split} {group}: {c['mentions']} mentions, {c['in_lexicon']} in the lexicon "
                    f"({c['in_lexicon'] / c['mentions']:.1%}), {c['tagged']} tagged as one name ({c['tagged'] / c['mentions']:.1%})"
                )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(out, indent=2))
        typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
