"""Input readers: each yields :class:`Item` (id, text, or the reason it could not be read).

Chosen by what the input is: a ``.txt`` file is one document (its path as id) unless it is
PubTator text (``PMID|t|title`` / ``PMID|a|abstract`` blocks: one document per PMID, title and
abstract joined by a newline, so PubTator's offsets still hold); a ``.jsonl`` file is one
document per line (``{"id": ..., "text": ...}``, field names configurable; a line that is a
BioC document, with ``passages`` and no text field, is read as BioC). An ``.xml``,
``.xml.gz`` or ``.nxml`` file is read by its root element: MEDLINE/PubMed XML as NCBI
publishes it (``PubmedArticleSet``: one document per article, the PMID as id, the title, a
blank line, then the abstract's sections in order, ``LABEL: text`` one per line), a JATS
article as PMC publishes it (``article``, or efetch's ``pmc-articleset``: the PMCID as id,
the title, abstract and body sections; ``spacy_ddi.formats.jats``), or BioC
(``collection``: one document per BioC document, its passages at their BioC offsets), each
parsed as a stream so a 300 MB baseline file never sits in memory. A ``.json`` file is BioC
JSON (a collection, PubTator3's export, a document or a list of them; read whole). A
``.tar.gz`` (``.tgz``) is read member by member: its ``.nxml`` and ``.xml`` members (a PMC
package's article; other XML members, such as supplementary data, are passed over). A
folder is every such file under it (recursive, sorted); ``-`` is standard input as one
plain-text document. Text inside XML inline markup reads as rendered (layout whitespace
dropped or one space: ``spacy_ddi.formats.jats.inline_text``). Full-text items carry extra record fields
(``Item.fields``): ``sections`` for MEDLINE and JATS, ``passages`` for BioC.

A document that cannot be read (undecodable bytes, a line that is not JSON or lacks the text
field, malformed XML, BioC passages that overlap: named with its file, and line, member or
document) is yielded with its ``error`` set, so the run can record it and go on.
"""
import gzip
import json
import re
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

from ..formats.bioc import BioCError, bioc_document_from_json, bioc_document_text, bioc_json_documents, iter_bioc_xml
from ..formats.jats import iter_jats_articles, jats_document, sniff_xml
from ..formats.medline import medline_document, medline_text  # noqa: F401 (the old batch.readers names)
from ..formats.pubtator import (  # noqa: F401 (PUBTATOR_SEPARATOR: an old batch.readers name)
    PUBTATOR_LINE, PUBTATOR_SEPARATOR, is_pubtator, pubtator_lines, pubtator_text, pubtator_title_or_abstract,
)

SUFFIXES = (".txt", ".jsonl", ".json", ".xml", ".xml.gz", ".nxml", ".tar.gz", ".tgz")
XML_SUFFIXES = (".xml", ".xml.gz", ".nxml")
TAR_SUFFIXES = (".tar.gz", ".tgz")


@dataclass
class Item:
    id: str
    text: Optional[str]
    error: Optional[str] = None
    source: str = ""
    # more fields for the document's record (``sections``, ``passages``), JSON-ready
    fields: Optional[Dict] = None


def read_text_file(path: Path, doc_id: str) -> Item:
    try:
        return Item(doc_id, path.read_bytes().decode("utf8"), source=str(path))
    except UnicodeDecodeError as err:
        return Item(doc_id, None, f"{path}: not UTF-8 ({err})", str(path))


def jsonl_item(line: str, where: str, source: str, id_field: str = "id", text_field: str = "text") -> Optional[Item]:
    """The document of one JSONL line (None for a blank line); ``where`` names the line."""
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        return Item(where, None, f"{where}: not JSON ({err.msg} at column {err.colno})", source)
    if isinstance(row, dict) and not isinstance(row.get(text_field), str) and isinstance(row.get("passages"), list):
        return bioc_item(row, where, source)
    if not isinstance(row, dict) or not isinstance(row.get(text_field), str):
        return Item(where, None, f"{where}: no string field {text_field!r}", source)
    doc_id = row.get(id_field)
    return Item(str(doc_id) if doc_id is not None else where, row[text_field], source=source)


def read_jsonl_file(path: Path, id_field: str, text_field: str) -> Iterator[Item]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}, line {number}"
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as err:
                yield Item(where, None, f"{where}: not UTF-8 ({err})", str(path))
                continue
            item = jsonl_item(line, where, str(path), id_field, text_field)
            if item is not None:
                yield item


