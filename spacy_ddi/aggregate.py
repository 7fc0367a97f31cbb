"""Interactions across documents: one row per unordered pair of drugs, with its evidence.

Reads what ``spacy-ddi extract`` writes (JSONL records, or its CSV/Parquet interaction
table) or processed Docs, and gathers the interactions by drug pair. A drug is its
DrugBank id where ``drug_linker`` found one; otherwise its normalised name (the linker's
canonical name, else the mention's text; case, spaces and hyphens ignored), and the row says
so (``*_by_name``); the name shown is the first one seen.

Counting: a pair's *statement* is one sentence that states an interaction between the two
drugs (several mention pairs of the same two drugs in one sentence are one statement, with
the label and score of the highest-scoring one, an affirmed one first). ``sentences`` counts
statements, ``documents`` the documents they are in, ``MECHANISM``/``EFFECT``/``ADVISE``/``INT``
the statements of each type, ``affirmed``/``negated``/``speculated`` the statements by how the
sentence asserts them ("X had no effect on Y" is negated evidence, not evidence for the pair;
``not_assessed`` for records of spacy-ddi 1.0), and ``--affirmed-only`` counts affirmed
statements alone; ``majority_type`` is the type with most statements (a tie goes to
the higher summed score, then to the order MECHANISM, EFFECT, ADVISE, INT); ``max_score`` and
``mean_score`` are over statements; ``evidence`` holds up to K statements (document id,
sentence, score), highest score first, then by document id and position. Rows are sorted
by support: documents, then sentences, then the highest score (all descending), then names.
A pair of one drug with itself ("Coumadin" and "warfarin") is left out.

A mention of a drug class that ``drug_linker`` gave a MeSH id is keyed by that id, so "PPIs",
"PPI" and "proton pump inhibitors" are one drug of the table (``drug_a_id`` holds the MeSH id,
D054328); an abbreviation without a link is keyed by its long form where the document defines
one. With ``by_class`` (``spacy-ddi aggregate --by-class``) each row gets ``level`` "drug", and
rows rolled up to classes are added beside them (``level`` "class"): an interaction of a drug
counts toward each class the drug belongs to (by the vocabulary, or by its document: "PPIs
such as omeprazole"), and an interaction of a class mention toward that class, so that
"Clopidogrel | Proton Pump Inhibitors" gathers the statements about omeprazole, lansoprazole
and "PPIs" alike; ``rolled_up_from`` lists what each class row gathers (members with their id
and why, and the class's own mentions) and each evidence item says ``via`` which. Only one side
of a pair is rolled up at a time.
"""
import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc

from .records import RecordError, doc_record, placed_records, record_parts
from .extract.tables import interaction_rows, is_null, write_rows
from .assertion import AFFIRMED
from .extensions import POSITIVE_LABELS
from .linking.normalise import clean, squash

# the statements of a pair by how their sentence asserts them (spacy_ddi.assertion);
# not_assessed: records of spacy-ddi 1.0, which have no assertion
ASSERTION_COLUMNS = ["affirmed", "negated", "speculated", "not_assessed"]
COLUMNS = [
    "drug_a", "drug_a_id", "drug_a_by_name", "drug_b", "drug_b_id", "drug_b_by_name",
    "documents", "sentences", *POSITIVE_LABELS, *ASSERTION_COLUMNS, "majority_type", "max_score", "mean_score", "evidence",
]
CLASS_COLUMNS = ["level", "rolled_up_from"]
INPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
OUTPUT_SUFFIXES = (".csv", ".parquet", ".jsonl")
# the Parquet type of a column that is not text (see spacy_ddi.extract.tables.write_rows)
PAIR_TYPES = {
    "drug_a_by_name": "bool", "drug_b_by_name": "bool", "documents": "int", "sentences": "int",
    **{label: "int" for label in POSITIVE_LABELS}, **{name: "int" for name in ASSERTION_COLUMNS},
    "max_score": "float", "mean_score": "float",
}


@dataclass
class _Drug:
    key: Tuple[str, str]  # ("id", DrugBank id) or ("name", normalised name)
    name: str


