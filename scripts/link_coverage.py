"""How many gold drug mentions drug_linker links to a DrugBank id, by entity type, and a
sample of linked mentions to check by hand.

    python scripts/link_coverage.py CORPUS_DIR OUTPUT.json SAMPLE.tsv [--checked CHECKED.tsv]
        [--carry-over OLD_CHECKED.tsv] [--outside OUTSIDE_CHECKED.tsv]

Reads the gold entities of CORPUS_DIR/{train,dev,test}.spacy (the DDI task's splits; the rules
were written looking at train and dev only) and writes OUTPUT.json: per split and entity
type, the mentions, the share linked to a DrugBank id by a plain lower-case lookup in the
vocabulary's variant table (the baseline) and by drug_linker, the share linked to anything
(a class without an id counts here), the share with a DrugBank id or the MeSH id of the class
a mention names, and the lookups that decided. It writes SAMPLE.tsv: 150 distinct (mention,
type) pairs of the test split that drug_linker links to a DrugBank id or a class's MeSH id,
with the entry each was linked to and the first test sentence it occurs in, to be checked by
hand. The sample is the 150 pairs of smallest seeded hash, so a change of the rules or the
data changes only the rows whose link changed (and the few pairs that enter or leave).

--checked: the same rows with two more columns, verdict ("ok", "wrong", or "unsure" where the
drug or class is right but its id could not be checked; filled in by a person) and note; the precision of the sample and the wrong links go into OUTPUT.json.
--carry-over OLD: first write CHECKED from the new sample, with the verdicts of OLD's rows
whose link did not change (same mention, type, drug id and class id) and an empty verdict on
the others, which a person then fills in.
--outside: a sample of links checked by hand outside the DDI corpus (columns doc_id, mention,
label, linked_id, linked_name, verdict "right", "wrong" or "unsure", note; see
benchmarks/annotated/linking_outside/README.md); its precision, per label, goes into OUTPUT.json too.
"""
import argparse
import csv
import hashlib
import json
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


# ok: the right drug or class (and id); wrong: not; unsure: the right drug or class, but its id
# could not be checked against a source and the checker doubts it
VERDICTS = ("ok", "wrong", "unsure")
SAMPLE_COLUMNS = ["mention", "type", "drug_name", "drug_id", "class_id", "class_name", "decided_by", "sentence"]


def _rank(key) -> str:
    """A pair's place in the sample order: a seeded hash, stable when other pairs come or go."""
    return hashlib.sha256(f"{SEED}\t{key[0]}\t{key[1]}".encode("utf8")).hexdigest()


def _link_key(row) -> tuple:
    return (row["mention"], row["type"], row.get("drug_id") or "", row.get("class_id") or "")


