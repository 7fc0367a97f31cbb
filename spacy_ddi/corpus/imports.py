"""Import a team's own annotations (BRAT, BioC XML/JSON, PubTator, reviewed ``extract`` JSONL)
as training DocBins: read, map labels, split into sentences, write (``spacy-ddi convert``).

Labels: the files' labels are mapped to spacy-ddi's by a table (``--labels
drug=DRUG,interacts=INT``); spacy-ddi's own names and the DDI corpus' lower-case ones (``drug``,
``mechanism``, ...) map to themselves without one. A label the table does not map is an error
that lists every such label, unless the caller drops them (``--drop-unmapped``); a label mapped
to ``-`` is dropped on purpose. Dropped annotations are reported.
"""
import json
import os
import random
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..extensions import ENTITY_LABELS, FALSE_LABEL, POSITIVE_LABELS
from .annotated import AnnotatedDocument, ImportReport, annotated_docs, import_nlp, sentence_of, sentence_ranges
from ..formats.brat import read_brat
from .brat import write_atomic, write_brat
from .convert import DOCUMENT_ID_KEY
from ..formats.annotated import RawDocument, RawRelation, read_bioc, read_extract_jsonl, read_pubtator
from ..formats.errors import CorpusError
from ..formats.pubtator import is_pubtator

FORMATS = ("ddi", "brat", "bioc-xml", "bioc-json", "pubtator", "jsonl")
RELATION_LABELS = POSITIVE_LABELS + (FALSE_LABEL,)
DROP = "-"
# file extensions of a folder's files, by format (BRAT is a folder with .ann files)
EXTENSIONS = {".xml": "bioc-xml", ".bioc": "bioc-xml", ".json": "bioc-json", ".jsonl": "jsonl",
              ".pubtator": "pubtator", ".txt": "pubtator", ".tsv": "pubtator", ".ann": "brat"}


class UnmappedLabels(CorpusError):
    """Labels of the input that the label table does not map."""


def parse_labels(spec: str) -> Dict[str, str]:
    """``"drug=DRUG,interacts=INT,gene=-"`` as a dict; raises ValueError naming a bad item."""
    table: Dict[str, str] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        name, sep, label = item.partition("=")
        name, label = name.strip(), label.strip()
        if not sep or not name or not label:
            raise ValueError(f"--labels: {item.strip()!r} is not NAME=LABEL (e.g. drug=DRUG, interacts=INT, gene=-)")
        if label != DROP and label.upper() not in ENTITY_LABELS + RELATION_LABELS:
            raise ValueError(
                f"--labels: {name}={label}: {label!r} is not one of spacy-ddi's labels (mentions: "
                f"{', '.join(ENTITY_LABELS)}; interactions: {', '.join(RELATION_LABELS)}; or - to drop)"
            )
        table[name] = label if label == DROP else label.upper()
    return table


class LabelTable:
    """The user's label table over the defaults (spacy-ddi's names, any case, map to themselves)."""

    def __init__(self, table: Optional[Dict[str, str]] = None):
        self.table = dict(table or {})
        self.folded = {name.casefold(): label for name, label in self.table.items()}

    def lookup(self, label: str, kinds: Sequence[str]) -> Optional[str]:
        """The spacy-ddi label for ``label``, ``DROP``, or None when unmapped. ``kinds``: the
        labels this annotation may take (mention or relation labels)."""
        mapped = self.table.get(label, self.folded.get(label.casefold()))
        if mapped is None and label.upper() in kinds:
            mapped = label.upper()
        return mapped


