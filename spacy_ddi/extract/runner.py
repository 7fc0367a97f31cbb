"""The local runner: a pipeline over readers' items, records written as JSON lines.

Documents go through the pipeline in chunks of at most ``flush_every`` documents, sized
to take about ``flush_seconds`` at the speed measured so far; after each chunk the output
is flushed to disk and the progress bar moves, so an interrupted run loses at most one
chunk. ``resume`` skips the ids already in the output. A document that cannot be read, or
that makes the pipeline raise, goes to the errors file (JSON lines: id, source, error) and
the run goes on.
"""
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc

from .readers import Item
from ..counts import Counts
from ..extensions import install_extensions
from ..records import check_same_gate, doc_record, gated_record, record_line


@dataclass
class Summary(Counts):
    """What one extraction run did: its totals, and the reasons of the documents that failed."""

    documents: int = 0
    skipped: int = 0
    words: int = 0
    mentions: int = 0
    interactions: int = 0
    failures: int = 0
    seconds: float = 0.0
    errors: List[str] = field(default_factory=list)

    def count(self, record: Dict) -> None:
        """Count one document's record (as :func:`doc_record` builds it)."""
        self.documents += 1
        self.words += record["tokens"]
        self.mentions += len(record["entities"])
        self.interactions += len(record["interactions"])

    def fail(self, reason: str) -> None:
        self.failures += 1
        self.errors.append(reason)

    def line(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0.0
        return (
            f"{self.documents} documents, {self.words} words, {self.mentions} mentions, "
            f"{self.interactions} interactions, {self.failures} failed, {self.skipped} skipped "
            f"as already done; {self.seconds:.1f} s ({rate:.0f} words/s)"
        )


def _cut_partial_line(path: Path, block: int = 1 << 16) -> None:
    """Remove a last line that has no newline (cut by an interruption), reading the file
    backwards from its end in blocks rather than whole."""
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        end = size
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            newline = handle.read(end - start).rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return
            end = start
        handle.truncate(0)


def done_ids(output: Path) -> Set[str]:
    """Ids already in a JSONL output; a last line cut by an interruption is removed (its
    document is done again)."""
    ids = set()
    if output.exists():
        _cut_partial_line(output)
        with output.open(encoding="utf8") as handle:
            for line in handle:
                try:
                    ids.add(str(json.loads(line)["id"]))
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
    return ids


# the defaults of --flush-every and --flush-seconds: chunks of a few hundred abstracts cost no
# measurable speed, chunks of about 100 or fewer do (docs/scale.md)
FLUSH_EVERY = 1000
FLUSH_SECONDS = 60.0
# the first chunk is small, so the progress bar and the file move soon after the start
FIRST_CHUNK = 16


def _chunks(items: Iterable[Item], sizes: Callable[[], int]) -> Iterator[List[Item]]:
    """``items`` in chunks of ``sizes()`` items (asked again for each chunk)."""
    batch: List[Item] = []
    size = sizes()
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
            size = sizes()
    if batch:
        yield batch


def extract(
    nlp,
    items: Iterable[Item],
    output: Path,
    errors: Optional[Path] = None,
    batch_size: int = 64,
    n_process: int = 1,
    resume: bool = False,
    progress: bool = False,
    total: Optional[int] = None,
    min_score: float = 0.0,
    flush_every: int = FLUSH_EVERY,
    flush_seconds: float = FLUSH_SECONDS,
    gate=None,
    affirmed_only: bool = False,
    genre: str = "abstract",
) -> Summary:
    """Run ``nlp`` over ``items`` and append one record per document to ``output``, flushed
    to disk at least every ``flush_every`` documents and about every ``flush_seconds``
    (``batch_size``: nlp.pipe's batch within a chunk)."""
    if flush_every < 1 or flush_seconds <= 0:
        raise ValueError(f"--flush-every is 1 or more and --flush-seconds more than 0, not {flush_every} and {flush_seconds}")
    summary = Summary()
    start = time.perf_counter()
    errors = errors or output.with_name(output.name + ".errors.jsonl")
    skip = done_ids(output) if resume else set()
    # a fresh run: neither its records nor its errors mix with an old run's; a resumed run
    # keeps the records and tries the failed documents again, so their old errors go
    for path in (errors,) if resume else (output, errors):
        if path.exists():
            path.unlink()
    output.parent.mkdir(parents=True, exist_ok=True)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)
    with output.open("a", encoding="utf8") as out, errors.open("a", encoding="utf8") as err_out:

        def fail(item: Item, reason: str) -> None:
            summary.fail(reason if reason.startswith(item.id) else f"{item.id}: {reason}")
            err_out.write(json.dumps({"id": item.id, "source": item.source, "error": reason}) + "\n")

        rate = None  # documents per second, measured on the chunks so far

        def chunk_size() -> int:
            if rate is None:
                return min(flush_every, FIRST_CHUNK)
            return max(1, int(min(flush_every, rate * flush_seconds)))

        for batch in _chunks(items, chunk_size):
            started = time.perf_counter()
            todo = []
            for item in batch:
                if item.id in skip:
                    summary.skipped += 1
                elif item.error is not None:
                    fail(item, item.error)
                else:
                    todo.append(item)
            for k, record in build_records(
                nlp, [item.id for item in todo], [item.text for item in todo], [item.fields for item in todo],
                lambda k, reason: fail(todo[k], reason), min_score=min_score, gate=gate, affirmed_only=affirmed_only,
                genre=genre, batch_size=batch_size, n_process=n_process,
            ):
                out.write(record_line(record) + "\n")
                summary.count(record)
            for handle in (out, err_out):
                handle.flush()
                os.fsync(handle.fileno())
            if todo:
                rate = len(todo) / max(time.perf_counter() - started, 1e-6)
            if bar is not None:
                bar.update(len(batch))
                elapsed = time.perf_counter() - start
                bar.set_postfix_str(f"{summary.words / elapsed:.0f} words/s, {summary.failures} failed")
    if bar is not None:
        bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