@dataclass
class _Pair:
    a: _Drug
    b: _Drug
    # (doc_id, sentence_start) -> (score, label, sentence text, via, assertion)
    statements: Dict[Tuple[str, int], Tuple[float, str, str, str, Optional[str]]] = field(default_factory=dict)
    sources: List[str] = field(default_factory=list)  # class rows: what they gather


def _present(value) -> Optional[str]:
    """A cell's text, or None for a missing one (None, "", NaN from a table round trip)."""
    if is_null(value) or value == "":
        return None
    return str(value)


def _named(name: str) -> _Drug:
    # "beta blockers", "Beta-Blockers" and "beta-blockers" are one name
    return _Drug(("name", squash(clean(name)) or clean(name)), name)


def _drug(row: Dict, part: str) -> _Drug:
    drug_id = _present(row.get(f"{part}_id"))
    name = _present(row.get(f"{part}_name"))
    class_id = _present(row.get(f"{part}_class_id"))
    text = row[part]
    if drug_id:
        return _Drug(("id", str(drug_id)), str(name or text))
    if class_id:
        return _Drug(("id", str(class_id)), str(_present(row.get(f"{part}_class_name")) or name or text))
    return _named(str(name or _present(row.get(f"{part}_long_form")) or text))


def _classes(row: Dict, part: str) -> List[Tuple[_Drug, str]]:
    """(class, why) of each class one side of an interaction row belongs to."""
    cell = row.get(f"{part}_drug_classes")
    if isinstance(cell, str):
        cell = json.loads(cell) if cell.strip() else None
    out = []
    for item in cell or []:
        name = str(item.get("name") or "")
        if item.get("id"):
            out.append((_Drug(("id", str(item["id"])), name), str(item.get("source") or "")))
        elif name:
            out.append((_named(name), str(item.get("source") or "")))
    return out


def _is_class(row: Dict, part: str) -> bool:
    return _present(row.get(f"{part}_class_name")) is not None


def _add(pairs: Dict[Tuple, _Pair], one: _Drug, other: _Drug, row: Dict, score: float, via: str, source: Optional[str] = None) -> None:
    if one.key == other.key:
        return
    a, b = sorted((one, other), key=lambda d: d.key)
    pair = pairs.setdefault((a.key, b.key), _Pair(a, b))
    if source is not None and source not in pair.sources:
        pair.sources.append(source)
    where = (str(row["doc_id"]), int(row["sentence_start"]))
    assertion = _assertion(row)
    old = pair.statements.get(where)
    # one statement per sentence: an affirmed reading of the pair wins, then the higher score
    if old is None or (assertion == AFFIRMED, score) > (old[4] == AFFIRMED, old[0]):
        pair.statements[where] = (score, row["label"], str(row["sentence"]), via, assertion)


def _assertion(row: Dict) -> Optional[str]:
    """A row's assertion; None for rows of spacy-ddi 1.0's records (not assessed)."""
    value = row.get("assertion")
    return None if value in (None, "") or (isinstance(value, float) and math.isnan(value)) else str(value)


def pair_rows(
    rows: Iterable[Dict], evidence: int = 3, min_score: float = 0.0, by_class: bool = False, affirmed_only: bool = False,
) -> List[Dict]:
    """One row per unordered drug pair (see the module docstring) from interaction rows
    (the columns of ``spacy_ddi.extract.tables.INTERACTION_COLUMNS``); with ``by_class``, the
    class roll-up rows beside them. Each row counts its sentences by assertion (``affirmed``,
    ``negated``, ``speculated``, and ``not_assessed`` for records of spacy-ddi 1.0); with
    ``affirmed_only`` only affirmed findings are evidence."""
    pairs: Dict[Tuple, _Pair] = {}
    rolled: Dict[Tuple, _Pair] = {}
    for row in rows:
        label = row["label"]
        score = float(row["score"])
        # a NaN score passes no threshold and would make max and mean meaningless
        if label not in POSITIVE_LABELS or math.isnan(score) or score < min_score:
            continue
        if affirmed_only and _assertion(row) != AFFIRMED:
            continue
        one, other = _drug(row, "subject"), _drug(row, "object")
        if one.key == other.key:
            continue
        _add(pairs, one, other, row, score, "")
        if not by_class:
            continue
        for part, drug, partner in (("subject", one, other), ("object", other, one)):
            if _is_class(row, part):  # a mention of the class itself
                _add(rolled, drug, partner, row, score, str(row[part]), f"{row[part]} (class mention)")
                continue
            for group, why in _classes(row, part):
                member = f"{drug.name} ({drug.key[1]}, {why})" if drug.key[0] == "id" else f"{drug.name} ({why})"
                _add(rolled, group, partner, row, score, drug.name, member)
    out = [_row(pair, evidence) for pair in pairs.values()]
    if by_class:
        out = [{**r, "level": "drug", "rolled_up_from": []} for r in out]
        out += [{**_row(pair, evidence), "level": "class", "rolled_up_from": pair.sources} for pair in rolled.values()]
    out.sort(key=lambda r: (-r["documents"], -r["sentences"], -r["max_score"], r["drug_a"].lower(), r["drug_b"].lower(), r.get("level", "")))
    return out


