"""Input readers: each yields :class:`Item` (id, text, or the reason it could not be read).

Chosen by what the input is: a ``.txt`` file is one document (its path as id) unless it is
PubTator text (``PMID|t|title`` / ``PMID|a|abstract`` blocks: one document per PMID, title and
abstract joined by a newline, so PubTator's offsets still hold); a ``.jsonl`` file is one
document per line (``{"id": ..., "text": ...}``, field names configurable); ``.xml`` and
``.xml.gz`` are MEDLINE/PubMed XML as NCBI publishes it (``PubmedArticleSet``: one document
per article, the PMID as id, the title, a blank line, then the abstract's sections in order,
``LABEL: text`` one per line), parsed as a stream so a 300 MB baseline file never sits in
memory; a folder is every such file under it (recursive, sorted); ``-`` is standard input as
one plain-text document. A document that cannot be read (undecodable bytes, a line that is
not JSON or lacks the text field, malformed XML: named with its file and line) is yielded
with its ``error`` set, so the run can record it and go on.
"""
import gzip
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Tuple, Union

SUFFIXES = (".txt", ".jsonl", ".xml", ".xml.gz")
PUBTATOR_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")


def is_pubtator(text: str) -> bool:
    """Whether a .txt file's text (or its start) is PubTator: its first line is PMID|t|... ."""
    return bool(PUBTATOR_LINE.match(text.lstrip("\ufeff").split("\n", 1)[0]))


@dataclass
class Item:
    id: str
    text: Optional[str]
    error: Optional[str] = None
    source: str = ""


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
    ``<PubmedArticle>`` of an .xml/.xml.gz file, one for standard input. For a progress bar's
    total; an unreadable file counts what the scan finds."""
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
            elif suffix in (".xml", ".xml.gz"):
                total += _count_token(path, b"<PubmedArticle>")
            else:
                with path.open("rb") as handle:
                    head = handle.read(4096).decode("utf8", "replace")
                total += len(_pubtator_ids(path)) if is_pubtator(head) else 1
        except OSError:
            total += 1
    return total


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _count_token(path: Path, token: bytes) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    count, tail = 0, b""
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            data = tail + block
            count += data.count(token)
            # keep the end in case a token straddles two blocks (not counted twice: a complete
            # token in the tail was counted, and the tail is shorter than the token)
            tail = data[-(len(token) - 1):]
    return count


def _pubtator_ids(path: Path) -> set:
    ids = set()
    with path.open("rb") as handle:
        for line in handle:
            match = PUBTATOR_LINE.match(line.decode("utf8", "replace").strip())
            if match:
                ids.add(match.group(1))
    return ids


def _suffix(path: Path) -> str:
    return ".xml.gz" if path.name.endswith(".xml.gz") else path.suffix


def _read_file(path: Path, doc_id: str, id_field: str, text_field: str) -> Iterator[Item]:
    suffix = _suffix(path)
    if suffix == ".jsonl":
        yield from read_jsonl_file(path, id_field, text_field)
    elif suffix in (".xml", ".xml.gz"):
        yield from read_medline(path)
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
    for line in text.splitlines():
        found = PUBTATOR_LINE.match(line)
        if found:
            pmid, kind, value = found.groups()
            if pmid not in parts:
                parts[pmid] = {}
                order.append(pmid)
            parts[pmid][kind] = value
    for pmid in order:
        title, abstract = parts[pmid].get("t", ""), parts[pmid].get("a", "")
        yield Item(pmid, f"{title}\n{abstract}" if abstract else title, source=source)


def medline_text(article) -> str:
    """Title, a blank line, then the abstract's sections in order (``LABEL: text``)."""
    node = article.find(".//ArticleTitle")
    title = "".join(node.itertext()).strip() if node is not None else ""
    sections = []
    for node in article.findall(".//Abstract/AbstractText"):
        body = "".join(node.itertext()).strip()
        label = node.get("Label")
        if body:
            sections.append(f"{label}: {body}" if label else body)
    return title + ("\n\n" + "\n".join(sections) if sections else "")


def read_medline(path: Path) -> Iterator[Item]:
    """Articles of a MEDLINE/PubMed XML file (``.xml`` or ``.xml.gz``), streamed."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for _, element in ElementTree.iterparse(handle, events=("end",)):
                if element.tag != "PubmedArticle":
                    continue
                pmid = element.findtext(".//MedlineCitation/PMID") or element.findtext(".//PMID")
                if not pmid:
                    yield Item(f"{path}, an article without PMID", None, f"{path}: an article without a PMID", str(path))
                else:
                    yield Item(pmid.strip(), medline_text(element), source=str(path))
                element.clear()
    except ElementTree.ParseError as err:
        line, column = err.position
        where = f"{path}, line {line}"
        yield Item(where, None, f"{path}: malformed XML at line {line}, column {column} ({err}); articles before it were read", str(path))
    except (OSError, EOFError) as err:
        yield Item(str(path), None, f"{path}: cannot read ({err})", str(path))
