"""Extraction records, the one module that owns their format: building a record from a processed
Doc (:func:`doc_record`), writing it (:func:`record_line`) and reading records back from a file
or a folder of parts, JSON lines or Parquet (:func:`read_records`), each bad record named by its
file and line (:class:`RecordError`).

A record is ``{id, text, tokens, entities, interactions}`` plus what the reader knew of the
document (``sections``, ``passages``). Character offsets refer to the document's text exactly as
it was read (``text[start:end] == mention``). Local and distributed runs build records with
:func:`doc_record` only, so they cannot drift apart; ``spacy-ddi aggregate``, ``review`` and
``convert`` read them with :func:`read_records` or :func:`parse_record`.
"""
import json
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple, Union

from spacy.tokens import Doc, Span

from .extensions import install_extensions

# the version of the record format: 2 added ``schema``, each interaction's ``assertion`` and the
# document's ``genre`` (what its scores were calibrated for)
# (records without ``schema`` are version 1, spacy-ddi 1.0's, and read as they are)
SCHEMA_VERSION = 2
# the part files of a folder that ``spacy-ddi extract --engine ray`` (or ``-o DIR/``) writes
RECORDS_PREFIX = "records-"
ERRORS_PREFIX = "errors-"
RECORD_SUFFIXES = (".jsonl", ".parquet")


class RecordError(ValueError):
    """A record that cannot be read, named by its file and line (or Parquet row)."""


def span_record(span: Span) -> Dict:
    return {"start": span.start_char, "end": span.end_char, "text": span.text}


def mention_record(span: Span) -> Dict:
    """A drug mention: offsets, text, and what ``drug_linker`` linked it to (``drug_id``,
    ``drug_name``, ``class_id``, ``class_name``, ``drug_classes``, ``long_form``; None without
    a linker or a match)."""
    return {
        **span_record(span), "drug_id": span._.drug_id, "drug_name": span._.drug_name,
        "class_id": span._.class_id, "class_name": span._.class_name, "drug_classes": span._.drug_classes,
        "long_form": span._.long_form,
    }


def doc_record(doc_id: str, doc: Doc, min_score: float = 0.0, fields: Optional[Dict] = None, affirmed_only: bool = False) -> Dict:
    """{id, text, tokens, entities, interactions}: tokens is the number of spaCy tokens;
    entities with start, end, text, drug_id, drug_name, label; interactions with subject and
    object (start, end, text, drug_id, drug_name), label, score and the sentence they come from,
    and ``genre``, the genre the scores were calibrated for (where the doc has one),
    those scored below ``min_score`` (and with ``affirmed_only`` those a sentence negates or
    hedges) left out, each with its ``assertion``; then ``fields``, what the reader knows of the
    document (``sections`` of a MEDLINE or JATS article, ``passages`` of a BioC document)."""
    install_extensions()
    entities: List[Dict] = [{**mention_record(ent), "label": ent.label_} for ent in doc.ents]
    interactions = []
    for ddi in doc._.ddis:
        if not ddi.is_positive or ddi.score < min_score:
            continue
        assertion = ddi.assertion  # read from the clause on each access: once per interaction
        if affirmed_only and assertion != "affirmed":
            continue
        sentence = ddi.subject.sent if doc.has_annotation("SENT_START") else doc[:]
        interactions.append({
            # span extensions live in doc.user_data under the span's character offsets, so
            # these spans read what drug_linker wrote on the entities
            "subject": mention_record(ddi.subject),
            "object": mention_record(ddi.object),
            "label": ddi.label,
            "score": round(float(ddi.score), 6),
            "assertion": assertion,
            "sentence": span_record(sentence),
        })
    genre = {"genre": doc._.genre} if doc._.genre is not None else {}
    return {
        "id": doc_id, "schema": SCHEMA_VERSION, **genre, "text": doc.text, "tokens": len(doc), "entities": entities,
        "interactions": interactions, **(fields or {}),
    }



def _shifted(mention: Dict, offset: int) -> Dict:
    return {**mention, "start": mention["start"] + offset, "end": mention["end"] + offset}