def build_records(
    nlp, ids: Sequence[str], texts: Sequence[str], fields: Sequence[Optional[Dict]], fail: Callable[[int, str], None],
    min_score: float = 0.0, gate=None, affirmed_only: bool = False, genre: str = "abstract", **pipe_kwargs,
) -> Iterator[Tuple[int, Dict]]:
    """The one way every engine turns a batch into records: ``(k, record)`` for each text the
    pipeline handles (``fail(k, reason)`` for one it cannot). Without ``gate`` every text goes
    through the pipeline whole; with a :class:`~spacy_ddi.extract.gate.CandidateGate` only the
    sentences it passes do, each on its own (a sentence gets the same result alone or inside its
    document), and the record says which sentences were not encoded. Each document's genre
    (what its scores are calibrated for) is the one its reader put in its fields (MEDLINE,
    PubTator, JATS, BioC), else ``genre`` (``extract --genre``)."""
    genres = [(f or {}).get("genre") or genre for f in fields]
    if gate is None:
        for k, doc in pipe_documents(nlp, list(texts), fail, genres=genres, **pipe_kwargs):
            yield k, doc_record(ids[k], doc, min_score, fields[k], affirmed_only=affirmed_only)
        return
    splitter = nlp.get_pipe("ddi_sentences") if "ddi_sentences" in nlp.pipe_names else None
    plans: List[Optional[Tuple[int, List[Tuple[int, int]]]]] = []
    sentence_texts: List[str] = []
    owners: List[Tuple[int, int]] = []  # (document, start character) of each sentence text
    for k, text in enumerate(texts):
        try:
            doc = nlp.make_doc(text)
            doc = splitter(doc) if splitter is not None else doc
            skipped = []
            for sent, keep in gate.sentences(doc):
                if keep:
                    sentence_texts.append(sent.text)
                    owners.append((k, sent.start_char))
                else:
                    skipped.append((sent.start_char, sent.end_char))
            plans.append((len(doc), skipped))
        except Exception as err:  # noqa: BLE001 - one bad document must not stop the run
            fail(k, f"the candidate-sentence gate raised {type(err).__name__}: {err}")
            plans.append(None)
    done: Dict[int, List[Tuple[int, Doc]]] = {k: [] for k, plan in enumerate(plans) if plan is not None}
    failed: Set[int] = set()

    def sentence_failed(j: int, reason: str) -> None:
        k = owners[j][0]
        if k not in failed:
            failed.add(k)
            fail(k, reason)

    sentence_genres = [genres[k] for k, _ in owners]
    for j, doc in pipe_documents(nlp, sentence_texts, sentence_failed, genres=sentence_genres, **pipe_kwargs):
        k, start = owners[j]
        done[k].append((start, doc))
    for k, plan in enumerate(plans):
        if plan is None or k in failed:
            continue
        tokens, skipped = plan
        yield k, gated_record(ids[k], texts[k], tokens, done[k], skipped, min_score, fields[k], affirmed_only=affirmed_only, genre=genres[k])