def _read_tsv(path: Path):
    with path.open(encoding="utf8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _write_tsv(path: Path, columns, rows) -> None:
    with path.open("w", encoding="utf8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter="\t", extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _carry_over(old: Path, rows):
    """The sample's rows with the verdict and note of the old checked row of the same link."""
    verdicts = {_link_key(r): r for r in _read_tsv(old) if r.get("verdict")}
    return [
        {**row, "verdict": verdicts.get(_link_key(row), {}).get("verdict", ""), "note": verdicts.get(_link_key(row), {}).get("note", "")}
        for row in rows
    ]


def _check_sample(path: Path, rows):
    checked_rows = _read_tsv(path)
    checked = {_link_key(r) for r in checked_rows}
    drawn = {_link_key(r) for r in rows}
    if checked != drawn:
        print(
            f"Error: {path} checks another sample ({len(checked ^ drawn)} rows differ: the rules or the data "
            "changed): run with --carry-over OLD_CHECKED.tsv to keep the verdicts of unchanged links, then check the rest by hand",
            file=sys.stderr,
        )
        return None
    verdicts = Counter(row["verdict"] for row in checked_rows)
    unknown = set(verdicts) - set(VERDICTS)
    if unknown:
        print(
            f"Error: {path}: verdicts are {', '.join(VERDICTS)}, not {sorted(unknown)} ({sum(verdicts[u] for u in unknown)} rows)",
            file=sys.stderr,
        )
        return None
    by_kind = Counter((bool(r["class_id"]), r["verdict"]) for r in checked_rows)
    decided = verdicts["ok"] + verdicts["wrong"]
    return {
        "file": str(path), "ok": verdicts["ok"], "wrong": verdicts["wrong"], "unsure": verdicts["unsure"],
        # over the links the checker could decide; counting the unsure ones as wrong, the lower bound
        "precision": round(verdicts["ok"] / max(1, decided), 3),
        "precision_unsure_as_wrong": round(verdicts["ok"] / max(1, len(checked_rows)), 3),
        "drugbank_links": {v: by_kind[(False, v)] for v in VERDICTS},
        "class_links": {v: by_kind[(True, v)] for v in VERDICTS},
        "wrong_links": [
            {k: row[k] for k in ("mention", "type", "drug_name", "drug_id", "class_id", "note")}
            for row in checked_rows if row["verdict"] == "wrong"
        ],
        "unsure_links": [
            {k: row[k] for k in ("mention", "type", "drug_name", "drug_id", "class_id", "note")}
            for row in checked_rows if row["verdict"] == "unsure"
        ],
    }


def _outside(path: Path):
    """Precision of the links checked by hand outside the DDI corpus, overall and per label."""
    rows = _read_tsv(path)
    needed = {"doc_id", "mention", "label", "linked_id", "linked_name", "verdict", "note"}
    if not rows or needed - set(rows[0]):
        print(f"Error: {path}: expected the columns {sorted(needed)}", file=sys.stderr)
        return None
    bad = [k for k, r in enumerate(rows, 2) if r["verdict"] not in ("right", "wrong", "unsure")]
    if bad:
        print(f"Error: {path}, line {bad[0]}: verdict is right, wrong or unsure ({len(bad)} such rows)", file=sys.stderr)
        return None

    def precision(subset):
        counts = Counter(r["verdict"] for r in subset)
        return {
            "checked": len(subset), "right": counts["right"], "wrong": counts["wrong"], "unsure": counts["unsure"],
            "precision": round(counts["right"] / max(1, counts["right"] + counts["wrong"]), 3),
            "precision_unsure_as_wrong": round(counts["right"] / max(1, len(subset)), 3),
        }

    return {
        "file": str(path), **precision(rows),
        "by_label": {label: precision([r for r in rows if r["label"] == label]) for label in sorted({r["label"] for r in rows})},
        "wrong_links": [{k: r[k] for k in ("doc_id", "mention", "label", "linked_id", "linked_name", "note")} for r in rows if r["verdict"] == "wrong"],
        "unsure_links": [{k: r[k] for k in ("doc_id", "mention", "label", "linked_id", "linked_name", "note")} for r in rows if r["verdict"] == "unsure"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("sample", type=Path)
    parser.add_argument("--checked", type=Path, default=None)
    parser.add_argument("--carry-over", type=Path, default=None, dest="carry_over")
    parser.add_argument("--outside", type=Path, default=None)
    args = parser.parse_args()
    if args.carry_over is not None and args.checked is None:
        parser.error("--carry-over needs --checked (the file it writes)")

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
                if split == "test" and (link.drug_id or (group and group[0])):
                    class_id, class_name = group if group and group[0] else ("", "")
                    test_linked.setdefault((ent.text.lower(), label), (ent.text, link, class_id, class_name, " ".join(doc.text.split())))
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
    sample = sorted(sorted(keys, key=_rank)[:SAMPLE_SIZE])
    rows = []
    for key in sample:
        text, link, class_id, class_name, sentence = test_linked[key]
        rows.append({
            "mention": text, "type": key[1], "drug_name": link.drug_name, "drug_id": link.drug_id or "",
            "class_id": class_id, "class_name": class_name, "decided_by": link.rule, "sentence": sentence,
        })
    args.sample.parent.mkdir(parents=True, exist_ok=True)
    _write_tsv(args.sample, SAMPLE_COLUMNS, rows)
    result["sample"] = {
        "file": str(args.sample), "size": len(sample), "seed": SEED, "of_distinct_linked": len(keys),
        "drawn": "the distinct (mention, type) pairs with a DrugBank id or a class MeSH id of smallest seeded hash",
    }
    if args.carry_over is not None:
        carried = _carry_over(args.carry_over, rows)
        _write_tsv(args.checked, SAMPLE_COLUMNS + ["verdict", "note"], carried)
        todo = sum(not r["verdict"] for r in carried)
        print(f"wrote {args.checked}: {len(carried) - todo} verdicts carried over from {args.carry_over}, {todo} rows to check by hand")
    if args.checked is not None:
        checked = _check_sample(args.checked, rows)
        if checked is None:
            return 2
        result["sample"]["checked"] = checked
    if args.outside is not None:
        outside = _outside(args.outside)
        if outside is None:
            return 2
        result["outside"] = outside
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output} and {args.sample}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