def detect_format(source: Path) -> str:
    """The format of ``source`` by its extension and content: ``ddi`` for the DDI corpus zip or
    folder, ``brat`` for a folder with ``.ann`` files or an ``.ann`` file, ``bioc-xml``,
    ``bioc-json``, ``jsonl`` or ``pubtator`` for a file (or a folder of one kind of file)."""
    source = Path(source)
    if source.suffix == ".zip" or (source.is_dir() and any((source / name).is_dir() for name in ("DDICorpus", "Train", "Test"))):
        return "ddi"
    if source.is_dir():
        if any(source.rglob("*.ann")):
            return "brat"
        kinds = {_file_format(p) for p in _folder_files(source)}
        if len(kinds) == 1:
            return kinds.pop()
        if not kinds:
            raise CorpusError(f"{source}: no annotation files in it (.ann, .xml, .json, .jsonl, .pubtator, .txt)")
        raise CorpusError(f"{source}: holds files of several formats ({', '.join(sorted(kinds))}); convert them one format at a time or pass --format")
    if not source.exists():
        raise FileNotFoundError(f"{source} not found")
    return _file_format(source)


def _folder_files(folder: Path) -> List[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in EXTENSIONS and not p.name.startswith("."))


def _file_format(path: Path) -> str:
    if path.suffix == ".ann":
        return "brat"
    with path.open(encoding="utf8", errors="replace") as file:
        first_line = next((line for line in file if line.strip()), "").strip()
    if first_line.startswith("<"):
        return "bioc-xml"
    if first_line.startswith("{"):
        try:
            first = json.loads(first_line)
        except ValueError:
            first = None  # a JSON document over several lines: BioC JSON
        return "jsonl" if isinstance(first, dict) and "text" in first else "bioc-json"
    if path.suffix in (".txt", ".pubtator", ".tsv") and is_pubtator(first_line):
        return "pubtator"
    raise CorpusError(
        f"{path}: cannot tell its format from its name and first line; pass --format ({', '.join(FORMATS[1:])})"
    )


