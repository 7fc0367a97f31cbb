"""XML documents as read for extraction: the root element of a file (``sniff_xml``), the text
of XML inline markup (``inline_text``), and PMC JATS articles (``jats_document``).

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
"""
import io
import re
import xml.etree.ElementTree as ElementTree
from typing import IO, Dict, Iterator, List, Optional, Tuple

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
