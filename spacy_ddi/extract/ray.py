"""The same extraction on Ray Data, for corpora that outgrow one machine (``spacy-ddi[ray]``).

    import ray
    from spacy_ddi.extract.ray import extract_dataset

    ds = ray.data.read_json("abstracts/*.jsonl")          # or read_parquet
    out = extract_dataset(ds, "en_ddi_mtmg", concurrency=8)
    out.write_datasink(parts_datasink("/shared/interactions/"))   # the workers write the parts

Each actor loads the pipeline once in its ``__init__`` (a loaded ``nlp`` cannot travel
through Ray's object store), runs its batches with ``runner.pipe_documents`` and builds
records with ``records.doc_record``, as the local runner does, so both give identical records
and fail the same documents. The output has the columns ``id``, ``record`` (the record as JSON, as
one line of ``spacy-ddi extract``'s JSONL), ``error`` (why a document failed, or null),
``source`` (the file it came from, where known) and ``skipped`` (true for a document a resumed
run had already written). :func:`parts_datasink` writes such rows from the workers as a folder
of part files (see ``spacy_ddi.extract.parts``): the driver holds no records.
"""
import json
import time
from pathlib import Path
from typing import Dict, Iterator

import numpy

from . import parts
from .readers import files_and_ids, read_file
from ..records import record_line
from .runner import Summary, build_records
from .tables import is_null

READ_ERROR_COLUMN = "read_error"
SOURCE_COLUMN = "source"
# what a reader knows of a document beyond its text (sections, passages), as JSON text
FIELDS_COLUMN = "fields"
# error reasons each write task sends back to the driver (for the summary line)
ERRORS_REPORTED = 3


def file_rows(row: Dict, id_field: str = "id", text_field: str = "text") -> Iterator[Dict]:
    """The documents of one input file as rows (id, text, read_error, source, fields):
    spacy-ddi's readers (text, PubTator, JSONL, MEDLINE, JATS and BioC XML, BioC JSON, PMC
    .tar.gz packages) run inside a Ray task, so a cluster parses the files in parallel; the
    files must be readable where the task runs (a shared file system). The rows are yielded
    as the file is read (a tar.gz package member by member)."""
    for item in read_file(row["path"], row["doc_id"], id_field, text_field):
        yield {
            "id": item.id, "text": item.text, READ_ERROR_COLUMN: item.error, SOURCE_COLUMN: item.source,
            FIELDS_COLUMN: json.dumps(item.fields, ensure_ascii=False) if item.fields else None,
        }


class PipelineActor:
    """A Ray Data callable class: one loaded pipeline per actor."""

    min_score = 0.0  # interactions scored below this are left out of the records
    done = None  # the ids a resumed run skips (see __init__)
    gate = None  # extract --only-candidate-sentences: the candidate-sentence gate
    affirmed_only = False  # extract --affirmed-only
    genre = "abstract"  # extract --genre: the genre of documents whose format does not say

    def __init__(self, model: str, id_column: str, text_column: str, gpu: bool, torch_threads: int = 0, min_score: float = 0.0, done=None, gated: bool = False, affirmed_only: bool = False, runtime: str = "torch", genre: str = "abstract"):
        import spacy

        if torch_threads:
            import torch

            # as many torch threads as the actor has CPUs: more would fight the other actors
            torch.set_num_threads(torch_threads)
        if gpu:
            spacy.require_gpu(0)
        self.nlp = spacy.load(model)
        if runtime != "torch":
            from ..onnx import use_onnx

            use_onnx(self.nlp, threads=torch_threads, quantize="int8" if runtime == "onnx-int8" else None)
        self.affirmed_only = affirmed_only
        self.genre = genre
        self.gate = None
        if gated:
            from .gate import gate_for

            self.gate = gate_for(self.nlp)
        self.id_column, self.text_column = id_column, text_column
        self.min_score = min_score
        if done is not None:
            import ray

            # the ids a resumed run skips: one sorted array in the object store, read without a copy
            self.done = ray.get(done[0])

    def __call__(self, batch: Dict[str, numpy.ndarray]) -> Dict[str, list]:
        ids = [str(x) for x in batch[self.id_column]]
        texts = [None if is_null(x) else str(x) for x in batch[self.text_column]]
        # rows from spacy-ddi's own readers say why a document could not be read
        read_errors = [None if is_null(x) else x for x in batch.get(READ_ERROR_COLUMN, [None] * len(ids))]
        sources = ["" if is_null(x) else str(x) for x in batch.get(SOURCE_COLUMN, [""] * len(ids))]
        fields = [None if is_null(x) else json.loads(x) for x in batch.get(FIELDS_COLUMN, [None] * len(ids))]
        skipped = [bool(x) for x in parts.is_done(self.done, ids)] if self.done is not None else [False] * len(ids)
        records, errors = [None] * len(ids), [None] * len(ids)
        good = [k for k, text in enumerate(texts) if text is not None and not skipped[k]]
        for k in range(len(ids)):
            if skipped[k]:
                continue
            # the reason as the local errors file states it
            if read_errors[k] is not None:
                errors[k] = str(read_errors[k])
            elif texts[k] is None:
                errors[k] = f"no text in column {self.text_column!r}"

        def fail(j: int, reason: str) -> None:
            errors[good[j]] = reason

        for j, record in build_records(
            self.nlp, [ids[k] for k in good], [texts[k] for k in good], [fields[k] for k in good], fail,
            min_score=self.min_score, gate=self.gate, affirmed_only=self.affirmed_only, genre=self.genre,
        ):
            records[good[j]] = record_line(record)
        return {"id": ids, "record": records, "error": errors, SOURCE_COLUMN: sources, "skipped": skipped}