def read_documents(source: Union[str, Path], fmt: str, report: ImportReport) -> List[RawDocument]:
    """Every document of ``source`` (a file or a folder) read as ``fmt``, with their own labels;
    a document id used twice is an error."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source} not found")
    if fmt == "brat":
        documents = list(read_brat(source, report))
    else:
        files = [p for p in _folder_files(source) if EXTENSIONS[p.suffix] != "brat"] if source.is_dir() else [source]
        documents = []
        for path in files:
            if fmt == "pubtator":
                documents.extend(read_pubtator(path, report))
            elif fmt == "jsonl":
                documents.extend(read_extract_jsonl(path, report))
            elif fmt in ("bioc-xml", "bioc-json"):
                documents.extend(read_bioc(path, report, json_format=fmt == "bioc-json"))
            else:
                raise ValueError(f"Unknown format {fmt!r}; expected one of {', '.join(FORMATS[1:])}")
    seen: Dict[str, str] = {}
    for document in documents:
        if document.id in seen:
            raise CorpusError(f"{document.where}: document id {document.id} is used again (first in {seen[document.id]})")
        seen[document.id] = document.where
    return documents


def check_labels(documents: Sequence[RawDocument], labels: LabelTable) -> None:
    """Raise :class:`UnmappedLabels` listing every label ``labels`` does not map, with a count,
    where it first occurs and the ``--labels`` items to add."""
    unmapped: Dict[Tuple[str, str], List] = {}
    for document in documents:
        for entity in document.entities:
            mapped = labels.lookup(entity.label, ENTITY_LABELS)
            if mapped is None or (mapped != DROP and mapped not in ENTITY_LABELS):
                entry = unmapped.setdefault(("mention", entity.label), [0, f"{document.where}, {entity.described}", mapped])
                entry[0] += 1
        for relation in document.relations:
            mapped = labels.lookup(relation.label, RELATION_LABELS)
            if mapped is None or (mapped != DROP and mapped not in RELATION_LABELS):
                entry = unmapped.setdefault(("relation", relation.label), [0, f"{document.where}, {relation.described}", mapped])
                entry[0] += 1
    if not unmapped:
        return
    lines, wrong_kind = [], []
    for (kind, label), (count, first, mapped) in sorted(unmapped.items()):
        if mapped is None:
            lines.append(f"  {kind} label {label!r}: {count} times, first at {first}")
        else:
            wrong_kind.append(f"  {label}={mapped} maps a {kind} label to a {'mention' if kind == 'relation' else 'relation'} label ({count} times, first at {first})")
    suggestion = ",".join(
        f"{label}={'DRUG' if kind == 'mention' else 'INT'}" for (kind, label), (_, _, mapped) in sorted(unmapped.items()) if mapped is None
    )
    text = "\n".join(lines + wrong_kind)
    if lines:
        text += (
            f"\nMap them with --labels (mentions to {', '.join(ENTITY_LABELS)}; relations to "
            f"{', '.join(RELATION_LABELS)}; - to drop), e.g. --labels {suggestion}, "
            "or leave out every unmapped annotation with --drop-unmapped"
        )
    raise UnmappedLabels(f"{len(unmapped)} labels without a spacy-ddi label:\n{text}")


def to_annotated(
    document: RawDocument, labels: LabelTable, nlp: Language, report: ImportReport, source: Optional[str] = None
) -> AnnotatedDocument:
    """A document with its labels mapped (the unmapped dropped and reported; call
    :func:`check_labels` first to refuse them instead) and its concept relations turned into the
    mention pairs they hold within sentences."""
    entities, names, index = [], [], {}
    for entity in document.entities:
        label = labels.lookup(entity.label, ENTITY_LABELS)
        if label not in ENTITY_LABELS:
            why = "mapped to -" if label == DROP else "not in --labels"
            report.add("unmapped_dropped", f"{document.where}, {entity.described}",
                       f"mention {document.text[entity.start:entity.end]!r} of label {entity.label!r} ({why}) dropped")
            continue
        index[entity.name] = len(entities)
        entities.append((entity.start, entity.end, label))
        names.append(entity.described)
    interactions, rel_names = [], []
    concept_relations: List[Tuple[RawRelation, str]] = []
    for relation in document.relations:
        label = labels.lookup(relation.label, RELATION_LABELS)
        at = f"{document.where}, {relation.described}"
        if label not in RELATION_LABELS:
            why = "mapped to -" if label == DROP else "not in --labels"
            report.add("unmapped_dropped", at, f"relation of label {relation.label!r} ({why}) dropped")
            continue
        if relation.concepts:
            concept_relations.append((relation, label))
            continue
        missing = [arg for arg in (relation.first, relation.second) if arg not in index]
        if missing:
            report.add("unmapped_dropped", at, f"{label} relation names {missing[0]}, a mention dropped by its label; left out")
            continue
        interactions.append((index[relation.first], index[relation.second], label))
        rel_names.append(relation.described)
    if concept_relations:
        ranges = sentence_ranges(nlp, document.text, entities)
        sentence = [sentence_of(ranges, s, e) for s, e, _ in entities]
        kept = [entity for entity in document.entities if entity.name in index]
        for relation, label in concept_relations:
            at = f"{document.where}, {relation.described}"
            firsts = [index[e.name] for e in kept if relation.first in e.concepts]
            seconds = [index[e.name] for e in kept if relation.second in e.concepts]
            pairs = sorted({
                (min(a, b), max(a, b)) for a in firsts for b in seconds
                if a != b and sentence[a] is not None and sentence[a] == sentence[b]
            })
            if not pairs:
                report.add("cross_sentence", at,
                           f"{label} between {relation.first} and {relation.second}: no sentence holds a mention of both; left out")
                continue
            report.add("relation_mentions", at,
                       f"{label} between {relation.first} and {relation.second}: {len(pairs)} mention pairs within sentences")
            for a, b in pairs:
                interactions.append((a, b, label))
                rel_names.append(f"{relation.described} ({relation.first}, {relation.second})")
    return AnnotatedDocument(
        document.id, document.text, entities, interactions, source=source, where=document.where,
        entity_names=names, interaction_names=rel_names,
    )


def import_annotations(
    source: Union[str, Path],
    fmt: Optional[str] = None,
    labels: Optional[Dict[str, str]] = None,
    drop_unmapped: bool = False,
    nlp: Optional[Language] = None,
    corpus_source: Optional[str] = None,
    log: Callable[[str], None] = print,
) -> Tuple[List[List[Doc]], ImportReport]:
    """Read ``source`` (a file or folder in ``fmt``, detected when None) and return each
    document's sentence Docs, in the training format, and the report.

    labels: the label table (file label -> spacy-ddi label or ``-``); drop_unmapped: drop (and
    report) annotations whose label it does not map instead of raising :class:`UnmappedLabels`;
    corpus_source: stored as each sentence's source (``MedLine`` for abstracts)."""
    nlp = nlp or import_nlp()
    fmt = fmt or detect_format(Path(source))
    if fmt == "ddi":
        raise ValueError("The DDI corpus is converted by convert_corpus (train/dev/test splits)")
    report = ImportReport()
    log(f"Reading {source} as {fmt}")
    documents = read_documents(source, fmt, report)
    table = LabelTable(labels)
    if not drop_unmapped:
        check_labels(documents, table)
    converted = []
    for document in documents:
        annotated = to_annotated(document, table, nlp, report, corpus_source)
        converted.append(list(annotated.to_docs(nlp, report)))
    return converted, report