def read_inputs(
    inputs: Sequence[Union[str, Path]], id_field: str = "id", text_field: str = "text"
) -> Iterator[Item]:
    """Every document of ``inputs``, in order, read as a stream."""
    yield from read_listed(files_and_ids(inputs), id_field, text_field)


def read_listed(
    files: Iterable[Tuple[Union[str, Path], str]], id_field: str = "id", text_field: str = "text"
) -> Iterator[Item]:
    """Every document of ``files`` (as :func:`files_and_ids` lists them), in order."""
    for path, doc_id in files:
        if path == "-":
            yield Item("stdin", sys.stdin.read(), source="stdin")
        else:
            yield from _read_file(Path(path), doc_id, id_field, text_field)


def files_and_ids(inputs: Sequence[Union[str, Path]]) -> Iterator[Tuple[Union[str, Path], str]]:
    """(file, id of a one-document file) for each file ``inputs`` name, in reading order: a
    folder's files with their path inside it as id, a file with its name, "-" (standard input)
    as "stdin". A missing path or an unknown file type raises here."""
    for given in inputs:
        if str(given) == "-":
            yield "-", "stdin"
            continue
        path = Path(given)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p) in SUFFIXES):
                yield file, str(file.relative_to(path))
        elif path.is_file():
            if _suffix(path) not in SUFFIXES:
                raise ValueError(f"{path}: unknown input type {_suffix(path)!r}; expected one of {SUFFIXES} or a folder")
            yield path, path.name
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")


def input_files(inputs: Sequence[Union[str, Path]]) -> Iterator[Union[str, Path]]:
    """The files ``inputs`` name, in reading order ("-" for standard input)."""
    for path, _ in files_and_ids(inputs):
        yield path


def read_file(path: Union[str, Path], doc_id: str, id_field: str = "id", text_field: str = "text") -> Iterator[Item]:
    """The documents of one input file (``doc_id``: its id when it is one document)."""
    yield from _read_file(Path(path), doc_id, id_field, text_field)


def count_documents(inputs: Sequence[Union[str, Path]]) -> int:
    """How many items :func:`read_inputs` will yield, by a fast scan that parses nothing: one
    per .txt file (per PMID for PubTator text), per non-empty .jsonl line, per
    ``<PubmedArticle>``, ``<article>`` or BioC ``<document>`` of an XML file or tar member,
    per BioC JSON document, one for standard input. For a progress bar's total; an
    unreadable file counts what the scan finds."""
    return count_listed(input_files(inputs))


def count_listed(paths: Iterable[Union[str, Path]]) -> int:
    """:func:`count_documents` of files already listed (by :func:`input_files`)."""
    total = 0
    for path in paths:
        if path == "-":
            total += 1
            continue
        suffix = _suffix(path)
        try:
            if suffix == ".jsonl":
                total += _count_lines(path)
            elif suffix in XML_SUFFIXES:
                with _open(path) as handle:
                    total += _count_xml(handle)
            elif suffix == ".json":
                with path.open("rb") as handle:
                    total += max(1, _count_in(handle, re.compile(rb'"passages"'), 10))
            elif suffix in TAR_SUFFIXES:
                total += _count_tar(path)
            else:
                with path.open("rb") as handle:
                    head = handle.read(4096).decode("utf8", "replace")
                total += len(_pubtator_ids(path)) if is_pubtator(head) else 1
        except (OSError, EOFError, tarfile.TarError, zlib.error):
            total += 1
    return total


# what one document starts with, in each kind of XML (and the longest such match)
XML_DOCUMENT_STARTS = {
    "medline": re.compile(rb"<PubmedArticle>"), "jats": re.compile(rb"<article[\s>]"),
    "bioc": re.compile(rb"<document[\s>]"),
}


def _count_xml(handle: IO[bytes], unknown: int = 1) -> int:
    kind, stream = sniff_xml(handle)
    if kind not in XML_DOCUMENT_STARTS:
        return unknown
    return _count_in(stream, XML_DOCUMENT_STARTS[kind], 16)


