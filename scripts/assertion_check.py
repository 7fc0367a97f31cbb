"""The assertion rules (spacy_ddi.assertion) against hand-annotated interactions.

    python scripts/assertion_check.py benchmarks/annotated/assertion benchmarks/comparisons/assertion.json

Reads each ``*.tsv`` of the folder that has an ``assertion`` column (item, sentence, drug_1,
drug_1_start, drug_2, drug_2_start, assertion, note), finds the two mentions in the sentence as
the pipeline tokenises and splits it, and compares the rules' assertion with the reader's.
Items the reader judged ``not_an_interaction`` are left out. Reports, per file and in all: the
count of each assertion by hand, the share of negated and speculated findings the rules mark
(negated or speculated), the share of marks that are wrong (a mark on an affirmed finding),
and the full confusion table.
"""
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path


def spans(nlp, row):
    from spacy_ddi.text import ddi_sentences

    doc = ddi_sentences(nlp.make_doc(row["sentence"]))
    found = []
    for k in ("1", "2"):
        start = int(row[f"drug_{k}_start"])
        span = doc.char_span(start, start + len(row[f"drug_{k}"]), alignment_mode="expand")
        if span is None:
            raise ValueError(f"item {row['item']}: {row[f'drug_{k}']!r} at {start} is not in its sentence")
        found.append(span)
    return found


def main(folder: Path, output: Path) -> int:
    import spacy

    from spacy_ddi.assertion import AFFIRMED, assertion_of, cues
    from spacy_ddi.text import create_drug_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    record = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", "scripts/assertion_check.py"] + sys.argv[1:]), "files": {}}
    totals = Counter()
    for path in sorted(folder.glob("*.tsv")):
        rows = list(csv.DictReader(path.open(encoding="utf8"), delimiter="\t"))
        if not rows or "assertion" not in rows[0]:
            continue
        confusion, wrong = Counter(), []
        for row in rows:
            gold = row["assertion"]
            if gold == "not_an_interaction":
                confusion["left out (not an interaction)"] += 1
                continue
            subject, obj = spans(nlp, row)
            ruled = assertion_of(subject, obj)
            confusion[f"{gold} -> {ruled}"] += 1
            if ruled != gold:
                negations, speculations = cues(subject, obj)
                wrong.append({"item": row["item"], "hand": gold, "rules": ruled, "cues": negations + speculations,
                              "sentence": row["sentence"][:300]})
        counts = Counter(r["assertion"] for r in rows)
        marked_right = sum(v for k, v in confusion.items() if "->" in k and not k.startswith(AFFIRMED) and not k.endswith(AFFIRMED))
        non_affirmed = sum(v for k, v in confusion.items() if "->" in k and not k.startswith(AFFIRMED))
        marks = sum(v for k, v in confusion.items() if "->" in k and not k.endswith(AFFIRMED))
        wrong_marks = sum(v for k, v in confusion.items() if k.startswith(AFFIRMED + " ->") and not k.endswith(AFFIRMED))
        result = {
            "items": len(rows), "by_hand": dict(counts), "confusion": dict(sorted(confusion.items())),
            "negated_or_speculated": non_affirmed, "of_them_marked": marked_right,
            "share_marked": round(marked_right / non_affirmed, 3) if non_affirmed else None,
            "marks": marks, "marks_on_affirmed": wrong_marks,
            "share_of_marks_wrong": round(wrong_marks / marks, 3) if marks else None,
            "disagreements": wrong,
        }
        record["files"][path.name] = result
        for key in ("negated_or_speculated", "of_them_marked", "marks", "marks_on_affirmed"):
            totals[key] += result[key]
        print(f"{path.name}: by hand {dict(counts)}; {marked_right} of {non_affirmed} negated/speculated marked; "
              f"{wrong_marks} of {marks} marks on affirmed findings")
    record["all"] = {
        **totals,
        "share_marked": round(totals["of_them_marked"] / totals["negated_or_speculated"], 3) if totals["negated_or_speculated"] else None,
        "share_of_marks_wrong": round(totals["marks_on_affirmed"] / totals["marks"], 3) if totals["marks"] else None,
    }
    print(f"all: {record['all']}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip())
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
