"""Input readers: each yields :class:`Item` (id, text, or the reason it could not be read).

Chosen by what the input is: a ``.txt`` file is one document (its path as id), a ``.jsonl``
file one document per line (``{"id": ..., "text": ...}``, field names configurable), a folder
every ``.txt`` and ``.jsonl`` file under it (recursive, sorted), and ``-`` standard input as
one plain-text document. A document that cannot be read (undecodable bytes, a line that is
not JSON or lacks the text field) is yielded with its ``error`` set, so the run can record it
and go on.
"""
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

SUFFIXES = (".txt", ".jsonl")


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
    """Every document of ``inputs``, in order."""
    for given in inputs:
        if str(given) == "-":
            yield Item("stdin", sys.stdin.read(), source="stdin")
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
            for file in files:
                yield from _read_file(file, str(file.relative_to(path)), id_field, text_field)
        elif path.is_file():
            yield from _read_file(path, path.name, id_field, text_field)
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")


def _read_file(path: Path, doc_id: str, id_field: str, text_field: str) -> Iterator[Item]:
    if path.suffix == ".jsonl":
        yield from read_jsonl_file(path, id_field, text_field)
    elif path.suffix == ".txt":
        yield read_text_file(path, doc_id)
    else:
        raise ValueError(f"{path}: unknown input type {path.suffix!r}; expected one of {SUFFIXES} or a folder")