def _row(pair: _Pair, evidence: int) -> Dict:
    statements = pair.statements
    counts = {label: 0 for label in POSITIVE_LABELS}
    sums = {label: 0.0 for label in POSITIVE_LABELS}
    assertions = {name: 0 for name in ASSERTION_COLUMNS}
    for score, label, _, _, assertion in statements.values():
        counts[label] += 1
        sums[label] += score
        assertions[assertion or "not_assessed"] += 1
    majority = min(POSITIVE_LABELS, key=lambda l: (-counts[l], -sums[l], POSITIVE_LABELS.index(l)))
    scores = [score for score, _, _, _, _ in statements.values()]
    ranked = sorted(statements.items(), key=lambda item: (-item[1][0], item[0][0], item[0][1]))
    return {
        "drug_a": pair.a.name, "drug_a_id": pair.a.key[1] if pair.a.key[0] == "id" else None,
        "drug_a_by_name": pair.a.key[0] == "name",
        "drug_b": pair.b.name, "drug_b_id": pair.b.key[1] if pair.b.key[0] == "id" else None,
        "drug_b_by_name": pair.b.key[0] == "name",
        "documents": len({doc_id for doc_id, _ in statements}),
        "sentences": len(statements),
        **counts,
        **assertions,
        "majority_type": majority,
        "max_score": round(max(scores), 6),
        "mean_score": round(sum(scores) / len(scores), 6),
        "evidence": [
            {"doc_id": doc_id, "sentence": sentence, "score": round(score, 6), "assertion": assertion,
             **({"via": via} if via else {})}
            for (doc_id, _), (score, _, sentence, via, assertion) in ranked[:evidence]
        ],
    }


# -- inputs -----------------------------------------------------------------------------------

def read_interaction_rows(paths: Sequence[Union[str, Path]]) -> Iterator[Dict]:
    """Interaction rows from ``spacy-ddi extract`` output: .jsonl records, the .csv /
    .parquet interaction table (``--mentions`` tables have no interactions and are refused),
    or a folder of part files (``--engine ray``: records-*.jsonl or records-*.parquet).
    Records are read by :func:`spacy_ddi.records.read_records`; a bad one is named by its
    file and line."""
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
        if path.is_dir():
            if not record_parts(path) and not any(path.glob("errors-*.jsonl")):
                raise ValueError(f"{path}: a folder without the part files of spacy-ddi extract --engine ray (records-*.jsonl, records-*.parquet)")
            yield from _record_rows(path)
            continue
        if path.suffix not in INPUT_SUFFIXES:
            raise ValueError(f"{path}: aggregate reads the output of spacy-ddi extract (.jsonl, .csv or .parquet), not {path.suffix!r}")
        if path.suffix == ".jsonl":
            yield from _record_rows(path)
            continue
        columns, rows = _read_table(path)
        if path.suffix == ".parquet" and {"id", "interactions"} <= set(columns):
            yield from _record_rows(path)  # a Parquet records part
            continue
        missing = set(TABLE_COLUMNS) - set(columns)
        if missing:
            raise ValueError(f"{path}: not an interaction table of spacy-ddi extract (missing {sorted(missing)})")
        for k, row in enumerate(rows, 2 if path.suffix == ".csv" else 1):
            try:
                yield _checked(row)
            except (ValueError, KeyError, TypeError) as err:
                where = f"line {k}" if path.suffix == ".csv" else f"row {k}"
                raise ValueError(f"{path}, {where}: {_reason(err)}") from err


