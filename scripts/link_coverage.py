"""How many gold drug mentions drug_linker links to a DrugBank id, by entity type, and a
sample of linked mentions to check by hand.

    python scripts/link_coverage.py CORPUS_DIR OUTPUT.json SAMPLE.tsv [--checked CHECKED.tsv]

Reads the gold entities of CORPUS_DIR/{train,dev,test}.spacy (the DDI task's splits; the rules
were written looking at train and dev only) and writes OUTPUT.json: per split and entity
type, the mentions, the share linked to a DrugBank id by a plain lower-case lookup in the
vocabulary's variant table (the baseline) and by drug_linker, the share linked to anything
(a class without an id counts here), and the lookups that decided. It writes SAMPLE.tsv: 150
distinct (mention, type) pairs of the test split that drug_linker links to a DrugBank id,
drawn with a fixed seed, with the vocabulary entry each was linked to, to be checked by hand.
With --checked (the same rows with a last column "ok" or "wrong", filled in by a person),
the precision of the sample and the wrong links go into OUTPUT.json too.
"""
import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from spacy_ddi.extensions import ENTITY_LABELS
from spacy_ddi.linking.vocabulary import DrugVocabulary, read_package_dictionary

SAMPLE_SIZE = 150
SEED = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("sample", type=Path)
    parser.add_argument("--checked", type=Path, default=None)
    args = parser.parse_args()

    vocab = DrugVocabulary.from_package()
    to_canonical, canonical_data, _ = read_package_dictionary()

    def baseline_id(text):
        for key in to_canonical.get(text.lower(), []):
            if canonical_data.get(key, {}).get("drugbank_id"):
                return canonical_data[key]["drugbank_id"]
        return None

    nlp = spacy.blank("en")
    result = {"vocabulary": vocab.source, "date": time.strftime("%Y-%m-%d"), "command": " ".join(["python"] + sys.argv), "splits": {}}
    test_linked = {}
    for split in ("train", "dev", "test"):
        path = args.corpus / f"{split}.spacy"
        if not path.exists():
            print(f"Error: {path} not found (run `spacy project run convert` first)", file=sys.stderr)
            return 2
        mentions, base, linked, named = Counter(), Counter(), Counter(), Counter()
        rules, with_id, unlinked_groups = Counter(), Counter(), Counter()
        for doc in DocBin().from_disk(path).get_docs(nlp.vocab):
            for ent in doc.ents:
                label = ent.label_
                mentions[label] += 1
                base[label] += baseline_id(ent.text) is not None
                link = vocab.link(ent.text, label)
                named[label] += link.drug is not None
                group = vocab.class_of(link.drug, label)
                with_id[label] += bool(link.drug_id or (group and group[0]))
                if label == "GROUP" and not link.drug_id and not (group and group[0]):
                    unlinked_groups[ent.text.lower()] += 1
                if link.drug_id:
                    linked[label] += 1
                    rules[link.rule.split(">")[0]] += 1
                    if split == "test":
                        test_linked.setdefault((ent.text.lower(), label), (ent.text, link))
        result["splits"][split] = {
            "by_type": {
                label: {
                    "mentions": mentions[label],
                    "baseline_drugbank": round(base[label] / mentions[label], 3),
                    "linked_drugbank": round(linked[label] / mentions[label], 3),
                    "linked_any": round(named[label] / mentions[label], 3),
                    # a DrugBank id, or the MeSH id of the class a mention names
                    "linked_drugbank_or_mesh": round(with_id[label] / mentions[label], 3),
                }
                for label in ENTITY_LABELS if mentions[label]
            },
            "top_group_without_id": unlinked_groups.most_common(25),
            "decided_by": dict(rules.most_common()),
        }
        print(split, json.dumps(result["splits"][split]["by_type"]))

    keys = sorted(test_linked)
    sample = sorted(random.Random(SEED).sample(keys, min(SAMPLE_SIZE, len(keys))))
    args.sample.parent.mkdir(parents=True, exist_ok=True)
    with args.sample.open("w", encoding="utf8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["mention", "type", "drug_name", "drug_id", "decided_by"])
        for key in sample:
            text, link = test_linked[key]
            writer.writerow([text, key[1], link.drug_name, link.drug_id, link.rule])
    result["sample"] = {"file": str(args.sample), "size": len(sample), "seed": SEED, "of_distinct_linked": len(keys)}
    if args.checked is not None:
        with args.checked.open(encoding="utf8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        checked = {(r["mention"], r["type"], r["drug_id"]) for r in rows}
        drawn = {(test_linked[k][0], k[1], test_linked[k][1].drug_id) for k in sample}
        if checked != drawn:
            print(
                f"Error: {args.checked} checks another sample than {args.sample} ({len(checked ^ drawn)} rows "
                "differ: the rules or the data changed): check the new sample by hand first",
                file=sys.stderr,
            )
            return 2
        verdicts = Counter(row["verdict"] for row in rows)
        unknown = set(verdicts) - {"ok", "wrong"}
        if unknown:
            print(f"Error: {args.checked}: verdicts are ok or wrong, not {sorted(unknown)}", file=sys.stderr)
            return 2
        result["sample"]["checked"] = {
            "file": str(args.checked), "ok": verdicts["ok"], "wrong": verdicts["wrong"],
            "precision": round(verdicts["ok"] / max(1, len(rows)), 3),
            "wrong_links": [
                {k: row[k] for k in ("mention", "type", "drug_name", "drug_id", "note")} for row in rows if row["verdict"] == "wrong"
            ],
        }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output} and {args.sample}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