def extract_dataset(
    ds,
    model: str,
    *,
    id_column: str = "id",
    text_column: str = "text",
    batch_size: int = 64,
    concurrency: int = 1,
    gpus_per_actor: float = 0,
    cpus_per_actor: float = 1,
    min_score: float = 0.0,
    done=None,
    gated: bool = False,
    affirmed_only: bool = False,
    runtime: str = "torch",
    genre: str = "abstract",
):
    """``ds`` (a ``ray.data.Dataset`` with id and text columns) mapped to records, by
    ``concurrency`` actors each holding one pipeline, each reserving ``cpus_per_actor`` CPUs
    (and using as many torch threads, at least one). ``done``: ids to skip (a sorted bytes
    array, as ``parts.done_ids`` returns it). The actors are restarted where a node is lost
    and their batches retried: Ray Data gives an actor pool ``max_restarts=-1`` and
    ``max_task_retries=-1`` unless told otherwise (passing them to ``map_batches`` is
    deprecated since Ray 2.60), and ``tests/test_extract_parts.py`` kills a node to check it.
    ``gated``: encode only the candidate sentences (``extract --only-candidate-sentences``).
    ``runtime``: "onnx" runs each actor's encoder through ONNX Runtime (``extract --runtime``).
    ``genre``: the genre of documents whose format does not give one (``extract --genre``)."""
    import ray
    from ray.data import ActorPoolStrategy

    return ds.map_batches(
        PipelineActor,
        fn_constructor_kwargs={
            "model": str(model), "id_column": id_column, "text_column": text_column,
            "gpu": gpus_per_actor > 0, "torch_threads": max(1, int(round(cpus_per_actor))),
            "min_score": min_score,
            "gated": gated,
            "affirmed_only": affirmed_only,
            "runtime": runtime,
            "genre": genre,
            # in a list, so the reference reaches the actor as is (one copy in the object store)
            "done": [ray.put(done)] if done is not None and len(done) else None,
        },
        batch_size=batch_size,
        batch_format="numpy",
        compute=ActorPoolStrategy(size=concurrency),  # "concurrency=" is deprecated since Ray 2.51
        num_gpus=gpus_per_actor,
        num_cpus=cpus_per_actor,
    )


def parts_datasink(folder, part_format: str = "jsonl"):
    """A Ray Data ``Datasink`` that writes :func:`extract_dataset`'s rows as part files in
    ``folder`` (see ``spacy_ddi.extract.parts``), from the workers: one records part and one
    errors part per write task, each under a temporary name then renamed, named by a hash of
    its documents' ids (a retried task replaces its part). ``summary`` holds the counts once
    the write is complete."""
    from ray.data import Datasink
    from ray.data.block import BlockAccessor

    class PartsDatasink(Datasink):
        def __init__(self):
            self.folder, self.part_format = str(folder), part_format
            self.summary = Summary()

        def write(self, blocks, ctx) -> Dict:
            ids, records, errors = [], [], []
            counts = Summary()
            for block in blocks:
                for row in BlockAccessor.for_block(block).iter_rows(public_row_format=True):
                    if row.get("skipped"):
                        counts.skipped += 1
                        continue
                    ids.append(str(row["id"]))
                    error = row.get("error")
                    if error is not None and not is_null(error):
                        doc_id, error = str(row["id"]), str(error)
                        # the summary names the document, as the local runner's does
                        counts.fail(error if error.startswith(doc_id) else f"{doc_id}: {error}")
                        errors.append({"id": doc_id, "source": row.get(SOURCE_COLUMN) or "", "error": error})
                    else:
                        records.append(row["record"])
                        counts.count(json.loads(row["record"]))
            if ids:
                parts.write_part(self.folder, ids, records, errors, self.part_format)
            return {
                "documents": counts.documents, "skipped": counts.skipped, "words": counts.words,
                "mentions": counts.mentions, "interactions": counts.interactions,
                "failures": counts.failures, "errors": counts.errors[:ERRORS_REPORTED],
            }

        def on_write_complete(self, write_result) -> None:
            for stats in write_result.write_returns:
                for name in ("documents", "skipped", "words", "mentions", "interactions", "failures"):
                    setattr(self.summary, name, getattr(self.summary, name) + stats[name])
                self.summary.errors.extend(stats["errors"])

        def get_name(self) -> str:
            return "SpacyDDIParts"

    return PartsDatasink()


