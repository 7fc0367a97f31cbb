"""A sample of drug_linker's links in text outside the DDI corpus, to check by hand.

    python scripts/link_outside.py EXTRACTED.jsonl SAMPLE.tsv [--checked CHECKED.tsv] [--carry-over OLD.tsv]

Reads the records ``spacy-ddi extract`` wrote (JSONL) and draws, by a seeded hash, 150
distinct (mention, label) pairs that drug_linker linked to a DrugBank id or to a class's
MeSH id, stratified by label: an equal share per label, a label with fewer linked mentions
giving what it lacks to the others. Writes SAMPLE.tsv: doc_id, mention, label, linked_id,
linked_name, long_form (the abbreviation's long form, if any) and the sentence around the
first occurrence, for a person to judge. With --checked (the same rows plus verdict and note),
checks that it judges this very sample and prints its precision; ``scripts/link_coverage.py
--outside`` puts that precision into benchmarks/linking/linking.json. Verdicts: "right" (the right drug
or class, and id), "wrong", "unsure" (the right class, but its MeSH id could not be checked
against a source and is doubted). With --carry-over OLD, CHECKED is first written from the new
sample with OLD's verdicts of the rows whose link did not change (same document, mention,
label and id) and an empty verdict on the others, for a person to fill in.
"""
import argparse
import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

from spacy_ddi.records import RecordError, read_records

SAMPLE_SIZE = 150
SEED = 0
VERDICTS = ("right", "wrong", "unsure")
COLUMNS = ["doc_id", "mention", "label", "linked_id", "linked_name", "long_form", "context"]
CONTEXT = 120


def linked_mentions(path: Path):
    """{(mention lower case, label): row} of every linked mention, the first occurrence kept."""
    found = {}
    try:
        records = list(read_records(path))
    except RecordError as err:
        raise SystemExit(f"Error: {err}")
    for record in records:
        text = record.get("text") or ""
        for ent in record.get("entities") or []:
            linked_id = ent.get("drug_id") or ent.get("class_id")
            if not linked_id:
                continue
            key = (ent["text"].lower(), ent["label"])
            if key in found:
                continue
            start, end = ent["start"], ent["end"]
            context = text[max(0, start - CONTEXT): end + CONTEXT]
            found[key] = {
                "doc_id": record["id"], "mention": ent["text"], "label": ent["label"], "linked_id": linked_id,
                "linked_name": ent.get("drug_name") if ent.get("drug_id") else ent.get("class_name"),
                "long_form": ent.get("long_form") or "", "context": " ".join(context.split()),
            }
    return found


def stratified(found, size: int, seed: int):
    by_label = {}
    for key in sorted(found):
        by_label.setdefault(key[1], []).append(key)
    for keys in by_label.values():  # in seeded hash order: a link that changes moves no other row
        keys.sort(key=lambda key: hashlib.sha256(f"{seed}\t{key[0]}\t{key[1]}".encode("utf8")).hexdigest())
    quota = {label: 0 for label in by_label}
    left = min(size, len(found))
    while left:
        open_labels = [label for label in sorted(by_label) if quota[label] < len(by_label[label])]
        share = max(1, left // len(open_labels))
        for label in open_labels:
            take = min(share, len(by_label[label]) - quota[label], left)
            quota[label] += take
            left -= take
            if not left:
                break
    return sorted(key for label, keys in by_label.items() for key in keys[: quota[label]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("extracted", type=Path)
    parser.add_argument("sample", type=Path)
    parser.add_argument("--checked", type=Path, default=None)
    parser.add_argument("--carry-over", type=Path, default=None, dest="carry_over")
    args = parser.parse_args()
    if args.carry_over is not None and args.checked is None:
        parser.error("--carry-over needs --checked (the file it writes)")
    if not args.extracted.exists():
        print(f"Error: {args.extracted} not found (run spacy-ddi extract first)", file=sys.stderr)
        return 2
    found = linked_mentions(args.extracted)
    rows = [found[key] for key in stratified(found, SAMPLE_SIZE, SEED)]
    args.sample.parent.mkdir(parents=True, exist_ok=True)
    with args.sample.open("w", encoding="utf8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.sample}: {len(rows)} of {len(found)} distinct linked mentions, by label {dict(Counter(r['label'] for r in rows))}")
    if args.carry_over is not None:
        old = {_key(r): r for r in _read(args.carry_over) if r.get("verdict")}
        carried = [{**r, "verdict": old.get(_key(r), {}).get("verdict", ""), "note": old.get(_key(r), {}).get("note", "")} for r in rows]
        with args.checked.open("w", encoding="utf8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS + ["verdict", "note"], delimiter="\t", lineterminator="\n")
            writer.writeheader()
            writer.writerows(carried)
        print(f"wrote {args.checked}: {sum(bool(r['verdict']) for r in carried)} verdicts carried over, {sum(not r['verdict'] for r in carried)} rows to check by hand")
    if args.checked is not None:
        checked = _read(args.checked)
        differ = {_key(r) for r in checked} ^ {_key(r) for r in rows}
        if differ:
            print(
                f"Error: {args.checked} checks another sample than {args.sample} ({len(differ)} rows differ): "
                "run with --carry-over OLD.tsv, then check the new rows by hand", file=sys.stderr,
            )
            return 2
        verdicts = Counter(r["verdict"] for r in checked)
        unknown = set(verdicts) - set(VERDICTS)
        if unknown:
            print(f"Error: {args.checked}: verdicts are {', '.join(VERDICTS)}, not {sorted(unknown)} ({sum(verdicts[u] for u in unknown)} rows)", file=sys.stderr)
            return 2
        decided = verdicts["right"] + verdicts["wrong"]
        print(
            f"{args.checked}: {verdicts['right']} right, {verdicts['wrong']} wrong, {verdicts['unsure']} unsure; "
            f"precision {verdicts['right'] / max(1, decided):.3f} ({verdicts['right'] / max(1, len(checked)):.3f} counting unsure as wrong)"
        )
    return 0


def _key(row) -> tuple:
    return (row["doc_id"], row["mention"], row["label"], row["linked_id"])


def _read(path: Path):
    with path.open(encoding="utf8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


if __name__ == "__main__":
    sys.exit(main())