def pipe_documents(
    nlp, texts: Sequence[str], fail: Callable[[int, str], None], genres: Optional[Sequence[str]] = None, **pipe_kwargs,
) -> Iterator[Tuple[int, Doc]]:
    """The one way every engine runs a batch: ``(k, doc)`` for each text the pipeline handles,
    ``k`` its position in ``texts``, with ``doc._.genre`` set from ``genres`` (one per text)
    before the pipeline runs. The batch goes through ``nlp.pipe``; if that raises, it is redone
    one document at a time, and a document that raises is reported by ``fail(k, reason)`` and
    left out, so one bad document does not lose the batch."""
    if not texts:
        return
    inputs: List = list(texts)
    if genres is not None:
        install_extensions()
        for k, text in enumerate(texts):
            try:
                doc = nlp.make_doc(text)
            except Exception:  # noqa: BLE001 - the pipeline's own call below reports it
                continue
            doc._.genre = genres[k]
            inputs[k] = doc
    try:
        docs = list(nlp.pipe(inputs, **pipe_kwargs))
    except Exception:  # noqa: BLE001 - one bad document must not stop the run
        for k, text in enumerate(texts):
            try:
                # from the text again: the failed batch may have annotated its docs in part
                item = text
                if isinstance(inputs[k], Doc):  # made before, so make_doc works: a fresh one
                    item = nlp.make_doc(text)
                    item._.genre = genres[k]
                doc = nlp(item)
            except Exception as err:  # noqa: BLE001
                fail(k, f"the pipeline raised {type(err).__name__}: {err}")
                continue
            yield k, doc
        return
    yield from enumerate(docs)


@dataclass
class LocalRun:
    """What :func:`run` did: the summary, where the records and failures went, and the table's
    row count where a table was written."""

    summary: Summary
    records: Path
    errors: Path
    table_rows: Optional[int] = None


def run(model, inputs: Sequence, output: Path, options=None) -> LocalRun:
    """``spacy-ddi extract --engine local``: the inputs through the pipeline ``model`` (a
    name, a folder or a loaded ``Language``), one record per document to ``output`` (.jsonl),
    or a .csv/.parquet table written at the end from the records kept beside it
    (OUTPUT.records.jsonl). Raises ValueError or FileNotFoundError on a usage error (a folder
    as output, a missing input), before the model loads or a document is read."""
    import spacy

    from .options import ExtractOptions
    from .readers import count_listed, files_and_ids, read_listed
    from .tables import TABLE_SUFFIXES, write_table
    from ..records import read_records

    options = options or ExtractOptions()
    output = Path(output)
    if output.is_dir():
        raise ValueError(f"{output}: a folder; --engine local writes one file (.jsonl, .csv or .parquet)")
    table = output.suffix in TABLE_SUFFIXES
    # a table is written at the end from the per-document records, kept (resumable) beside it
    records = output.with_name(output.name + ".records.jsonl") if table else output
    if options.resume:
        check_same_gate(records, options.only_candidate_sentences)
    errors = options.errors or output.with_name(output.name + ".errors.jsonl")
    progress = not options.quiet and sys.stderr.isatty()
    # a missing path or unknown type fails here, before the model loads or any document is
    # read; the documents are then read as a stream (a progress bar's total comes from a fast
    # scan that parses nothing)
    files = list(files_and_ids(inputs))  # listed once (a folder may hold many files)
    total = count_listed(path for path, _ in files) if progress else None
    if isinstance(model, (str, Path)):
        if options.gpu_id >= 0:
            spacy.require_gpu(options.gpu_id)
        try:
            nlp = spacy.load(model)
        except OSError as err:
            raise ValueError(f"cannot load the model {str(model)!r}: {err}") from err
    else:
        nlp = model
    if options.runtime != "torch":
        from ..onnx import use_onnx

        try:
            use_onnx(nlp, quantize="int8" if options.runtime == "onnx-int8" else None)
        except (RuntimeError, ValueError) as err:
            name = repr(str(model)) if isinstance(model, (str, Path)) else "the pipeline"
            raise ValueError(f"cannot run the encoder of {name} on ONNX Runtime: {err}") from err
    gate = None
    if options.only_candidate_sentences:
        from .gate import gate_for

        gate = gate_for(nlp)
    summary = extract(
        nlp, read_listed(files, id_field=options.id_field, text_field=options.text_field), records,
        errors=errors, batch_size=options.batch_size or nlp.batch_size, n_process=options.n_process,
        resume=options.resume, progress=progress, total=total, min_score=options.min_score,
        flush_every=options.flush_every, flush_seconds=options.flush_seconds, gate=gate,
        affirmed_only=options.affirmed_only, genre=options.genre,
    )
    done = LocalRun(summary, records, errors)
    if table:
        done.table_rows = write_table(read_records(records), output, mentions=options.mentions)
    return done