def _count_in(handle: IO[bytes], pattern, longest: int) -> int:
    """Matches of ``pattern`` (none longer than ``longest`` bytes) in a stream, block by block."""
    count, tail = 0, b""
    for block in iter(lambda: handle.read(1 << 20), b""):
        data = tail + block
        keep = max(0, len(data) - (longest - 1))
        # matches that start in the kept tail are counted with the next block
        count += sum(1 for m in pattern.finditer(data) if m.start() < keep)
        tail = data[keep:]
    return count + sum(1 for _ in pattern.finditer(tail))


def _count_tar(path: Path) -> int:
    total = 0
    with tarfile.open(path, "r|*") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith((".nxml", ".xml")):
                total += _count_xml(tar.extractfile(member), unknown=0)
    return total


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _pubtator_ids(path: Path) -> set:
    ids = set()
    with path.open("rb") as handle:
        for line in handle:
            match = PUBTATOR_LINE.match(line.decode("utf8", "replace").strip())
            if match:
                ids.add(match.group(1))
    return ids


def _suffix(path: Path) -> str:
    for double in (".xml.gz", ".tar.gz"):
        if path.name.endswith(double):
            return double
    return path.suffix


def _read_file(path: Path, doc_id: str, id_field: str, text_field: str) -> Iterator[Item]:
    suffix = _suffix(path)
    if suffix == ".jsonl":
        yield from read_jsonl_file(path, id_field, text_field)
    elif suffix in XML_SUFFIXES:
        yield from read_xml(path, doc_id)
    elif suffix == ".json":
        yield from read_bioc_json(path)
    elif suffix in TAR_SUFFIXES:
        yield from read_tar(path)
    elif suffix == ".txt":
        item = read_text_file(path, doc_id)
        if item.text is not None and is_pubtator(item.text):
            yield from read_pubtator(item.text, str(path))
        else:
            yield item
    else:
        raise ValueError(f"{path}: unknown input type {suffix!r}; expected one of {SUFFIXES} or a folder")








def read_pubtator(text: str, source: str) -> Iterator[Item]:
    """PubTator blocks: ``PMID|t|title`` and ``PMID|a|abstract`` (annotation lines ignored)."""
    parts: dict = {}
    order = []
    for _, line in pubtator_lines(text):
        found = pubtator_title_or_abstract(line)
        if found:
            pmid, kind, value = found
            if pmid not in parts:
                parts[pmid] = {}
                order.append(pmid)
            parts[pmid][kind] = value
    for pmid in order:
        yield Item(pmid, pubtator_text(parts[pmid].get("t"), parts[pmid].get("a")), source=source, fields={"genre": "abstract"})






def read_medline(path: Path) -> Iterator[Item]:
    """Articles of a MEDLINE/PubMed XML file (``.xml`` or ``.xml.gz``), streamed."""
    yield from read_xml(path, path.name)


def read_xml(path: Path, doc_id: str) -> Iterator[Item]:
    """The documents of an XML file (``.xml``, ``.xml.gz``, ``.nxml``), by its root element:
    MEDLINE, JATS or BioC (``doc_id``: the id of a JATS article without PMCID, PMID or DOI)."""
    try:
        with _open(path) as handle:
            yield from xml_items(handle, str(path), doc_id)
    except (OSError, EOFError, zlib.error) as err:
        yield Item(str(path), None, f"{path}: cannot read ({err})", str(path))


def xml_items(handle: IO[bytes], source: str, doc_id: str, unknown_is_error: bool = True) -> Iterator[Item]:
    """The documents of one XML stream; ``source`` names it (a file, or a member of an
    archive) in ids and errors. An XML of another kind is one error item, or nothing when not
    ``unknown_is_error``."""
    kind, stream = sniff_xml(handle)
    what = {"medline": "articles", "jats": "articles", "bioc": "documents"}.get(kind)
    if what is None:
        if unknown_is_error:
            found = f"the root element <{kind}>" if kind else "no root element"
            yield Item(source, None, f"{source}: {found} is none of MEDLINE's <PubmedArticleSet>, JATS' <article> (or <pmc-articleset>), BioC's <collection>", source)
        return
    read = {"medline": _medline_items, "jats": _jats_items, "bioc": _bioc_xml_items}[kind]
    try:
        yield from read(stream, source, doc_id)
    except ElementTree.ParseError as err:
        line, column = err.position
        where = f"{source}, line {line}"
        yield Item(where, None, f"{source}: malformed XML at line {line}, column {column} ({err}); {what} before it were read", source)


