"""The same extraction on Ray Data, for corpora that outgrow one machine (``spacy-ddi[ray]``).

    import ray
    from spacy_ddi.batch.ray import extract_dataset

    ds = ray.data.read_json("abstracts/*.jsonl")          # or read_parquet
    out = extract_dataset(ds, "en_ddi_mtmg", concurrency=8)
    out.write_parquet("s3://bucket/interactions/")

Each actor loads the pipeline once in its ``__init__`` (a loaded ``nlp`` cannot travel
through Ray's object store), runs its batches with ``runner.pipe_documents`` and builds
records with ``records.doc_record``, as the local runner does, so both give identical records
and fail the same documents. The output has the columns ``id``, ``record`` (the record as JSON, as
one line of ``spacy-ddi extract``'s JSONL) and ``error`` (why a document failed, or null).
"""
import json
import time
from pathlib import Path
from typing import Dict

import numpy

from .readers import files_and_ids, read_file
from .records import doc_record
from .runner import Summary, pipe_documents
from .tables import is_null

READ_ERROR_COLUMN = "read_error"


def file_rows(row: Dict, id_field: str = "id", text_field: str = "text") -> list:
    """The documents of one input file as rows (id, text, read_error): spacy-ddi's readers
    (text, PubTator, JSONL, MEDLINE XML) run inside a Ray task, so a cluster parses the
    files in parallel; the files must be readable where the task runs (a shared file system).
    A file's documents are held together while its task runs (a 30,000-article MEDLINE file:
    some tens of MB)."""
    return [
        {"id": item.id, "text": item.text, READ_ERROR_COLUMN: item.error}
        for item in read_file(row["path"], row["doc_id"], id_field, text_field)
    ]


class PipelineActor:
    """A Ray Data callable class: one loaded pipeline per actor."""

    min_score = 0.0  # interactions scored below this are left out of the records

    def __init__(self, model: str, id_column: str, text_column: str, gpu: bool, torch_threads: int = 0, min_score: float = 0.0):
        import spacy

        if torch_threads:
            import torch

            # as many torch threads as the actor has CPUs: more would fight the other actors
            torch.set_num_threads(torch_threads)
        if gpu:
            spacy.require_gpu(0)
        self.nlp = spacy.load(model)
        self.id_column, self.text_column = id_column, text_column
        self.min_score = min_score

    def __call__(self, batch: Dict[str, numpy.ndarray]) -> Dict[str, list]:
        ids = [str(x) for x in batch[self.id_column]]
        texts = [None if is_null(x) else str(x) for x in batch[self.text_column]]
        # rows from spacy-ddi's own readers say why a document could not be read
        read_errors = [None if is_null(x) else x for x in batch.get(READ_ERROR_COLUMN, [None] * len(ids))]
        records, errors = [None] * len(ids), [None] * len(ids)
        good = [k for k, text in enumerate(texts) if text is not None]
        for k in range(len(ids)):
            if read_errors[k] is not None:
                errors[k] = str(read_errors[k])
            elif texts[k] is None:
                errors[k] = f"{ids[k]}: no text in column {self.text_column!r}"

        def fail(j: int, reason: str) -> None:
            errors[good[j]] = f"{ids[good[j]]}: {reason}"

        for j, doc in pipe_documents(self.nlp, [texts[k] for k in good], fail):
            records[good[j]] = json.dumps(doc_record(ids[good[j]], doc, self.min_score), ensure_ascii=False)
        return {"id": ids, "record": records, "error": errors}


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
):
    """``ds`` (a ``ray.data.Dataset`` with id and text columns) mapped to records, by
    ``concurrency`` actors each holding one pipeline, each reserving ``cpus_per_actor`` CPUs
    (and using as many torch threads, at least one)."""
    from ray.data import ActorPoolStrategy

    return ds.map_batches(
        PipelineActor,
        fn_constructor_kwargs={
            "model": str(model), "id_column": id_column, "text_column": text_column,
            "gpu": gpus_per_actor > 0, "torch_threads": max(1, int(round(cpus_per_actor))),
            "min_score": min_score,
        },
        batch_size=batch_size,
        batch_format="numpy",
        compute=ActorPoolStrategy(size=concurrency),  # "concurrency=" is deprecated since Ray 2.51
        num_gpus=gpus_per_actor,
        num_cpus=cpus_per_actor,
    )


def run(
    model: str,
    inputs,
    output,
    errors,
    *,
    id_column: str = "id",
    text_column: str = "text",
    batch_size: int = 64,
    actors: int = 1,
    gpus_per_actor: float = 0,
    cpus_per_actor: float = 1,
    address=None,
    min_score: float = 0.0,
):
    """``spacy-ddi extract --engine ray``: the inputs through :func:`extract_dataset`, records
    and errors written as the local runner writes them (in input order). Parquet files are
    read with Ray's reader; everything else the local path reads (.txt, PubTator, .jsonl,
    MEDLINE .xml/.xml.gz, folders of them) by spacy-ddi's readers inside Ray tasks (each file
    whole in one task), so both engines see the same documents and the same unreadable ones. Without
    ``address`` (or ``RAY_ADDRESS``) a local Ray is started."""
    import ray

    start = time.perf_counter()
    if any(str(p) == "-" for p in inputs):
        raise ValueError("--engine ray reads files, not standard input")
    parquet = [str(p) for p in inputs if str(p).endswith(".parquet")]
    if parquet and len(parquet) != len(inputs):
        raise ValueError("--engine ray reads Parquet files alone or the other kinds without Parquet, not both in one run")
    for path in parquet:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
    files = [] if parquet else list(files_and_ids(inputs))
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    if parquet:
        ds = ray.data.read_parquet(parquet)
    else:
        ds = ray.data.from_items([{"path": str(p), "doc_id": doc_id} for p, doc_id in files]).flat_map(
            file_rows, fn_kwargs={"id_field": id_column, "text_field": text_column}
        )
        id_column, text_column = "id", "text"
    result = extract_dataset(
        ds, model, id_column=id_column, text_column=text_column, batch_size=batch_size,
        concurrency=actors, gpus_per_actor=gpus_per_actor, cpus_per_actor=cpus_per_actor,
        min_score=min_score,
    )
    summary = Summary()
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf8") as out, open(errors, "w", encoding="utf8") as err_out:
        for row in result.iter_rows():
            if row["error"] is not None:
                summary.fail(row["error"])
                err_out.write(json.dumps({"id": row["id"], "source": "ray", "error": row["error"]}) + "\n")
                continue
            out.write(row["record"] + "\n")
            summary.count(json.loads(row["record"]))
    summary.seconds = time.perf_counter() - start
    return summary
