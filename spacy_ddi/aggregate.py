"""Interactions across documents: one row per unordered pair of drugs, with its evidence.

Reads what ``spacy-ddi extract`` writes (JSONL records, or its CSV/Parquet interaction
table) or processed Docs, and gathers the interactions by drug pair. A drug is its
DrugBank id where ``drug_linker`` found one; otherwise its normalised name (the linker's
canonical name, else the mention's text; case, spaces and hyphens ignored), and the row says
so (``*_by_name``); the name shown is the first one seen.

Counting: a pair's *statement* is one sentence that states an interaction between the two
drugs (several mention pairs of the same two drugs in one sentence are one statement, with
the label and score of the highest-scoring one). ``sentences`` counts statements,
``documents`` the documents they are in, ``MECHANISM``/``EFFECT``/``ADVISE``/``INT`` the
statements of each type; ``majority_type`` is the type with most statements (a tie goes to
the higher summed score, then to the order MECHANISM, EFFECT, ADVISE, INT); ``max_score`` and
``mean_score`` are over statements; ``evidence`` holds up to K statements (document id,
sentence, score), highest score first, then by document id and position. Rows are sorted
by support: documents, then sentences, then the highest score (all descending), then names.
A pair of one drug with itself ("Coumadin" and "warfarin") is left out.
"""
import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc

from .batch.records import doc_record
from .batch.tables import interaction_rows, is_null, write_rows
from .extensions import POSITIVE_LABELS
from .linking.normalise import clean, squash

COLUMNS = [
    "drug_a", "drug_a_id", "drug_a_by_name", "drug_b", "drug_b_id", "drug_b_by_name",
    "documents", "sentences", *POSITIVE_LABELS, "majority_type", "max_score", "mean_score", "evidence",
]
INPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
OUTPUT_SUFFIXES = (".csv", ".parquet", ".jsonl")
# the Parquet type of a column that is not text (see spacy_ddi.batch.tables.write_rows)
PAIR_TYPES = {
    "drug_a_by_name": "bool", "drug_b_by_name": "bool", "documents": "int", "sentences": "int",
    **{label: "int" for label in POSITIVE_LABELS}, "max_score": "float", "mean_score": "float",
}


@dataclass
class _Drug:
    key: Tuple[str, str]  # ("id", DrugBank id) or ("name", normalised name)
    name: str


@dataclass
class _Pair:
    a: _Drug
    b: _Drug
    # (doc_id, sentence_start) -> (score, label, sentence text)
    statements: Dict[Tuple[str, int], Tuple[float, str, str]] = field(default_factory=dict)


def _present(value) -> Optional[str]:
    """A cell's text, or None for a missing one (None, "", NaN from a table round trip)."""
    if is_null(value) or value == "":
        return None
    return str(value)


def _drug(row: Dict, part: str) -> _Drug:
    drug_id = _present(row.get(f"{part}_id"))
    name = _present(row.get(f"{part}_name"))
    text = row[part]
    if drug_id:
        return _Drug(("id", str(drug_id)), str(name or text))
    # "beta blockers", "Beta-Blockers" and "beta-blockers" are one name
    key = squash(clean(str(name or text))) or clean(str(name or text))
    return _Drug(("name", key), str(name or text))


def pair_rows(rows: Iterable[Dict], evidence: int = 3, min_score: float = 0.0) -> List[Dict]:
    """One row per unordered drug pair (see the module docstring) from interaction rows
    (the columns of ``spacy_ddi.batch.tables.INTERACTION_COLUMNS``)."""
    pairs: Dict[Tuple, _Pair] = {}
    for row in rows:
        label = row["label"]
        score = float(row["score"])
        # a NaN score passes no threshold and would make max and mean meaningless
        if label not in POSITIVE_LABELS or math.isnan(score) or score < min_score:
            continue
        one, other = _drug(row, "subject"), _drug(row, "object")
        if one.key == other.key:
            continue
        a, b = sorted((one, other), key=lambda d: d.key)
        pair = pairs.setdefault((a.key, b.key), _Pair(a, b))
        where = (str(row["doc_id"]), int(row["sentence_start"]))
        if where not in pair.statements or score > pair.statements[where][0]:
            pair.statements[where] = (score, label, str(row["sentence"]))
    out = [_row(pair, evidence) for pair in pairs.values()]
    out.sort(key=lambda r: (-r["documents"], -r["sentences"], -r["max_score"], r["drug_a"].lower(), r["drug_b"].lower()))
    return out


