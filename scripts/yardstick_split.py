"""Split the converted yardstick into its tuning half and its report half.

    python scripts/yardstick_split.py corpus/yardstick.spacy benchmarks/annotated/yardstick/split.tsv corpus/

Writes OUT/yardstick_tune.spacy (settings and defaults are chosen on it) and
OUT/yardstick_test.spacy (reported once per chosen setting), whole abstracts by the committed
split.tsv. With --make-split, first writes split.tsv from selection.tsv beside it: in each
stratum of the selection, PMIDs in a seeded shuffle, alternately to tune and test.
"""
import argparse
import csv
import random
import sys
from pathlib import Path

from spacy.tokens import DocBin
from spacy.vocab import Vocab

from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY


def make_split(selection: Path, split: Path, seed: int) -> None:
    rows = list(csv.DictReader(selection.open(encoding="utf8"), delimiter="\t"))
    out = ["pmid\thalf"]
    for stratum in sorted({r["stratum"] for r in rows}):
        ids = sorted(r["pmid"] for r in rows if r["stratum"] == stratum)
        random.Random(seed).shuffle(ids)
        out += [f"{pmid}\t{'tune' if k % 2 == 0 else 'test'}" for k, pmid in enumerate(ids)]
    split.write_text("\n".join(out) + "\n", encoding="utf8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("docbin", type=Path)
    parser.add_argument("split", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--make-split", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.make_split:
        make_split(args.split.parent / "selection.tsv", args.split, args.seed)
    half_of = {r["pmid"]: r["half"] for r in csv.DictReader(args.split.open(encoding="utf8"), delimiter="\t")}
    halves = {"tune": DocBin(store_user_data=True), "test": DocBin(store_user_data=True)}
    counts = {"tune": set(), "test": set()}
    for doc in DocBin().from_disk(args.docbin).get_docs(Vocab()):
        doc_id = doc.user_data.get(DOCUMENT_ID_KEY)
        if doc_id not in half_of:
            print(f"Error: {args.docbin}: document {doc_id!r} is not in {args.split}", file=sys.stderr)
            return 1
        halves[half_of[doc_id]].add(doc)
        counts[half_of[doc_id]].add(doc_id)
    args.out.mkdir(parents=True, exist_ok=True)
    for half, bin_ in halves.items():
        bin_.to_disk(args.out / f"yardstick_{half}.spacy")
        print(f"{args.out / f'yardstick_{half}.spacy'}: {len(counts[half])} abstracts, {len(bin_)} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
