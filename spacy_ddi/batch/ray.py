"""The same extraction on Ray Data, for corpora that outgrow one machine (``spacy-ddi[ray]``).

    import ray
    from spacy_ddi.batch.ray import extract_dataset

    ds = ray.data.read_json("abstracts/*.jsonl")          # or read_parquet
    out = extract_dataset(ds, "en_ddi_mtmg", concurrency=8)
    out.write_parquet("s3://bucket/interactions/")

Each actor loads the pipeline once in its ``__init__`` (a loaded ``nlp`` cannot travel
through Ray's object store) and builds records with the local path's ``doc_record``, so both
give identical records. The output has the columns ``id``, ``record`` (the record as JSON, as
one line of ``spacy-ddi extract``'s JSONL) and ``error`` (why a document failed, or null).
"""
import json
import time
from pathlib import Path
from typing import Dict

import numpy

from .records import doc_record


class PipelineActor:
    """A Ray Data callable class: one loaded pipeline per actor."""

    def __init__(self, model: str, id_column: str, text_column: str, gpu: bool):
        import spacy

        if gpu:
            spacy.require_gpu(0)
        self.nlp = spacy.load(model)
        self.id_column, self.text_column = id_column, text_column

    def __call__(self, batch: Dict[str, numpy.ndarray]) -> Dict[str, list]:
        ids = [str(x) for x in batch[self.id_column]]
        texts = [None if x is None else str(x) for x in batch[self.text_column]]
        records, errors = [None] * len(ids), [None] * len(ids)
        good = [k for k, text in enumerate(texts) if text is not None]
        for k in range(len(ids)):
            if texts[k] is None:
                errors[k] = f"{ids[k]}: no text in column {self.text_column!r}"
        try:
            docs = list(self.nlp.pipe([texts[k] for k in good]))
        except Exception:  # noqa: BLE001 - find the document that raises, keep the rest
            docs = []
            for k in good:
                try:
                    docs.append(self.nlp(texts[k]))
                except Exception as err:  # noqa: BLE001
                    docs.append(None)
                    errors[k] = f"{ids[k]}: the pipeline raised {type(err).__name__}: {err}"
        for k, doc in zip(good, docs):
            if doc is not None:
                records[k] = json.dumps(doc_record(ids[k], doc), ensure_ascii=False)
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
):
    """``ds`` (a ``ray.data.Dataset`` with id and text columns) mapped to records, by
    ``concurrency`` actors each holding one pipeline."""
    return ds.map_batches(
        PipelineActor,
        fn_constructor_kwargs={
            "model": str(model), "id_column": id_column, "text_column": text_column,
            "gpu": gpus_per_actor > 0,
        },
        batch_size=batch_size,
        batch_format="numpy",
        concurrency=concurrency,
        num_gpus=gpus_per_actor,
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
    address=None,
):
    """``spacy-ddi extract --engine ray``: JSONL or Parquet inputs through
    :func:`extract_dataset`, records and errors written as the local runner writes them (in
    input order). Without ``address`` (or ``RAY_ADDRESS``) a local Ray is started."""
    import ray

    from .runner import Summary

    start = time.perf_counter()
    paths = [str(p) for p in inputs]
    suffixes = {Path(p).suffix for p in paths}
    if not suffixes <= {".jsonl", ".parquet"} or len(suffixes) != 1:
        raise ValueError(f"--engine ray reads .jsonl or .parquet files (one kind per run), got {paths}")
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    ds = ray.data.read_json(paths) if suffixes == {".jsonl"} else ray.data.read_parquet(paths)
    result = extract_dataset(
        ds, model, id_column=id_column, text_column=text_column, batch_size=batch_size,
        concurrency=actors, gpus_per_actor=gpus_per_actor,
    )
    summary = Summary()
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf8") as out, open(errors, "w", encoding="utf8") as err_out:
        for row in result.iter_rows():
            if row["error"] is not None:
                summary.failures += 1
                summary.errors.append(row["error"])
                err_out.write(json.dumps({"id": row["id"], "source": "ray", "error": row["error"]}) + "\n")
                continue
            out.write(row["record"] + "\n")
            record = json.loads(row["record"])
            summary.documents += 1
            summary.words += record["tokens"]
            summary.mentions += len(record["entities"])
            summary.interactions += len(record["interactions"])
    summary.seconds = time.perf_counter() - start
    return summary
