"""Flat tables of the records: one row per interaction (or, with ``mentions``, per drug
mention), with the document id and the evidence sentence, as CSV (standard library) or
Parquet (pyarrow, the ``spacy-ddi[parquet]`` extra). :func:`write_rows` is the one table
writer (CSV, Parquet, JSONL); ``spacy-ddi aggregate`` writes its pair table with it too."""
import csv
import json
import math
import numbers
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence

# what drug_linker says about a mention beyond its drug: the class it names, the classes it
# belongs to (a JSON list in a table cell) and the long form of an abbreviation
CLASS_FIELDS = ("class_id", "class_name", "drug_classes", "long_form")
INTERACTION_COLUMNS = [
    "doc_id", "subject", "subject_start", "subject_end", "subject_id", "subject_name",
    "object", "object_start", "object_end", "object_id", "object_name",
    "label", "score", "assertion", "sentence", "sentence_start", "sentence_end",
    *(f"{part}_{field}" for part in ("subject", "object") for field in CLASS_FIELDS),
]
MENTION_COLUMNS = ["doc_id", "text", "start", "end", "label", "drug_id", "drug_name", *CLASS_FIELDS]
TABLE_SUFFIXES = (".csv", ".parquet")


def is_null(value) -> bool:
    """A missing cell: None, or the NaN a null becomes in a numpy batch or a float column
    (a Python or numpy float)."""
    return value is None or (isinstance(value, numbers.Real) and math.isnan(value))


def class_cells(mention: Dict, prefix: str = "") -> Dict:
    """The CLASS_FIELDS of a mention record as table cells (``drug_classes`` as JSON text;
    records written before these fields existed give None)."""
    classes = mention.get("drug_classes")
    return {
        f"{prefix}class_id": mention.get("class_id"), f"{prefix}class_name": mention.get("class_name"),
        f"{prefix}drug_classes": json.dumps(classes, ensure_ascii=False) if classes else None,
        f"{prefix}long_form": mention.get("long_form"),
    }


def interaction_rows(record: Dict) -> Iterator[Dict]:
    for ddi in record["interactions"]:
        yield {
            "doc_id": record["id"],
            "subject": ddi["subject"]["text"], "subject_start": ddi["subject"]["start"],
            "subject_end": ddi["subject"]["end"],
            # records written before drug_linker existed have no drug_id / drug_name
            "subject_id": ddi["subject"].get("drug_id"), "subject_name": ddi["subject"].get("drug_name"),
            "object": ddi["object"]["text"], "object_start": ddi["object"]["start"],
            "object_end": ddi["object"]["end"],
            "object_id": ddi["object"].get("drug_id"), "object_name": ddi["object"].get("drug_name"),
            "label": ddi["label"], "score": ddi["score"],
            # records of spacy-ddi 1.0 (schema 1) have none: None, "not assessed"
            "assertion": ddi.get("assertion"),
            "sentence": ddi["sentence"]["text"], "sentence_start": ddi["sentence"]["start"],
            "sentence_end": ddi["sentence"]["end"],
            **class_cells(ddi["subject"], "subject_"), **class_cells(ddi["object"], "object_"),
        }


def mention_rows(record: Dict) -> Iterator[Dict]:
    for ent in record["entities"]:
        yield {
            "doc_id": record["id"], "text": ent["text"], "start": ent["start"], "end": ent["end"],
            "label": ent["label"], "drug_id": ent.get("drug_id"), "drug_name": ent.get("drug_name"),
            **class_cells(ent),
        }



# rows held in memory at a time while a Parquet table is written (one row group each)
ROW_GROUP = 50_000
# the Parquet type of a column that is not text
INTERACTION_TYPES = {
    **{name: "int" for name in INTERACTION_COLUMNS if name.endswith(("start", "end"))}, "score": "float",
}
MENTION_TYPES = {"start": "int", "end": "int"}
ROW_SUFFIXES = (".csv", ".parquet", ".jsonl")


def read_records(path: Path) -> Iterator[Dict]:
    """Deprecated (the old ``spacy_ddi.batch.tables.read_records``): :func:`spacy_ddi.records.read_records`."""
    from ..records import read_records as records_reader

    return records_reader(path)


def write_table(records: Iterable[Dict], output: Path, mentions: bool = False) -> int:
    """Write the rows of ``records`` to ``output`` (.csv or .parquet) as a stream (at most
    ROW_GROUP rows in memory); return the row count."""
    if output.suffix not in TABLE_SUFFIXES:
        raise ValueError(f"{output}: a table is .csv or .parquet, not {output.suffix!r}")
    if mentions:
        columns, types, rows_of = MENTION_COLUMNS, MENTION_TYPES, mention_rows
    else:
        columns, types, rows_of = INTERACTION_COLUMNS, INTERACTION_TYPES, interaction_rows
    return write_rows((row for record in records for row in rows_of(record)), output, columns, types)


def write_rows(rows: Iterable[Dict], output: Path, columns: Sequence[str], types: Optional[Dict[str, str]] = None) -> int:
    """The one table writer: ``rows`` (dicts with at least ``columns``) to ``output`` as .csv,
    .parquet or .jsonl (one JSON object a line, the columns in order), as a stream (at most
    ROW_GROUP rows in memory); return the row count. ``types`` gives the Parquet type of a
    column that is not text ("int", "float" or "bool"); CSV and JSONL need none."""
    output = Path(output)
    if output.suffix not in ROW_SUFFIXES:
        raise ValueError(f"{output}: a table is .csv, .parquet or .jsonl, not {output.suffix!r}")
    output.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if output.suffix == ".jsonl":
        with output.open("w", encoding="utf8") as handle:
            for row in rows:
                handle.write(json.dumps({name: row[name] for name in columns}, ensure_ascii=False) + "\n")
                count += 1
        return count
    if output.suffix == ".csv":
        with output.open("w", encoding="utf8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as err:
        raise ImportError(f"{output}: Parquet output needs pyarrow: pip install 'spacy-ddi[parquet]'") from err
    kinds = {"int": pyarrow.int64(), "float": pyarrow.float64(), "bool": pyarrow.bool_()}
    types = types or {}
    schema = pyarrow.schema([(name, kinds[types[name]] if name in types else pyarrow.string()) for name in columns])
    with pyarrow.parquet.ParquetWriter(output, schema) as writer:
        chunk: List[Dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= ROW_GROUP:
                writer.write_table(pyarrow.table({name: [r[name] for r in chunk] for name in columns}, schema=schema))
                count += len(chunk)
                chunk = []
        if chunk or count == 0:  # an empty table still gets its schema
            writer.write_table(pyarrow.table({name: [r[name] for r in chunk] for name in columns}, schema=schema))
            count += len(chunk)
    return count
