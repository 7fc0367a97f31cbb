"""A folder of part files: what ``spacy-ddi extract --engine ray -o DIR/`` writes.

Each Ray write task writes its documents' records to one part, ``records-<key>.jsonl`` (the
local path's JSON lines) or ``records-<key>.parquet`` (the same records as nested Parquet
columns), and the documents that failed to ``errors-<key>.jsonl`` (id, source, error). A part
is written under a temporary name (``.tmp-...``) and renamed when complete, so a part that
has its final name is whole; the errors part is renamed before its records part. ``<key>``
is a hash of the ids the task was given, so a task that Ray runs again (a lost node, a
restarted actor) writes the same name and replaces its part rather than adding a second copy.

Resuming reads the ids of the records parts (a JSONL line cut short is dropped and its
document done again), removes leftover temporary files, and drops the errors parts, since
the documents that failed are tried again.
"""
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Sequence, Union

import numpy

from ..records import ERRORS_PREFIX, RECORDS_PREFIX, read_json_lines, read_records, record_parts

# the old spacy_ddi.batch.parts readers: spacy_ddi.records.read_records reads a folder or a part
read_part_records = read_records_file = read_records

TEMPORARY_PREFIX = ".tmp-"
PART_FORMATS = ("jsonl", "parquet")


def part_key(ids: Sequence[str]) -> str:
    """The name of a part from the ids of its documents (in order): the same documents give
    the same name."""
    digest = hashlib.blake2b(digest_size=10)
    for doc_id in ids:
        digest.update(doc_id.encode("utf8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def record_schema():
    """The Parquet types of a record's fields (see ``records.doc_record``): nested columns, so
    ``entities`` and ``interactions`` are lists of structs. A part's schema is this one with
    whatever else its records hold (a reader's ``sections`` or ``passages``) as pyarrow reads
    it from them, so every part gives these fields the same types and no field is lost."""
    import pyarrow as pa

    drug_class = pa.struct([("id", pa.string()), ("name", pa.string()), ("source", pa.string())])
    mention = [
        ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("drug_id", pa.string()),
        ("drug_name", pa.string()), ("class_id", pa.string()), ("class_name", pa.string()),
        ("drug_classes", pa.list_(drug_class)), ("long_form", pa.string()),
    ]
    span = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string())])
    return pa.schema([
        ("id", pa.string()),
        ("schema", pa.int64()),
        ("genre", pa.string()),
        ("text", pa.string()),
        ("tokens", pa.int64()),
        ("entities", pa.list_(pa.struct(mention + [("label", pa.string())]))),
        ("interactions", pa.list_(pa.struct([
            ("subject", pa.struct(mention)), ("object", pa.struct(mention)),
            ("label", pa.string()), ("score", pa.float64()), ("assertion", pa.string()), ("sentence", span),
        ]))),
    ])


def _replace(write, final: Path) -> None:
    """``write(path)`` to a temporary file beside ``final``, then rename it to ``final``."""
    temporary = final.with_name(f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}-{final.name}")
    try:
        write(temporary)
        os.replace(temporary, final)
        _fsync_folder(final.parent)
    finally:
        if temporary.exists():
            temporary.unlink()


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform can open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _write_lines(lines: Iterable[str]):
    def write(path: Path) -> None:
        with path.open("w", encoding="utf8") as handle:
            for line in lines:
                handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    return write


def write_part(folder: Union[str, Path], ids: Sequence[str], records: List[str], errors: List[Dict], part_format: str = "jsonl") -> str:
    """Write one part: ``records`` (JSON lines as ``records.doc_record`` builds them) and
    ``errors`` (id, source, error) of the documents ``ids``; return the part's key. Nothing
    is written for a part without records or errors."""
    folder = Path(folder)
    key = part_key(ids)
    if errors:
        _replace(_write_lines(json.dumps(e, ensure_ascii=False) for e in errors), folder / f"{ERRORS_PREFIX}{key}.jsonl")
    if not records:
        return key
    if part_format == "jsonl":
        _replace(_write_lines(records), folder / f"{RECORDS_PREFIX}{key}.jsonl")
    elif part_format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet

        rows = [json.loads(r) for r in records]
        # the known types first; what pyarrow finds in these records fills in the rest
        schema = pa.unify_schemas([record_schema(), pa.Table.from_pylist(rows).schema], promote_options="permissive")
        table = pa.Table.from_pylist(rows, schema=schema)

        def write(path: Path) -> None:
            with path.open("wb") as handle:
                pyarrow.parquet.write_table(table, handle)
                handle.flush()
                os.fsync(handle.fileno())

        _replace(write, folder / f"{RECORDS_PREFIX}{key}.parquet")
    else:
        raise ValueError(f"a part is {' or '.join(PART_FORMATS)}, not {part_format!r}")
    return key


def error_parts(folder: Union[str, Path]) -> List[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.name.startswith(ERRORS_PREFIX) and p.suffix == ".jsonl")


def part_ids(path: Path) -> List[str]:
    """The document ids of one records part. A JSONL part's last line cut short (a copy
    stopped mid-file) is removed, so its document is done again."""
    if path.suffix == ".parquet":
        import pyarrow.parquet

        try:
            return [str(x) for x in pyarrow.parquet.read_table(path, columns=["id"]).column("id").to_pylist()]
        except Exception as err:  # noqa: BLE001 - name the part whatever pyarrow raises
            raise ValueError(f"{path}: not a readable Parquet part ({err}); remove it to redo its documents") from err
    from .runner import done_ids

    return list(done_ids(path))


def done_ids(folder: Union[str, Path]) -> numpy.ndarray:
    """The ids of every document in ``folder``'s records parts as a sorted array of UTF-8
    bytes (compact, shared by Ray's workers without a copy); look ids up with :func:`is_done`."""
    arrays = [numpy.array([i.encode("utf8", "surrogatepass") for i in part_ids(p)], dtype=bytes) for p in record_parts(folder)]
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return numpy.array([], dtype="S1")
    return numpy.unique(numpy.concatenate(arrays))


def is_done(done: numpy.ndarray, ids: Sequence[str]) -> numpy.ndarray:
    """For each id, whether it is in ``done`` (as :func:`done_ids` returns it)."""
    if not len(done) or not len(ids):
        return numpy.zeros(len(ids), dtype=bool)
    keys = numpy.array([i.encode("utf8", "surrogatepass") for i in ids], dtype=bytes)
    if keys.dtype.itemsize > done.dtype.itemsize:
        # an id longer than every done id is not done; compare at the done ids' width
        fits = numpy.char.str_len(keys) <= done.dtype.itemsize
    else:
        fits = numpy.ones(len(keys), dtype=bool)
    keys = keys.astype(done.dtype)
    where = numpy.minimum(numpy.searchsorted(done, keys), len(done) - 1)
    return fits & (done[where] == keys)


def prepare(folder: Union[str, Path], resume: bool) -> None:
    """Make ``folder`` ready for a run: a fresh run removes the parts of an old one; either
    removes temporary files a killed task left and the errors parts (a resumed run tries the
    failed documents again and records them anew)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder}: --engine ray writes a folder of part files, and this is a file")
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        ours = path.name.startswith(TEMPORARY_PREFIX) or path.name.startswith(ERRORS_PREFIX)
        if not resume:
            ours = ours or path.name.startswith(RECORDS_PREFIX)
        if ours and path.is_file():
            path.unlink()



def read_errors(folder: Union[str, Path]) -> Iterator[Dict]:
    for path in error_parts(folder):
        yield from read_json_lines(path)