def _medline_items(stream: IO[bytes], source: str, doc_id: str) -> Iterator[Item]:
    for _, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag != "PubmedArticle":
            continue
        pmid = element.findtext(".//MedlineCitation/PMID") or element.findtext(".//PMID")
        if not pmid:
            yield Item(f"{source}, an article without PMID", None, f"{source}: an article without a PMID", source)
        else:
            text, sections = medline_document(element)
            yield Item(pmid.strip(), text, source=source, fields={"genre": "abstract", "sections": sections})
        element.clear()


def _jats_items(stream: IO[bytes], source: str, doc_id: str) -> Iterator[Item]:
    for number, article in enumerate(iter_jats_articles(stream), start=1):
        found, text, sections = jats_document(article)
        fallback = doc_id if number == 1 else f"{doc_id}, article {number}"
        yield Item(found or fallback, text, source=source, fields={"genre": "article", "sections": sections})


def _bioc_xml_items(stream: IO[bytes], source: str, doc_id: str) -> Iterator[Item]:
    for number, (document, error) in enumerate(iter_bioc_xml(stream, f"{source}, "), start=1):
        where = f"{source}, document {number}"
        yield Item(where, None, error, source) if error is not None else bioc_item(document, where, source)


def bioc_item(document, where: str, source: str) -> Item:
    """The item of a BioC document (a ``bioc.BioCDocument``, or a BioC JSON dict): its text
    with each passage at its BioC offset, ``passages`` in its fields; ``where`` names it."""
    try:
        if isinstance(document, dict):
            document = bioc_document_from_json(document, where)
        doc_id = document.id or where
        text, passages = bioc_document_text(document, f"{where} (id {doc_id})" if document.id else where)
    except BioCError as err:
        return Item(where, None, str(err), source)
    return Item(doc_id, text, source=source, fields={"genre": bioc_genre(passages), "passages": passages})


# BioC passage types (PMC's section_type, PubTator's type) of an abstract record
ABSTRACT_PASSAGES = {None, "", "title", "abstract", "title_1", "abstract_title_1", "front", "TITLE", "ABSTRACT"}


def bioc_genre(passages) -> str:
    """"abstract" for a BioC document whose passages are all title or abstract (PubTator's
    abstracts), "article" for one with any other passage (PMC's full text)."""
    kinds = {p.get("section_type") or p.get("type") for p in passages}
    return "abstract" if kinds <= ABSTRACT_PASSAGES else "article"


def read_bioc_json(path: Path) -> Iterator[Item]:
    """The documents of a BioC JSON file (read whole): a collection, PubTator3's export
    (``{"PubTator3": [...]}``), one document or a list of documents."""
    try:
        data = json.loads(path.read_bytes().decode("utf8"))
        _, documents = bioc_json_documents(data)
    except UnicodeDecodeError as err:
        yield Item(str(path), None, f"{path}: not UTF-8 ({err})", str(path))
        return
    except json.JSONDecodeError as err:
        yield Item(str(path), None, f"{path}: not JSON ({err.msg} at line {err.lineno}, column {err.colno})", str(path))
        return
    except BioCError as err:
        yield Item(str(path), None, f"{path}: {err}", str(path))
        return
    for number, document in enumerate(documents, start=1):
        yield bioc_item(document, f"{path}, document {number}", str(path))


def read_tar(path: Path) -> Iterator[Item]:
    """The documents of a tar archive (``.tar.gz``, ``.tgz``), member by member: each
    ``.nxml`` or ``.xml`` member read by its root element (one of another kind is passed
    over), with the member's name as the id of an article without ids."""
    try:
        with tarfile.open(path, "r|*") as tar:
            for member in tar:
                if not member.isfile() or not member.name.endswith((".nxml", ".xml")):
                    continue
                source = f"{path}, member {member.name}"
                try:
                    yield from xml_items(tar.extractfile(member), source, member.name, unknown_is_error=False)
                except (OSError, EOFError, tarfile.TarError) as err:
                    yield Item(source, None, f"{source}: cannot read ({err})", str(path))
                    return
    except (OSError, EOFError, tarfile.TarError) as err:
        yield Item(str(path), None, f"{path}: cannot read as a tar archive ({err}); members before it were read", str(path))
