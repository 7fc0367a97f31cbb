"""BioC XML and JSON (PubTator3's export among them).

``load_bioc`` and ``iter_bioc_documents`` read BioC XML and JSON (a collection, PubTator3's
``{"PubTator3": [...]}`` export, one document, a list of documents, or JSON lines of
documents) into the ``bioc`` package's objects, a document at a time (XML is parsed as a
stream). ``bioc_document_text`` lays out a document's passages at their BioC offsets, so that
an offset into the text is the BioC offset.
"""
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import IO, Dict, Iterator, List, Optional, Tuple, Union

from .jats import sniff_xml


class BioCError(ValueError):
    """A BioC file or document that cannot be read or laid out; the message says where."""


def _int(value, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BioCError(f"{where}: offset {value!r} is not a whole number") from None


def _xml_infons(element) -> Dict[str, Optional[str]]:
    return {node.get("key"): node.text for node in element.findall("infon")}


def _xml_annotation(element, where: str):
    import bioc

    annotation = bioc.BioCAnnotation()
    annotation.id = element.get("id")
    annotation.infons = _xml_infons(element)
    annotation.text = element.findtext("text")
    for node in element.findall("location"):
        annotation.add_location(bioc.BioCLocation(
            _int(node.get("offset"), f"{where}, annotation {annotation.id}"),
            _int(node.get("length"), f"{where}, annotation {annotation.id} (length)"),
        ))
    return annotation


def _xml_relation(element):
    import bioc

    relation = bioc.BioCRelation()
    relation.id = element.get("id")
    relation.infons = _xml_infons(element)
    for node in element.findall("node"):
        relation.add_node(bioc.BioCNode(node.get("refid"), node.get("role")))
    return relation


def _xml_annotated(target, element, where: str) -> None:
    for node in element.findall("annotation"):
        target.add_annotation(_xml_annotation(node, where))
    for node in element.findall("relation"):
        target.add_relation(_xml_relation(node))


def bioc_document_from_xml(element, where: str = "document"):
    """A ``bioc.BioCDocument`` from a ``<document>`` element (as the ``bioc`` package's own
    decoder builds it); a missing or non-numeric offset raises :class:`BioCError`."""
    import bioc

    document = bioc.BioCDocument()
    document.id = (element.findtext("id") or "").strip()
    document.infons = _xml_infons(element)
    where = f"{where} (id {document.id})" if document.id else where
    for number, node in enumerate(element.findall("passage"), start=1):
        passage = bioc.BioCPassage()
        here = f"{where}, passage {number}"
        passage.offset = _int(node.findtext("offset"), here)
        passage.infons = _xml_infons(node)
        if node.find("text") is not None:
            passage.text = node.findtext("text")
        for s_number, s_node in enumerate(node.findall("sentence"), start=1):
            sentence = bioc.BioCSentence()
            sentence.offset = _int(s_node.findtext("offset"), f"{here}, sentence {s_number}")
            sentence.text = s_node.findtext("text")
            sentence.infons = _xml_infons(s_node)
            _xml_annotated(sentence, s_node, f"{here}, sentence {s_number}")
            passage.add_sentence(sentence)
        _xml_annotated(passage, node, here)
        document.add_passage(passage)
    _xml_annotated(document, element, where)
    return document


def iter_bioc_xml(handle: IO[bytes], where: str = "") -> Iterator:
    """(document or None, error or None) for each ``<document>`` of a BioC XML stream, parsed
    as a stream (each element cleared once read). Malformed XML raises ElementTree's
    ``ParseError`` after the documents before it."""
    for number, (_, element) in enumerate(
        ((e, el) for e, el in ElementTree.iterparse(handle, events=("end",)) if el.tag == "document"), start=1
    ):
        try:
            yield bioc_document_from_xml(element, f"{where}document {number}" if where else f"document {number}"), None
        except BioCError as err:
            yield None, str(err)
        element.clear()


_JSON_DEFAULTS = {
    "document": {"id": "", "infons": {}, "passages": [], "annotations": [], "relations": []},
    "passage": {"infons": {}, "sentences": [], "annotations": [], "relations": []},
    "sentence": {"infons": {}, "text": None, "annotations": [], "relations": []},
    "annotation": {"id": None, "infons": {}, "text": None, "locations": []},
    "relation": {"id": None, "infons": {}, "nodes": []},
}


def _complete(obj: Dict, kind: str) -> Dict:
    """``obj`` with the keys the ``bioc`` JSON decoder needs that a writer left out (PubTator3
    and other tools leave out empty lists)."""
    return {**_JSON_DEFAULTS[kind], **obj}


def bioc_document_from_json(obj, where: str = "document"):
    """A ``bioc.BioCDocument`` from a BioC JSON document (a dict); optional keys may be left
    out; a passage without a numeric offset raises :class:`BioCError`."""
    from bioc.biocjson.decoder import parse_doc

    if not isinstance(obj, dict) or not isinstance(obj.get("passages"), list):
        raise BioCError(f"{where}: not a BioC document (no list of passages)")
    doc = _complete(obj, "document")
    # PubTator3's export may leave out id and give pmid or _id
    doc["id"] = str(next((obj[k] for k in ("id", "pmid", "_id") if obj.get(k) not in (None, "")), ""))
    where = f"{where} (id {doc['id']})" if doc["id"] else where
    passages = []
    for number, passage in enumerate(doc["passages"], start=1):
        here = f"{where}, passage {number}"
        if not isinstance(passage, dict):
            raise BioCError(f"{here}: not a BioC passage")
        passage = _complete(passage, "passage")
        passage["offset"] = _int(passage.get("offset"), here)
        passage["sentences"] = [
            {**_complete(s, "sentence"), "offset": _int(s.get("offset"), f"{here}, sentence {k}"),
             "annotations": [_complete(a, "annotation") for a in s.get("annotations", [])],
             "relations": [_complete(r, "relation") for r in s.get("relations", [])]}
            for k, s in enumerate(passage["sentences"], start=1)
        ]
        passage["annotations"] = [_complete(a, "annotation") for a in passage["annotations"]]
        passage["relations"] = [_complete(r, "relation") for r in passage["relations"]]
        passages.append(passage)
    doc["passages"] = passages
    doc["annotations"] = [_complete(a, "annotation") for a in doc["annotations"]]
    doc["relations"] = [_complete(r, "relation") for r in doc["relations"]]
    try:
        return parse_doc(doc)
    except (KeyError, TypeError, ValueError) as err:
        raise BioCError(f"{where}: not BioC ({type(err).__name__}: {err})") from None


def bioc_json_documents(data) -> Tuple[Dict, list]:
    """(collection fields, documents) of parsed BioC JSON: a collection (``documents``),
    PubTator3's export (``{"PubTator3": [...]}``), one document, or a list of documents."""
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        return {k: data.get(k) for k in ("source", "date", "key", "infons")}, data["documents"]
    if isinstance(data, dict) and isinstance(data.get("PubTator3"), list):
        return {"source": "PubTator3"}, data["PubTator3"]
    if isinstance(data, dict) and "passages" in data:
        return {}, [data]
    if isinstance(data, list):
        return {}, data
    raise BioCError("not BioC JSON: neither a collection (documents), PubTator3's export, a document (passages) nor a list of documents")


def _open(path: Path) -> IO[bytes]:
    import gzip

    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def iter_bioc_documents(path: Union[str, Path]) -> Iterator:
    """The documents (``bioc.BioCDocument``) of a BioC file, one at a time: XML (``.xml``,
    ``.xml.gz``, parsed as a stream), JSON (``.json``: read whole) or JSON lines (``.jsonl``:
    one document a line). Anything that cannot be read raises :class:`BioCError` naming the
    file and the document."""
    path = Path(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    with _open(path) as handle:
        if name.endswith(".jsonl"):
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as err:
                        raise BioCError(f"{path}, line {number}: not JSON ({err.msg})") from None
                    yield bioc_document_from_json(obj, f"{path}, line {number}")
        elif name.endswith(".json"):
            try:
                _, documents = bioc_json_documents(json.load(handle))
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise BioCError(f"{path}: not JSON ({err})") from None
            except BioCError as err:
                raise BioCError(f"{path}: {err}") from None
            for number, obj in enumerate(documents, start=1):
                yield bioc_document_from_json(obj, f"{path}, document {number}")
        else:
            kind, stream = sniff_xml(handle)
            if kind != "bioc":
                raise BioCError(f"{path}: not BioC XML (the root element is <{kind}>, not <collection>)")
            try:
                for document, error in iter_bioc_xml(stream, f"{path}, "):
                    if error is not None:
                        raise BioCError(error)
                    yield document
            except ElementTree.ParseError as err:
                raise BioCError(f"{path}: malformed XML at line {err.position[0]}, column {err.position[1]} ({err})") from None


def load_bioc(path: Union[str, Path]):
    """A whole BioC file as a ``bioc.BioCCollection`` (XML, JSON or JSON lines, as
    :func:`iter_bioc_documents` reads them; the collection's source, date, key and infons
    where the file gives them). For a large file, iterate :func:`iter_bioc_documents`."""
    import bioc

    path = Path(path)
    collection = bioc.BioCCollection()
    for document in iter_bioc_documents(path):
        collection.add_document(document)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    if name.endswith(".json"):
        with _open(path) as handle:
            fields, _ = bioc_json_documents(json.load(handle))
    elif not name.endswith(".jsonl"):
        with _open(path) as handle:
            fields = {}
            for _, element in ElementTree.iterparse(handle, events=("end",)):
                if element.tag in ("source", "date", "key"):
                    fields[element.tag] = element.text
                elif element.tag == "document":
                    break
    else:
        fields = {}
    for key in ("source", "date", "key"):
        if fields.get(key) is not None:
            setattr(collection, key, fields[key])
    if isinstance(fields.get("infons"), dict):
        collection.infons = fields["infons"]
    return collection


# the infons of a passage kept in the records
PASSAGE_INFONS = ("type", "section_type")
# the largest gap between passages that is laid out (offsets beyond look wrong, and would
# make a text of that many characters)
MAX_GAP = 1_000_000


def bioc_document_text(document, where: str = "document") -> Tuple[str, List[Dict]]:
    """(text, passages) of a ``bioc.BioCDocument``: each passage's text (or its sentences', at
    their offsets) starts at its BioC offset, the gaps filled with line breaks, so an offset
    into the text is the BioC offset (``text[p.offset : p.offset + len(p.text)] == p.text``);
    passages: ``{start, end, type, section_type}`` for each passage, in document order (its
    ``type`` and ``section_type`` infons, as PMC's and PubTator3's BioC give them, or None; a
    fixed set of keys, so records make a table). Passages out of
    order or overlapping, or a gap over ``MAX_GAP`` characters, raise :class:`BioCError`."""
    chunks: List[str] = []
    length = 0
    passages = []

    def place(offset: int, text: str, what: str) -> None:
        nonlocal length
        if not text:
            return
        if offset < length:
            raise BioCError(f"{where}: {what} at offset {offset} overlaps the text before it (up to offset {length}); its passages cannot be laid out at their offsets")
        if offset - length > MAX_GAP:
            raise BioCError(f"{where}: {what} at offset {offset} leaves a gap of {offset - length} characters (more than {MAX_GAP}); its offsets look wrong")
        chunks.append("\n" * (offset - length))
        chunks.append(text)
        length = offset + len(text)

    for number, passage in enumerate(document.passages, start=1):
        before = len(chunks)
        if passage.text:
            place(passage.offset, passage.text, f"passage {number}")
        else:
            for s_number, sentence in enumerate(passage.sentences, start=1):
                place(sentence.offset, sentence.text or "", f"passage {number}, sentence {s_number}")
        end = length if len(chunks) > before else passage.offset  # an empty passage: no text
        infons = passage.infons or {}
        passages.append({
            "start": passage.offset, "end": end,
            **{key: None if infons.get(key) is None else str(infons[key]) for key in PASSAGE_INFONS},
        })
    return "".join(chunks), passages
