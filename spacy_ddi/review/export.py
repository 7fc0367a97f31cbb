"""The reviewed documents, written out: as JSONL records (the input's format, each entity and
interaction with its review status) or as a DocBin of training sentences (the format of
``spacy-ddi convert``)."""
import json
import os
from pathlib import Path
from typing import Dict, Iterator, Tuple

from .log import ReviewError
from .store import DocState, ReviewStore

EXPORT_SUFFIXES = (".jsonl", ".spacy")


def reviewed_record(record: Dict, state: DocState) -> Dict:
    """One input record with the decisions applied, each entity and interaction with its
    review ``status``.

    entities: start, end, text, label, drug_id, drug_name, status: "model" (as the model found
    it), "changed" (span or label fixed; the DrugBank link is dropped when the span changed),
    "added", or "rejected" (removed by the curator: not a drug mention). interactions: subject,
    object (start, end, text, drug_id, drug_name), label (after review; FALSE when rejected),
    model_label (None for one the curator added), score (the model's; None for an added one),
    sentence, status: "pending" (no decision yet), "accepted", "relabelled", "rejected" or
    "added"; the interactions of a rejected entity are left out. decisions: how many decisions
    the document had. The input's other fields are kept, but ``tokens`` (mention changes can
    make it stale). ``spacy-ddi convert`` reads these records (and leaves out what is rejected).
    """
    out = {k: v for k, v in record.items() if k not in ("entities", "interactions", "tokens")}
    entities = state.entities + state.removed_entities
    out["entities"] = [
        {**{k: v for k, v in ent.items() if k != "review"}, "status": ent["review"]}
        for ent in sorted(entities, key=lambda e: (e["start"], e["end"]))
    ]
    out["interactions"] = [
        {**{key: ddi[key] for key in ("subject", "object", "label", "model_label", "score", "sentence")}, "status": ddi["review"]}
        for ddi in sorted(
            state.interactions,
            key=lambda d: (d["subject"]["start"], d["object"]["start"], d["subject"]["end"], d["object"]["end"]),
        )
    ]
    out["decisions"] = state.decisions
    return out


def reviewed_records(store: ReviewStore, reviewed_only: bool = False) -> Iterator[Tuple[int, Dict, DocState]]:
    """(input line, input record, state) of each document (with a decision, if ``reviewed_only``)."""
    for i, (record, state, touched) in enumerate(store.documents()):
        if reviewed_only and not touched:
            continue
        yield store.index.line_numbers[i], record, state


def export(store: ReviewStore, path: Path, reviewed_only: bool = False) -> str:
    """Write the reviewed documents to ``path`` (.jsonl records or a .spacy DocBin) and
    return a summary of what was written. The file is written whole, then moved into place."""
    path = Path(path)
    if path.suffix not in EXPORT_SUFFIXES:
        raise ReviewError(f"{path}: the export is .jsonl (reviewed records) or .spacy (training sentences)")
    if path.resolve() in (store.input_path.resolve(), store.log_path.resolve()):
        raise ReviewError(f"{path} is the review's input or its log: export to another file")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    from ..corpus import CorpusError

    try:
        if path.suffix == ".jsonl":
            summary = _export_jsonl(store, partial, reviewed_only)
        else:
            summary = _export_docbin(store, partial, reviewed_only)
        with open(partial, "rb+") as handle:  # on disk before it takes the final name
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except CorpusError as err:
        raise ReviewError(str(err)) from None
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _export_jsonl(store: ReviewStore, path: Path, reviewed_only: bool) -> str:
    n_docs = n_pending = n_reviewed = 0
    with open(path, "w", encoding="utf8") as f:
        for _, record, state in reviewed_records(store, reviewed_only):
            out = reviewed_record(record, state)
            f.write(json.dumps(out, ensure_ascii=False) + "\n")
            n_docs += 1
            for ddi in out["interactions"]:
                if ddi["status"] == "pending":
                    n_pending += 1
                else:
                    n_reviewed += 1
    return f"{n_docs} documents ({n_reviewed} interactions reviewed or added, {n_pending} pending)"


def _export_docbin(store: ReviewStore, path: Path, reviewed_only: bool) -> str:
    from spacy.tokens import DocBin

    from ..corpus.annotated import ImportReport, annotated_docs, import_nlp

    nlp = import_nlp()
    report = ImportReport()
    docbin = DocBin(store_user_data=True)
    pending = 0
    for line, record, state in reviewed_records(store, reviewed_only):
        entities = [(e["start"], e["end"], e["label"]) for e in state.entities]
        index = {(s, e): k for k, (s, e, _) in enumerate(entities)}
        interactions = []
        for ddi in state.interactions:
            a = index.get((ddi["subject"]["start"], ddi["subject"]["end"]))
            b = index.get((ddi["object"]["start"], ddi["object"]["end"]))
            if a is not None and b is not None:
                interactions.append((a, b, ddi["label"]))
            pending += ddi["review"] == "pending"
        source = record.get("source") if isinstance(record.get("source"), str) else None
        docs = annotated_docs(
            nlp, state.text, entities, interactions, state.id, source=source,
            where=f"{store.input_path} line {line} (id {state.id})", report=report,
        )
        for doc in docs:
            docbin.add(doc)
    docbin.to_disk(path)
    note = f"{pending} interactions still pending, kept with the model's label\n" if pending else ""
    return note + report.summary()