def gated_record(
    doc_id: str, text: str, tokens: int, sentences: List, skipped: List, min_score: float = 0.0,
    fields: Optional[Dict] = None, affirmed_only: bool = False, genre: Optional[str] = None,
) -> Dict:
    """The record of a document of which only some sentences were encoded
    (``extract --only-candidate-sentences``): ``sentences`` are (start character, processed
    sentence Doc) of those that were, ``skipped`` the (start, end) characters of those that were
    not. Offsets are the document's, as :func:`doc_record` gives them; ``gate`` says how many
    sentences were encoded and which were not (their mentions are absent: a mention table or
    count of a gated run misses the sentences with one mention or none)."""
    entities: List[Dict] = []
    interactions: List[Dict] = []
    if genre is None:  # else the genre the encoded sentences were read as
        genre = next((doc._.genre for _, doc in sentences if doc._.genre is not None), None)
    genre = {"genre": genre} if genre is not None else {}
    for offset, doc in sentences:
        part = doc_record(doc_id, doc, min_score, affirmed_only=affirmed_only)
        entities.extend(_shifted(e, offset) for e in part["entities"])
        for ddi in part["interactions"]:
            interactions.append({
                **ddi, "subject": _shifted(ddi["subject"], offset), "object": _shifted(ddi["object"], offset),
                "sentence": _shifted(ddi["sentence"], offset),
            })
    gate = {"sentences": len(sentences) + len(skipped), "encoded": len(sentences), "not_encoded": [list(r) for r in skipped]}
    return {
        "id": doc_id, "schema": SCHEMA_VERSION, **genre, "text": text, "tokens": tokens, "entities": entities,
        "interactions": interactions, "gate": gate, **(fields or {}),
    }


def check_same_gate(source: Union[str, Path], gated: bool) -> None:
    """Refuse to resume output written with the other gate setting: a run with
    ``--only-candidate-sentences`` and one without must not mix in one output (the first
    record found says how the output was written)."""
    source = Path(source)
    if not source.exists() or (source.is_dir() and not record_parts(source)):
        return
    try:
        first = next(read_records(source), None)
    except RecordError:
        return  # a cut or bad first line: the resume repairs or reports it
    if first is not None and ("gate" in first) != gated:
        written = "with" if "gate" in first else "without"
        raise ValueError(
            f"{source} was written {written} --only-candidate-sentences; --resume would mix gated and "
            f"ungated records. Resume {written} it, or write to another output"
        )


def record_line(record: Dict) -> str:
    """A record as one line of JSON (no line end), as the JSONL outputs hold it."""
    return json.dumps(record, ensure_ascii=False)


def parse_record(line: Union[str, bytes], where: str) -> Dict:
    """A record from one line of JSON; :class:`RecordError` naming ``where`` (``file, line N``)
    where it is not JSON, not an object or has no id."""
    try:
        record = json.loads(line)
    except ValueError as err:
        raise RecordError(f"{where}: not JSON ({err})") from None
    if not isinstance(record, dict):
        raise RecordError(f"{where}: not a JSON object but {type(record).__name__}")
    if "id" not in record:
        raise RecordError(f"{where}: not a record of spacy-ddi extract (no 'id')")
    return record


def record_parts(folder: Union[str, Path]) -> List[Path]:
    """The records parts of ``folder`` (JSONL and Parquet), sorted by name."""
    return sorted(
        p for p in Path(folder).iterdir()
        if p.name.startswith(RECORDS_PREFIX) and p.suffix in RECORD_SUFFIXES and p.is_file()
    )


def read_json_lines(path: Union[str, Path]) -> Iterator[Dict]:
    """The JSON objects of a JSON lines file (blank lines skipped), each named by its line when
    it is not JSON."""
    path = Path(path)
    with path.open(encoding="utf8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as err:
                    raise RecordError(f"{path}, line {number}: not JSON ({err})") from None


def read_records(source: Union[str, Path]) -> Iterator[Dict]:
    """The records of ``spacy-ddi extract`` output: a ``.jsonl`` file, a Parquet records part,
    or a folder of parts (``records-*.jsonl`` / ``records-*.parquet``, part by part in name
    order). A line that is not a record raises :class:`RecordError` with its file and line."""
    for _, record in placed_records(source):
        yield record


def placed_records(source: Union[str, Path]) -> Iterator[Tuple[str, Dict]]:
    """(where, record) of each record of :func:`read_records`: ``"FILE, line N"`` (JSONL) or
    ``"FILE, row N"`` (Parquet), for messages about a record that reads but does not fit."""
    source = Path(source)
    if source.is_dir():
        for path in record_parts(source):
            yield from placed_records(path)
        return
    if source.suffix == ".parquet":
        try:
            import pyarrow.parquet
        except ImportError as err:
            raise ImportError(f"{source}: reading Parquet needs pyarrow: pip install 'spacy-ddi[parquet]'") from err
        row = 0
        for batch in pyarrow.parquet.ParquetFile(source).iter_batches():
            for record in batch.to_pylist():
                row += 1
                where = f"{source}, row {row}"
                if "id" not in record:
                    raise RecordError(f"{where}: not a record of spacy-ddi extract (no 'id')")
                yield where, record
        return
    with source.open(encoding="utf8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                where = f"{source}, line {number}"
                yield where, parse_record(line, where)
