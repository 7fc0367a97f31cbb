"""Readers of annotation files: BioC (XML, JSON), PubTator and reviewed ``extract`` JSONL.

Each reader yields :class:`RawDocument` objects: the text and the annotations as the file has
them (its own labels, its own ids), with where each one is written. Labels are mapped and the
documents split into sentences afterwards (``spacy_ddi.corpus.imports``). BRAT standoff is read
in ``spacy_ddi.corpus.brat``.

A file that cannot be read as given raises :class:`CorpusError` naming the file, the line (or
the document and annotation id, for BioC) and what is wrong. Anything read but not used goes
into the :class:`ImportReport`.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Protocol, Set, Tuple

from ..records import RecordError, parse_record
from .bioc import BioCError, bioc_document_text
from .errors import CorpusError
from .pubtator import pubtator_lines, pubtator_text, pubtator_title_or_abstract


class ImportReport(Protocol):
    """What the readers tell of what they changed or left out (``spacy_ddi.corpus``'s report)."""

    def add(self, kind: str, where: str, message: str) -> None: ...


@dataclass
class RawEntity:
    """A mention as the file gives it: character offsets into the document text, end exclusive."""

    start: int
    end: int
    label: str
    name: str  # unique in its document, what relations refer to it by: "T3", "line 4"
    concepts: Tuple[str, ...] = ()  # concept ids (PubTator, BioC "identifier") for concept relations
    line: Optional[int] = None  # the line of the file it is on, where the format has lines

    @property
    def described(self) -> str:
        return f"{self.name} (line {self.line})" if self.line and f"line {self.line}" != self.name else self.name


@dataclass
class RawRelation:
    """A relation as the file gives it: between two mentions (their names) or, with ``concepts``,
    between two concept ids (every pair of their mentions within a sentence)."""

    label: str
    first: str  # an entity's name, or a concept id
    second: str
    name: str
    concepts: bool = False
    line: Optional[int] = None

    @property
    def described(self) -> str:
        return f"{self.name} (line {self.line})" if self.line and f"line {self.line}" != self.name else self.name


@dataclass
class RawDocument:
    id: str
    text: str
    where: str  # the file, and the document inside it where a file holds several
    entities: List[RawEntity] = field(default_factory=list)
    relations: List[RawRelation] = field(default_factory=list)


def same_text(given: str, found: str) -> bool:
    """Whether an annotation's own text matches the text at its offsets (whitespace aside)."""
    return given.split() == found.split()


def check_text(where: str, name: str, given: Optional[str], text: str, start: int, end: int) -> None:
    if not 0 <= start < end <= len(text):
        raise CorpusError(f"{where}: {name} has offsets {start}-{end}, outside the text ({len(text)} characters)")
    if given is not None and not same_text(given, text[start:end]):
        raise CorpusError(
            f"{where}: {name} says {given!r}, but the text at {start}-{end} is {text[start:end]!r} "
            "(offsets counted another way?)"
        )


# --- PubTator ---------------------------------------------------------------------------------

# the title and abstract lines are parsed as ``spacy-ddi extract`` reads them (batch.readers)


def split_concepts(value: str) -> Tuple[str, ...]:
    """The concept ids of a PubTator id column: ``D001|D002`` and ``D001,D002`` name two; ``-``
    and an empty column none."""
    return tuple(c for c in re.split(r"[|,;]", value.strip()) if c and c != "-")


def read_pubtator(path: Path, report: ImportReport) -> Iterator[RawDocument]:
    """PubTator: blocks of ``PMID|t|title``, ``PMID|a|abstract``, mention lines ``PMID start end
    text type id`` and relation lines ``PMID type id1 id2`` (tab-separated), blank lines between
    documents. The text is the title, a line break and the abstract (the title alone without an
    abstract), as ``spacy-ddi extract`` reads PubTator, so PubTator's offsets hold."""
    where = str(path)
    block: List[Tuple[int, str]] = []
    # read as extract reads it: no newline translation (a lone \r stays text)
    for number, line in pubtator_lines(path.read_bytes().decode("utf8") + "\n"):
        if line.strip():
            block.append((number, line))
            continue
        if block:
            yield _pubtator_document(where, block, report)
            block = []


def _pubtator_document(where: str, block: List[Tuple[int, str]], report: ImportReport) -> RawDocument:
    pmid, title, abstract = None, None, None
    entities: List[RawEntity] = []
    relations: List[RawRelation] = []
    pending = []
    for number, line in block:
        at = f"{where}, line {number}"
        match = pubtator_title_or_abstract(line)
        if match:
            doc_id, kind, value = match
            if pmid is not None and doc_id != pmid:
                raise CorpusError(f"{at}: document {doc_id} starts without a blank line after document {pmid}")
            pmid = doc_id
            if kind == "t":
                title = value
            else:
                abstract = value
            continue
        columns = line.split("\t")
        if pmid is None:
            raise CorpusError(f"{at}: expected a 'PMID|t|title' line first, found {line[:60]!r}")
        if columns[0] != pmid:
            raise CorpusError(f"{at}: line of document {columns[0]!r} inside document {pmid} (a blank line missing?)")
        pending.append((number, at, columns, line))
    if pmid is None:
        raise CorpusError(f"{where}, line {block[0][0]}: expected a 'PMID|t|title' line, found {block[0][1][:60]!r}")
    text = pubtator_text(title, abstract)
    for number, at, columns, line in pending:
        if len(columns) >= 5 and columns[1].isdigit() and columns[2].isdigit():
            start, end = int(columns[1]), int(columns[2])
            name = f"line {number}"
            check_text(at, "the mention", columns[3], text, start, end)
            concepts = split_concepts(columns[5]) if len(columns) > 5 else ()
            entities.append(RawEntity(start, end, columns[4], name, concepts, number))
        elif len(columns) >= 4 and not columns[1].isdigit():
            if len(columns) > 4:
                report.add("ignored", at, f"relation columns after the fourth ({', '.join(columns[4:])}) ignored")
            relations.append(RawRelation(columns[1], columns[2].strip(), columns[3].strip(), f"line {number}", True, number))
        else:
            raise CorpusError(
                f"{at}: not a PubTator line: expected 'PMID<tab>start<tab>end<tab>text<tab>type<tab>id' or "
                f"'PMID<tab>type<tab>id1<tab>id2', found {line[:80]!r}"
            )
    known: Set[str] = {c for e in entities for c in e.concepts}
    for relation in relations:
        for concept in (relation.first, relation.second):
            if concept not in known:
                raise CorpusError(
                    f"{where}, {relation.name}: relation {relation.label} names {concept}, which no mention "
                    f"of document {pmid} carries"
                )
    return RawDocument(pmid, text, f"{where}, document {pmid}", entities, relations)


# --- reviewed extract JSONL -------------------------------------------------------------------


def read_extract_jsonl(path: Path, report: ImportReport) -> Iterator[RawDocument]:
    """Records as ``spacy-ddi extract`` writes them (id, text, entities with start/end/label,
    interactions with subject/object start/end and label), corrected by hand or by a review.
    An interaction or entity with ``"status": "rejected"`` is left out (and reported)."""
    where = str(path)
    with path.open(encoding="utf8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            at = f"{where}, line {number}"
            try:
                record = parse_record(line, at)
            except RecordError as err:
                raise CorpusError(str(err)) from None
            yield _extract_document(record, at, path, number, report)


def _offsets(value, at: str, what: str) -> Tuple[int, int]:
    if not isinstance(value, dict) or not isinstance(value.get("start"), int) or not isinstance(value.get("end"), int):
        raise CorpusError(f"{at}: {what} needs integer 'start' and 'end'")
    return value["start"], value["end"]


def _rejected(value: dict) -> bool:
    return str(value.get("status", "")).lower() == "rejected"


def _extract_document(record: dict, at: str, path: Path, number: int, report: ImportReport) -> RawDocument:
    text = record.get("text")
    if not isinstance(text, str):
        raise CorpusError(f"{at}: the record has no 'text'")
    doc_id = str(record.get("id") if record.get("id") not in (None, "") else f"{path.stem}.{number}")
    entities, relations = [], []
    by_offsets = {}
    rejected_offsets = set()
    for k, ent in enumerate(record.get("entities") or []):
        start, end = _offsets(ent, at, f"entity {k}")
        name = f"entity {k} ({start}-{end})"
        if not isinstance(ent.get("label"), str):
            raise CorpusError(f"{at}: entity {k} needs a 'label'")
        check_text(at, f"entity {k}", ent.get("text"), text, start, end)
        if _rejected(ent):
            report.add("rejected", at, f"{name} {text[start:end]!r} is marked rejected; left out with its interactions")
            rejected_offsets.add((start, end))
            continue
        by_offsets.setdefault((start, end), name)
        entities.append(RawEntity(start, end, ent["label"], name))
    for k, ddi in enumerate(record.get("interactions") or []):
        if not isinstance(ddi, dict):
            raise CorpusError(f"{at}: interaction {k} is not an object")
        ends = []
        for role in ("subject", "object"):
            offsets = _offsets(ddi.get(role), at, f"interaction {k}'s {role}")
            ends.append(offsets)
        if not isinstance(ddi.get("label"), str):
            raise CorpusError(f"{at}: interaction {k} needs a 'label'")
        name = f"interaction {k}"
        if _rejected(ddi):
            report.add("rejected", at, f"{name} ({ddi['label']}) is marked rejected; left out")
            continue
        if any(offsets in rejected_offsets for offsets in ends):
            report.add("rejected", at, f"{name} ({ddi['label']}) involves a rejected entity; left out")
            continue
        for role, offsets in zip(("subject", "object"), ends):
            if offsets not in by_offsets:
                raise CorpusError(
                    f"{at}: interaction {k}'s {role} at {offsets[0]}-{offsets[1]} is not one of the record's entities"
                )
        relations.append(RawRelation(ddi["label"], by_offsets[ends[0]], by_offsets[ends[1]], name))
    return RawDocument(doc_id, text, f"{at} (id {doc_id})", entities, relations)


# --- BioC -------------------------------------------------------------------------------------


def read_bioc(path: Path, report: ImportReport, json_format: bool) -> Iterator[RawDocument]:
    """A BioC collection (XML, or BioC JSON): each document's passages laid out at their offsets
    as ``spacy-ddi extract`` lays them out (``bioc.bioc_document_text``: gaps filled
    with line breaks, empty passages and sentences skipped, a gap over a million characters an
    error), annotations of type ``infons["type"]`` at their locations,
    relations of type ``infons["type"]`` between the two annotations their nodes name (or, without
    nodes, between the concepts ``infons["entity1"]``/``["entity2"]`` that the annotations' ``identifier``
    infons name)."""
    try:
        import bioc
        from bioc import biocjson, biocxml
    except ImportError:  # pragma: no cover - bioc is a dependency
        raise CorpusError(f"{path}: reading BioC needs the bioc package (pip install bioc)") from None
    where = str(path)
    try:
        with path.open(encoding="utf8") as file:
            collection = biocjson.load(file) if json_format else biocxml.load(file)
    except Exception as err:  # lxml, json and bioc raise many kinds
        kind = "BioC JSON" if json_format else "BioC XML"
        raise CorpusError(f"{where}: not {kind}: {err}") from None
    for number, document in enumerate(collection.documents, start=1):
        yield _bioc_document(bioc, document, f"{where}, document {document.id or number}", report)


def _bioc_document(bioc, document, where: str, report: ImportReport) -> RawDocument:
    try:
        text, _ = bioc_document_text(document, where)
    except BioCError as err:
        raise CorpusError(str(err)) from None
    annotations, relations = list(document.annotations), list(document.relations)
    for passage in document.passages:
        annotations.extend(passage.annotations)
        relations.extend(passage.relations)
        for sentence in passage.sentences:
            annotations.extend(sentence.annotations)
            relations.extend(sentence.relations)
    entities, entity_ids = [], []
    for k, annotation in enumerate(annotations):
        ann_id = annotation.id or f"#{k}"
        name = f"annotation {ann_id}"
        label = annotation.infons.get("type")
        if not label:
            raise CorpusError(f"{where}: {name} has no infon 'type'")
        if not annotation.locations:
            raise CorpusError(f"{where}: {name} has no location")
        if ann_id in entity_ids:
            raise CorpusError(f"{where}: annotation id {ann_id} is used twice")
        location = annotation.locations[0]
        start, end = location.offset, location.offset + location.length
        if len(annotation.locations) > 1:
            report.add("discontinuous", f"{where}, {name}", f"{len(annotation.locations)} locations; the first ({start}-{end}) kept")
            check_text(where, name, None, text, start, end)
        else:
            check_text(where, name, annotation.text, text, start, end)
        concepts = split_concepts(annotation.infons.get("identifier", "") or annotation.infons.get("Identifier", ""))
        entities.append(RawEntity(start, end, label, name, concepts))
        entity_ids.append(ann_id)
    raw_relations = []
    known_concepts = {c for e in entities for c in e.concepts}
    for k, relation in enumerate(relations):
        rel_id = relation.id or f"#{k}"
        name = f"relation {rel_id}"
        label = relation.infons.get("type")
        if not label:
            raise CorpusError(f"{where}: {name} has no infon 'type'")
        if relation.nodes:
            if len(relation.nodes) != 2:
                report.add("ignored", f"{where}, {name}", f"{len(relation.nodes)} nodes; only relations between two annotations are read")
                continue
            for node in relation.nodes:
                if node.refid not in entity_ids:
                    raise CorpusError(f"{where}: {name} names {node.refid}, which is not an annotation of the document")
            first, second = (entity_ids.index(node.refid) for node in relation.nodes)
            raw_relations.append(RawRelation(label, entities[first].name, entities[second].name, name))
            continue
        concepts = [relation.infons.get(key) for key in ("entity1", "entity2")]
        if not all(concepts):
            raise CorpusError(f"{where}: {name} has no nodes (and no infons entity1, entity2)")
        for concept in concepts:
            if concept not in known_concepts:
                raise CorpusError(f"{where}: {name} names concept {concept}, which no annotation's identifier carries")
        raw_relations.append(RawRelation(label, concepts[0], concepts[1], name, concepts=True))
    return RawDocument(document.id, text, where, entities, raw_relations)