def _row(pair: _Pair, evidence: int) -> Dict:
    statements = pair.statements
    counts = {label: 0 for label in POSITIVE_LABELS}
    sums = {label: 0.0 for label in POSITIVE_LABELS}
    for score, label, _ in statements.values():
        counts[label] += 1
        sums[label] += score
    majority = min(POSITIVE_LABELS, key=lambda l: (-counts[l], -sums[l], POSITIVE_LABELS.index(l)))
    scores = [score for score, _, _ in statements.values()]
    ranked = sorted(statements.items(), key=lambda item: (-item[1][0], item[0][0], item[0][1]))
    return {
        "drug_a": pair.a.name, "drug_a_id": pair.a.key[1] if pair.a.key[0] == "id" else None,
        "drug_a_by_name": pair.a.key[0] == "name",
        "drug_b": pair.b.name, "drug_b_id": pair.b.key[1] if pair.b.key[0] == "id" else None,
        "drug_b_by_name": pair.b.key[0] == "name",
        "documents": len({doc_id for doc_id, _ in statements}),
        "sentences": len(statements),
        **counts,
        "majority_type": majority,
        "max_score": round(max(scores), 6),
        "mean_score": round(sum(scores) / len(scores), 6),
        "evidence": [
            {"doc_id": doc_id, "sentence": sentence, "score": round(score, 6)}
            for (doc_id, _), (score, _, sentence) in ranked[:evidence]
        ],
    }


# -- inputs -----------------------------------------------------------------------------------

def read_interaction_rows(paths: Sequence[Union[str, Path]]) -> Iterator[Dict]:
    """Interaction rows from ``spacy-ddi extract`` output: .jsonl records, or the .csv /
    .parquet interaction table (``--mentions`` tables have no interactions and are refused)."""
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
        if path.suffix not in INPUT_SUFFIXES:
            raise ValueError(f"{path}: aggregate reads the output of spacy-ddi extract (.jsonl, .csv or .parquet), not {path.suffix!r}")
        if path.suffix == ".jsonl":
            with path.open(encoding="utf8") as handle:
                for k, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                        if not isinstance(record, dict) or "interactions" not in record or "id" not in record:
                            raise ValueError("not a record of spacy-ddi extract (no id/interactions)")
                        rows = [_checked(row) for row in interaction_rows(record)]
                    except (ValueError, KeyError, TypeError) as err:
                        # a line cut by an interrupted run, a hand-edited record, ...
                        raise ValueError(f"{path}, line {k}: {_reason(err)}") from err
                    yield from rows
        else:
            columns, rows = _read_table(path)
            missing = set(TABLE_COLUMNS) - set(columns)
            if missing:
                raise ValueError(f"{path}: not an interaction table of spacy-ddi extract (missing {sorted(missing)})")
            for k, row in enumerate(rows, 2 if path.suffix == ".csv" else 1):
                try:
                    yield _checked(row)
                except (ValueError, KeyError, TypeError) as err:
                    where = f"line {k}" if path.suffix == ".csv" else f"row {k}"
                    raise ValueError(f"{path}, {where}: {_reason(err)}") from err


TABLE_COLUMNS = ("doc_id", "subject", "object", "label", "score", "sentence", "sentence_start")


def _checked(row: Dict) -> Dict:
    """``row`` with its score and sentence start as numbers; raises on a missing or bad one."""
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

def aggregate_frame(paths: Sequence[Union[str, Path]], evidence: int = 3, min_score: float = 0.0):
    """The pair table of ``spacy-ddi extract`` output files as a pandas DataFrame."""
    try:
        import pandas
    except ImportError as err:
        raise ImportError("aggregate_frame returns a pandas DataFrame: pip install 'spacy-ddi[pandas]'") from err
    rows = pair_rows(read_interaction_rows(paths), evidence=evidence, min_score=min_score)
    return pandas.DataFrame(rows, columns=COLUMNS)


def write_pairs(rows: List[Dict], output: Path) -> None:
    """Write pair rows as .csv or .parquet (evidence as a JSON string) or .jsonl (a list)."""
    output = Path(output)
    if output.suffix not in OUTPUT_SUFFIXES:
        raise ValueError(f"{output}: the pair table is .csv, .parquet or .jsonl, not {output.suffix!r}")
    if output.suffix != ".jsonl":
        rows = [{**row, "evidence": json.dumps(row["evidence"], ensure_ascii=False)} for row in rows]
    write_rows(rows, output, COLUMNS, PAIR_TYPES)
