"""Full text: PMC JATS articles, BioC collections, and the text of XML inline markup.

``inline_text`` reads an element of mixed content (a MEDLINE ``AbstractText``, a JATS ``<p>``)
as it reads when rendered: whitespace that holds a line break is the XML's layout, not text. A
line break with its indentation is dropped next to ``<sub>``/``<sup>`` (and MathML) and at the
inside edges of any element (``β\\n\\t\\t<sub>2</sub>-agonist`` reads ``β2-agonist``); elsewhere
it becomes one space, or nothing next to a bracket or punctuation (``(\\n<i>in vitro</i>\\n)``
reads ``(in vitro)``). Whitespace without a line break is kept as written.

``jats_document`` lays out a JATS article (PMC's ``.nxml``): the title, the abstracts, then
the body's sections in order, each heading on its own line; figures, tables, supplementary
material, display formulas, footnotes and the back matter (references, acknowledgements,
appendices) are left out. It also returns ``sections``: where the title, each abstract, the
body and each section start and end in the text.

``load_bioc`` and ``iter_bioc_documents`` read BioC XML and JSON (a collection, PubTator3's
``{"PubTator3": [...]}`` export, one document, a list of documents, or JSON lines of
documents) into the ``bioc`` package's objects, a document at a time (XML is parsed as a
stream). ``bioc_document_text`` lays out a document's passages at their BioC offsets, so that
an offset into the text is the BioC offset.
"""
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import IO, Dict, Iterator, List, Optional, Tuple, Union

MATHML = "{http://www.w3.org/1998/Math/MathML}"
# root elements: what kind of document an XML file holds
XML_KINDS = {"PubmedArticleSet": "medline", "article": "jats", "pmc-articleset": "jats", "collection": "bioc"}
SNIFF_BYTES = 1 << 16

# left out of a JATS article's text, wherever they are (floats, formulas, notes, source code)
JATS_LEFT_OUT = frozenset({
    "fig", "fig-group", "table-wrap", "table-wrap-group", "table", "array", "supplementary-material",
    "disp-formula", "disp-formula-group", "tex-math", "graphic", "inline-graphic", "media",
    "chem-struct-wrap", "fn", "fn-group", "ref-list", "code", "preformat", "alt-text", "long-desc",
    "object-id",
})
# sub- and superscripts attach to what is beside them: layout next to them is not a space
ATTACHED = frozenset({"sub", "sup"})
SOFT = "\x00"  # where layout whitespace was (XML text cannot hold NUL): " " or nothing
GAP = "\x01"  # where a left-out element was
NO_SPACE_AFTER = set("([{/-\u2010\u2013")
NO_SPACE_BEFORE = set(")]}.,;:!?/%-\u2010\u2013")


class BioCError(ValueError):
    """A BioC file or document that cannot be read or laid out; the message says where."""


def local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- kinds of XML ---------------------------------------------------------------------------


def xml_root(head: bytes) -> str:
    """The name of the root element (without a namespace prefix) in a file's first bytes; ""
    when there is none."""
    text = head.decode("utf8", "replace")
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            return ""
        if text.startswith("<?", start):
            end = text.find("?>", start)
            pos = end + 2
        elif text.startswith("<!--", start):
            end = text.find("-->", start)
            pos = end + 3
        elif text.startswith("<!", start):  # a DOCTYPE, maybe with an internal subset
            end = text.find(">", start)
            bracket = text.find("[", start)
            if 0 <= bracket < end:
                end = text.find(">", text.find("]", bracket))
            pos = end + 1
        else:
            found = re.match(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)", text[start:])
            return found.group(1) if found else ""
        if end < 0:
            return ""