def run(model: str, inputs, output, options=None):
    """``spacy-ddi extract --engine ray``: the inputs through :func:`extract_dataset`, the
    records and errors written by the workers as part files in the folder ``output`` (see
    ``spacy_ddi.extract.parts``), at most about ``options.flush_every`` documents a part (so a
    lost worker or a killed run loses at most that much per actor). ``options.resume`` keeps
    the parts already written and skips their documents; ``options.quiet`` turns Ray Data's
    progress bars and execution log off. Parquet files are read with Ray's reader; everything
    else the local path reads (.txt, PubTator, .jsonl, MEDLINE .xml/.xml.gz, folders of them)
    by spacy-ddi's readers inside Ray tasks (each file whole in one task), so both engines see
    the same documents and the same unreadable ones. Without ``options.address`` (or
    ``RAY_ADDRESS``) a local Ray is started."""
    from .options import ExtractOptions

    options = options or ExtractOptions()
    id_column, text_column = options.id_field, options.text_field
    batch_size, part_format, part_size = options.batch_size or 64, options.part_format, options.flush_every
    import ray

    start = time.perf_counter()
    if part_format not in parts.PART_FORMATS:
        raise ValueError(f"--format is {' or '.join(parts.PART_FORMATS)}, not {part_format!r}")
    if part_size < 1:
        raise ValueError(f"--flush-every is 1 or more, not {part_size}")
    if any(str(p) == "-" for p in inputs):
        raise ValueError("--engine ray reads files, not standard input")
    parquet = [str(p) for p in inputs if str(p).endswith(".parquet")]
    if parquet and len(parquet) != len(inputs):
        raise ValueError("--engine ray reads Parquet files alone or the other kinds without Parquet, not both in one run")
    for path in parquet:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
    files = [] if parquet else list(files_and_ids(inputs))
    output = Path(output)
    if options.resume:
        from ..records import check_same_gate

        check_same_gate(output, options.only_candidate_sentences)
    parts.prepare(output, options.resume)
    done = parts.done_ids(output) if options.resume else None
    if not ray.is_initialized():
        ray.init(address=options.address, ignore_reinit_error=True, log_to_driver=False)
    if options.quiet:
        quiet_ray_data()
    if parquet:
        ds = ray.data.read_parquet(parquet)
    else:
        ds = ray.data.from_items([{"path": str(p), "doc_id": doc_id} for p, doc_id in files]).flat_map(
            file_rows, fn_kwargs={"id_field": id_column, "text_field": text_column}
        )
        id_column, text_column = "id", "text"
    # blocks of at most part_size documents: a part is what one actor task wrote
    ds = ds.repartition(target_num_rows_per_block=part_size)
    result = extract_dataset(
        ds, model, id_column=id_column, text_column=text_column, batch_size=batch_size,
        concurrency=options.actors, gpus_per_actor=options.gpus_per_actor, cpus_per_actor=options.cpus_per_actor,
        min_score=options.min_score, done=done, gated=options.only_candidate_sentences,
        affirmed_only=options.affirmed_only, runtime=options.runtime, genre=options.genre,
    )
    sink = parts_datasink(output, part_format)
    result.write_datasink(sink)
    summary = sink.summary
    summary.seconds = time.perf_counter() - start
    return summary


def quiet_ray_data() -> None:
    """No progress bars and no execution log from Ray Data in this driver (``extract -q``)."""
    import logging

    import ray

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    if hasattr(context, "print_on_execution_start"):
        context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