def _record_rows(source: Path) -> Iterator[Dict]:
    """Interaction rows of the records in a file or a folder of parts; a record without
    interactions, or with a bad one, is named by its file and line (JSONL) or row (Parquet)."""
    try:
        for where, record in placed_records(source):
            try:
                if "interactions" not in record:
                    raise ValueError("not a record of spacy-ddi extract (no id/interactions)")
                rows = [_checked(row) for row in interaction_rows(record)]
            except (ValueError, KeyError, TypeError) as err:
                raise RecordError(f"{where}: {_reason(err)}") from err
            yield from rows
    except RecordError as err:  # a line cut by an interrupted run, a hand-edited record, ...
        raise ValueError(str(err)) from err


TABLE_COLUMNS = ("doc_id", "subject", "object", "label", "score", "sentence", "sentence_start")


def _checked(row: Dict) -> Dict:
    """``row`` with its score and sentence start as numbers; raises on a missing or bad one
    (and on an assertion other than affirmed, negated, speculated or none)."""
    assertion = _assertion(row)
    if assertion is not None and assertion not in ASSERTION_COLUMNS[:3]:
        raise ValueError(f"assertion is affirmed, negated or speculated (or empty), not {assertion!r}")
    return {**row, "score": float(row["score"]), "sentence_start": int(row["sentence_start"])}


def _reason(err: Exception) -> str:
    return f"no {err.args[0]!r} field" if isinstance(err, KeyError) else str(err)


def _read_table(path: Path) -> Tuple[List[str], Iterator[Dict]]:
    """The column names and the rows of a CSV or Parquet table (rows as a stream)."""
    if path.suffix == ".csv":
        handle = path.open(encoding="utf8", newline="")
        reader = csv.DictReader(handle)

        def csv_rows():
            with handle:
                yield from reader

        return list(reader.fieldnames or []), csv_rows()
    try:
        import pyarrow.parquet
    except ImportError as err:
        raise ImportError(f"{path}: reading Parquet needs pyarrow: pip install 'spacy-ddi[parquet]'") from err
    table = pyarrow.parquet.ParquetFile(path)

    def parquet_rows():
        for batch in table.iter_batches():
            yield from batch.to_pylist()

    return list(table.schema_arrow.names), parquet_rows()


def doc_interaction_rows(docs: Iterable[Doc], ids: Optional[Iterable[str]] = None) -> Iterator[Dict]:
    """Interaction rows of processed Docs (ids default to their position, "0", "1", ...)."""
    ids = iter(ids) if ids is not None else (str(k) for k in range(10**18))
    for doc in docs:
        yield from interaction_rows(doc_record(next(ids), doc))


# -- outputs ----------------------------------------------------------------------------------

def aggregate_frame(paths: Sequence[Union[str, Path]], evidence: int = 3, min_score: float = 0.0, by_class: bool = False):
    """The pair table of ``spacy-ddi extract`` output files as a pandas DataFrame (with
    ``by_class``, the class roll-up rows too)."""
    try:
        import pandas
    except ImportError as err:
        raise ImportError("aggregate_frame returns a pandas DataFrame: pip install 'spacy-ddi[pandas]'") from err
    rows = pair_rows(read_interaction_rows(paths), evidence=evidence, min_score=min_score, by_class=by_class)
    return pandas.DataFrame(rows, columns=COLUMNS + (CLASS_COLUMNS if by_class else []))


def write_pairs(rows: List[Dict], output: Path) -> None:
    """Write pair rows as .csv or .parquet (evidence as a JSON string) or .jsonl (a list)."""
    output = Path(output)
    if output.suffix not in OUTPUT_SUFFIXES:
        raise ValueError(f"{output}: the pair table is .csv, .parquet or .jsonl, not {output.suffix!r}")
    columns = COLUMNS + (CLASS_COLUMNS if rows and "level" in rows[0] else [])
    if output.suffix != ".jsonl":
        rows = [
            {**row, "evidence": json.dumps(row["evidence"], ensure_ascii=False),
             **({"rolled_up_from": json.dumps(row["rolled_up_from"], ensure_ascii=False)} if "level" in row else {})}
            for row in rows
        ]
    write_rows(rows, output, columns, PAIR_TYPES)