class _Replayed(io.RawIOBase):
    """A stream whose first bytes were read already: they are read again first."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def sniff_xml(handle: IO[bytes]) -> Tuple[str, IO[bytes]]:
    """(kind, stream): the kind of XML ``handle`` holds ("medline", "jats", "bioc", or the
    root element's name for another kind; "" for none) and a stream that reads it from the
    start (``handle`` itself is read on, not rewound: a gzip or tar member streams)."""
    head = handle.read(SNIFF_BYTES)
    root = xml_root(head)
    return XML_KINDS.get(root, root), io.BufferedReader(_Replayed(head, handle))


# --- inline markup ----------------------------------------------------------------------------


class _Tag:
    __slots__ = ("opening", "attached")

    def __init__(self, opening: bool, attached: bool):
        self.opening, self.attached = opening, attached


_LEFT_OUT = object()


def _pieces(element, leave_out, out: list) -> None:
    if element.text:
        out.append(element.text)
    for child in element:
        name = local_name(child.tag)
        if not name or name in leave_out:  # comments and processing instructions too
            out.append(_LEFT_OUT)
        else:
            attached = name in ATTACHED or child.tag.startswith(MATHML)
            out.append(_Tag(True, attached))
            _pieces(child, leave_out, out)
            out.append(_Tag(False, attached))
        if child.tail:
            out.append(child.tail)


def _drops(neighbour, before: bool) -> bool:
    """Whether layout whitespace beside ``neighbour`` (a tag; ``before``: the whitespace comes
    after it) is no text at all: at an element's inside edges, or beside a sub-/superscript."""
    if not isinstance(neighbour, _Tag):
        return False
    if before:  # the whitespace follows the tag
        return neighbour.opening or neighbour.attached
    return not neighbour.opening or neighbour.attached


def _layout(piece: str, before, after) -> str:
    lead = len(piece) - len(piece.lstrip())
    if lead == len(piece):  # whitespace only, between two tags
        if before is None or after is None:
            return ""
        if "\n" not in piece:
            return piece
        return "" if _drops(before, True) or _drops(after, False) else SOFT
    trail = len(piece) - len(piece.rstrip())
    head, body, tail = piece[:lead], piece[lead : len(piece) - trail], piece[len(piece) - trail :]
    if head:
        if before is None:
            head = ""
        elif "\n" in head:
            head = "" if _drops(before, True) else SOFT
    if tail:
        if after is None:
            tail = ""
        elif "\n" in tail:
            tail = "" if _drops(after, False) else SOFT
    # a line break inside a run of text is the XML's line wrapping: one space
    body = re.sub(r"\s*\n\s*", " ", body)
    return head + body + tail


def _resolve_soft(match) -> str:
    text, start, end = match.string, match.start(), match.end()
    if start == 0 or end == len(text):
        return ""
    prev, nxt = text[start - 1], text[end]
    if prev.isspace() or nxt.isspace() or prev in NO_SPACE_AFTER or nxt in NO_SPACE_BEFORE:
        return ""
    return " "


def _resolve_gap(match) -> str:
    return " " if match.group(1) or match.group(2) else SOFT


def inline_text(element, leave_out=frozenset()) -> str:
    """The text of ``element`` and everything in it, as it reads rendered (see the module's
    doc); elements named in ``leave_out`` (local names) and comments are left out."""
    pieces: list = []
    _pieces(element, leave_out, pieces)
    out = []
    for k, piece in enumerate(pieces):
        if piece is _LEFT_OUT:
            out.append(GAP)
        elif isinstance(piece, str):
            before = pieces[k - 1] if k else None
            after = pieces[k + 1] if k + 1 < len(pieces) else None
            out.append(_layout(piece, before, after))
    text = "".join(out)
    if GAP in text:
        text = re.sub(r"([ \t]*)\x01+([ \t]*)", _resolve_gap, text)
    if SOFT in text:
        text = re.sub("\x00+", _resolve_soft, text)
    return text.strip()


# --- JATS -------------------------------------------------------------------------------------


def _has_text(element) -> bool:
    return bool((element.text or "").strip()) or any((child.tail or "").strip() for child in element)


class _Layout:
    """Blocks of text, one a line, and the sections they belong to."""

    def __init__(self):
        self.chunks: List[str] = []
        self.length = 0
        self.sections: List[Dict] = []
        self.open_sections: List[Dict] = []
        self.gap = ""

    def add(self, text: str) -> None:
        if not text:
            return
        if self.length:
            separator = self.gap or "\n"
            self.chunks.append(separator)
            self.length += len(separator)
        self.gap = ""
        for entry in self.open_sections:
            if entry["start"] is None:
                entry["start"] = self.length
        self.chunks.append(text)
        self.length += len(text)

    def open(self, part: str, heading: str, kind: Optional[str], depth: int) -> Dict:
        entry = {"part": part, "heading": heading, "type": kind, "depth": depth, "start": None, "end": None}
        self.sections.append(entry)
        self.open_sections.append(entry)
        self.gap = "\n\n"  # a blank line before a part or section
        if heading:
            self.add(heading)
        return entry

    def close(self, entry: Dict) -> None:
        self.open_sections.remove(entry)
        if entry["start"] is None:  # nothing of it is in the text
            self.sections.remove(entry)
        else:
            entry["end"] = self.length
        self.gap = "\n\n"

    def text(self) -> str:
        return "".join(self.chunks)


def _heading(element) -> str:
    parts = []
    for name in ("label", "title"):
        child = element.find(name)
        if child is not None:
            parts.append(inline_text(child, JATS_LEFT_OUT))
    return " ".join(p for p in parts if p)


def _walk(layout: _Layout, element, part: str, depth: int, heading_done: bool) -> None:
    for child in element:
        name = local_name(child.tag)
        if not name or name in JATS_LEFT_OUT:
            continue
        if heading_done and name in ("label", "title"):
            continue
        if name == "sec":
            entry = layout.open(part, _heading(child), child.get("sec-type"), depth + 1)
            _walk(layout, child, part, depth + 1, True)
            layout.close(entry)
        elif name == "p" or _has_text(child):
            layout.add(inline_text(child, JATS_LEFT_OUT))
        else:  # a list, a boxed text, a quote...: the blocks inside it
            _walk(layout, child, part, depth, False)


def jats_ids(article) -> Dict[str, str]:
    """The article's ids from article-meta: ``pmcid`` ("PMC" and digits), ``pmid``, ``doi``
    (those it has)."""
    ids = {}
    meta = article.find("front/article-meta")
    for node in meta.findall("article-id") if meta is not None else []:
        kind, value = node.get("pub-id-type", ""), (node.text or "").strip()
        if not value:
            continue
        if kind in ("pmc", "pmcid"):
            ids.setdefault("pmcid", value if value.upper().startswith("PMC") else f"PMC{value}")
        elif kind in ("pmid", "doi"):
            ids.setdefault(kind, value)
    return ids


def jats_document(article) -> Tuple[Optional[str], str, List[Dict]]:
    """(id, text, sections) of a JATS ``<article>`` element: the PMCID (else the PMID, else the
    DOI; None without any); the title, the abstracts and the body (see the module's doc);
    sections: ``{part, heading, type, depth, start, end}`` for the title (part "title"), each
    abstract (part "abstract", ``type`` its abstract-type) and the body (part "body") at depth
    0, and each ``<sec>`` inside them at depth 1, 2, ... (``heading``: its label and title as
    written in the text, ``type``: its sec-type), in text order, parents before children;
    ``text[start:end]`` is the part or section, its heading included."""
    ids = jats_ids(article)
    doc_id = ids.get("pmcid") or ids.get("pmid") or ids.get("doi")
    layout = _Layout()
    meta = article.find("front/article-meta")
    title = meta.find("title-group/article-title") if meta is not None else None
    if title is not None:
        entry = layout.open("title", "", None, 0)
        layout.add(inline_text(title, JATS_LEFT_OUT))
        layout.close(entry)
    for abstract in meta.findall("abstract") if meta is not None else []:
        entry = layout.open("abstract", _heading(abstract), abstract.get("abstract-type"), 0)
        _walk(layout, abstract, "abstract", 0, True)
        layout.close(entry)
    body = article.find("body")
    if body is not None:
        entry = layout.open("body", "", None, 0)
        _walk(layout, body, "body", 0, False)
        layout.close(entry)
    return doc_id, layout.text(), layout.sections


def iter_jats_articles(handle: IO[bytes]) -> Iterator:
    """The ``<article>`` elements of a JATS file (one article, or PMC's ``<pmc-articleset>``),
    parsed as a stream; each is cleared once the caller has read it."""
    depth = 0
    for event, element in ElementTree.iterparse(handle, events=("start", "end")):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        # an article is the root, or a child of the root (pmc-articleset)
        if local_name(element.tag) == "article" and depth <= 1:
            yield element
            element.clear()


# --- BioC -------------------------------------------------------------------------------------


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