def split_documents(documents: Sequence[List[Doc]], dev_fraction: float, seed: int) -> Tuple[List[Doc], List[Doc]]:
    """Train and dev sentences, ``dev_fraction`` of the documents (at least one) held out as dev
    by a seeded shuffle of the document ids."""
    if not 0 <= dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in [0, 1), not {dev_fraction}")
    ordered = sorted(documents, key=lambda docs: docs[0].user_data[DOCUMENT_ID_KEY] if docs else "")
    ordered = [docs for docs in ordered if docs]
    random.Random(seed).shuffle(ordered)
    n_dev = max(1, round(dev_fraction * len(ordered))) if dev_fraction > 0 else 0
    if n_dev and n_dev >= len(ordered):
        raise ValueError(f"{len(ordered)} documents with text cannot be split into train and dev")
    dev = [doc for docs in ordered[:n_dev] for doc in docs]
    train = [doc for docs in ordered[n_dev:] for doc in docs]
    return train, dev


def write_docbin(docs: Iterable[Doc], path: Union[str, Path]) -> None:
    """A DocBin (user data kept) at ``path``, written through a temporary file beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = DocBin(docs=list(docs), store_user_data=True).to_bytes()
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def export_brat(spacy_path: Union[str, Path], folder: Union[str, Path], nlp: Optional[Language] = None) -> Dict[str, int]:
    """Write the documents of a converted DocBin (sentence Docs with a document id) to ``folder``
    as BRAT ``.txt`` + ``.ann`` pairs, plus an ``annotation.conf``; return the counts."""
    from .brat import ANNOTATION_CONF

    nlp = nlp or import_nlp()
    spacy_path, folder = Path(spacy_path), Path(folder)
    if not spacy_path.exists():
        raise FileNotFoundError(f"{spacy_path} not found")
    try:
        docs = list(DocBin().from_disk(spacy_path).get_docs(nlp.vocab))
    except Exception as err:
        raise CorpusError(f"{spacy_path}: not a DocBin ({err})") from None
    by_document: Dict[str, List[Doc]] = {}
    for k, doc in enumerate(docs):
        doc_id = doc.user_data.get(DOCUMENT_ID_KEY)
        if not doc_id:
            raise CorpusError(f"{spacy_path}: doc {k} has no document id ({DOCUMENT_ID_KEY}); BRAT needs one file per document")
        by_document.setdefault(str(doc_id), []).append(doc)
    folder.mkdir(parents=True, exist_ok=True)
    counts = Counter(documents=len(by_document), sentences=len(docs))
    written: Dict[str, str] = {}  # BRAT file name -> document id, in this run
    for doc_id, sentences in by_document.items():
        write_brat(sentences, folder, doc_id, written)
        counts["entities"] += sum(len(d.ents) for d in sentences)
        counts["interactions"] += sum(1 for d in sentences for r in d._.ddi_records or [] if r[4] != FALSE_LABEL)
    write_atomic(folder / "annotation.conf", ANNOTATION_CONF)
    return dict(counts)
