"""Thinc model of dstc_relations: encoder -> sentences -> one row per (sentence, specified drug)."""
from functools import partial
from typing import List, Optional, Sequence, Tuple

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

from ..extensions import ENTITY_LABELS
from ..layers.segments import doc_segments, pad_segments, pad_some
from ..layers.torch_head import build_torch_head, encode, first_docs
from .pytorch_dstc import TorchDSTC

DrugSpans = List[Tuple[int, ...]]  # (start, end) or, with entity types, (start, end, type id)
# type ids: 0 outside every drug, 1-4 the corpus' labels, 5 any other label
N_ENTITY_TYPES = len(ENTITY_LABELS) + 2


def entity_type_id(label) -> int:
    return ENTITY_LABELS.index(label) + 1 if label in ENTITY_LABELS else len(ENTITY_LABELS) + 1


@registry.architectures("spacy-ddi.DSTCModel.v1")
def build_dstc_model(
    tok2vec: Model[List[Doc], List],
    hidden_width: int = 256,
    dropout: float = 0.1,
    max_length: Optional[int] = None,
    max_rows_tokens: int = 16384,
    relative_positions: int = 0,
    context_pooling: bool = False,
    entity_types: bool = False,
    nO: Optional[int] = None,
) -> Model:
    """Drug-specified token classification with conditional layer norm and a biaffine scorer.

    Input: (docs, specified drugs per doc as (start, end) token spans).
    Output: (segments, rows, scores): rows is an (P, 3) int array of (segment index,
    drug start, drug end) relative to the segment; scores is (P, T, nO) in training, and at
    prediction a list of one (T_segment, nO) numpy array per row.
    max_length: ignored (sentences are never cut); accepted so pipelines saved with it load.
    max_rows_tokens: at prediction time, rows
    are scored in chunks of at most this many padded (row, token) cells, so memory stays
    bounded (16384: about 17 MB per hidden-width tensor of the chunk).
    relative_positions, context_pooling: optional additions to the paper's scorer (see
    :class:`TorchDSTC`); 0 / false give the paper's model. entity_types: also add learned
    embeddings of the specified drug's entity type and of each token's (the type of the drug
    it is part of, if any) to the conditioned token vectors; the drugs then come with their
    type ids (the component adds them).
    """

    return build_torch_head(
        "dstc",
        tok2vec,
        dstc_forward,
        partial(
            make_dstc_module,
            hidden_width=hidden_width,
            dropout=dropout,
            relative_positions=relative_positions,
            context_pooling=context_pooling,
            entity_types=entity_types,
        ),
        docs_of=first_docs,
        dims={"nO": nO},
        attrs={"max_rows_tokens": max_rows_tokens, "entity_types": entity_types},
    )


def make_dstc_module(
    model: Model, *, hidden_width: int, dropout: float, relative_positions: int = 0,
    context_pooling: bool = False, entity_types: bool = False,
) -> TorchDSTC:
    return TorchDSTC(
        model.get_dim("nI"), hidden_width, model.get_dim("nO"), dropout,
        relative_positions=relative_positions, context_pooling=context_pooling,
        n_entity_types=N_ENTITY_TYPES if entity_types else 0,
    )


def specified_drug_rows(segments, drugs: Sequence[DrugSpans]) -> numpy.ndarray:
    """One row (segment, start, end) per drug lying wholly inside a segment."""
    rows = []
    for s, (i, start, end) in enumerate(segments):
        for drug in drugs[i]:
            d_start, d_end = drug[0], drug[1]
            if start <= d_start and d_end <= end:
                rows.append((s, d_start - start, d_end - start))
    return numpy.asarray(rows, dtype="int64").reshape((-1, 3))


def token_types(segments, drugs: Sequence[DrugSpans], index=None) -> numpy.ndarray:
    """(S, T) type id of each token of the segments ``index`` (all by default): that of the
    drug it is part of, 0 elsewhere and in the padding; drugs as (start, end, type id)."""
    index = range(len(segments)) if index is None else index
    chosen = [segments[k] for k in index]
    width = max((end - start for _, start, end in chosen), default=0)
    tokens = numpy.zeros((len(chosen), width), dtype="int64")
    for s, (i, start, end) in enumerate(chosen):
        for d_start, d_end, type_id in drugs[i]:
            if start <= d_start and d_end <= end:
                tokens[s, d_start - start : d_end - start] = type_id
    return tokens


def row_types(segments, drugs: Sequence[DrugSpans], rows: numpy.ndarray) -> numpy.ndarray:
    """The type id of each row's drug."""
    out = numpy.zeros((len(rows),), dtype="int64")
    for r, (s, d_start, d_end) in enumerate(rows):
        i, start, _ = segments[s]
        for drug in drugs[i]:
            if drug[0] == start + d_start and drug[1] == start + d_end:
                out[r] = drug[2]
                break
    return out


def _row_chunks(rows: numpy.ndarray, segments, budget: int) -> List[numpy.ndarray]:
    """Split row indices into chunks of at most ``budget`` padded cells (rows x the chunk's
    longest segment) each, taking segments shortest first so a chunk pads little; the rows of
    a segment too big for one chunk are split over several (rows are independent), down to
    one row per chunk."""
    chunks, current, n_rows = [], [], 0
    seg_len = numpy.asarray([end - start for _, start, end in segments])
    with_rows = numpy.unique(rows[:, 0])
    for seg in with_rows[numpy.argsort(seg_len[with_rows], kind="stable")]:
        idx = numpy.nonzero(rows[:, 0] == seg)[0]
        per_chunk = max(1, budget // max(1, int(seg_len[seg])))
        for begin in range(0, len(idx), per_chunk):
            part = idx[begin : begin + per_chunk]
            # segments come shortest first, so this one is the longest of the chunk so far
            if current and (n_rows + len(part)) * seg_len[seg] > budget:
                chunks.append(numpy.concatenate(current))
                current, n_rows = [], 0
            current.append(part)
            n_rows += len(part)
    if current:
        chunks.append(numpy.concatenate(current))
    return chunks


def _drug_tokens(rows: numpy.ndarray) -> dict:
    """segment -> the sorted token positions (in the segment) of all its specified drugs."""
    tokens: dict = {}
    for seg, start, end in rows:
        tokens.setdefault(int(seg), set()).update(range(int(start), int(end)))
    return {seg: numpy.asarray(sorted(t), dtype="int64") for seg, t in tokens.items()}


def _padded(positions: List[numpy.ndarray]) -> numpy.ndarray:
    """(rows, K) positions, each row padded by repeating its first position (scored, unread)."""
    out = numpy.zeros((len(positions), max(len(p) for p in positions)), dtype="int64")
    for k, p in enumerate(positions):
        out[k] = p[0]
        out[k, : len(p)] = p
    return out


def dstc_forward(model: Model, inputs, is_train: bool):
    """Training: (segments, rows, scores (P, T, nO)). Prediction: (segments, rows, scores), a
    list with one (T_segment, nO) array per row, computed in chunks of rows so memory stays
    bounded, and only at the tokens of the segment's drugs (the only ones extraction reads;
    the other tokens' scores are 0)."""
    docs, drugs = inputs
    ops = model.ops
    n_labels = model.get_dim("nO")
    tokvecs, bp_tokvecs = encode(model, docs, is_train)
    segments = doc_segments(docs)
    rows = specified_drug_rows(segments, drugs)
    typed = bool(model.attrs.get("entity_types"))
    if typed and any(len(drug) < 3 for doc_drugs in drugs for drug in doc_drugs):
        raise ValueError("DSTCModel.v1 with entity_types reads drugs as (start, end, type id)")
    types = row_types(segments, drugs, rows) if typed else None
    if not is_train:
        # extraction reads a row's scores only at the drugs' tokens: score only those
        drug_tokens = _drug_tokens(rows)
        scores: List = [None] * len(rows)
        for chunk in _row_chunks(rows, segments, model.attrs["max_rows_tokens"]) if len(rows) else []:
            chunk_segments, local = numpy.unique(rows[chunk, 0], return_inverse=True)
            positions = _padded([drug_tokens[seg] for seg in rows[chunk, 0]])
            args = (
                pad_some(ops, tokvecs, segments, chunk_segments, model.get_dim("nI")),
                ops.asarray(local.reshape(-1).astype("int64")),
                ops.asarray(rows[chunk, 1]),
                ops.asarray(rows[chunk, 2]),
                ops.asarray(positions),
            )
            if typed:
                args += (ops.asarray(token_types(segments, drugs, chunk_segments)), ops.asarray(types[chunk]))
            part = model.get_ref("torch").predict(args)
            part = ops.to_numpy(part)  # one device-to-host copy per chunk, for extraction
            for k, r in enumerate(chunk):
                seg = rows[r, 0]
                _, start, end = segments[seg]
                row_scores = numpy.zeros((end - start, n_labels), dtype=part.dtype)
                row_scores[drug_tokens[seg]] = part[k, : len(drug_tokens[seg])]
                scores[r] = row_scores
        return (segments, rows, scores), lambda d: []
    X, bp_pad = pad_segments(ops, tokvecs, segments, model.get_dim("nI"))
    if len(rows) == 0:
        scores = ops.alloc3f(0, X.shape[1], n_labels)

        def backprop(d_scores):
            return bp_tokvecs(bp_pad(ops.alloc3f(*X.shape)))

        return (segments, rows, scores), backprop
    args = (X, ops.asarray(rows[:, 0]), ops.asarray(rows[:, 1]), ops.asarray(rows[:, 2]))
    if typed:
        # every token of each row (the positions of the full computation), then the types
        all_positions = numpy.arange(X.shape[1], dtype="int64").reshape((1, -1))
        args += (ops.asarray(all_positions), ops.asarray(token_types(segments, drugs)), ops.asarray(types))
    scores, bp_scores = model.get_ref("torch")(args, is_train)

    def backprop(d_scores):
        return bp_tokvecs(bp_pad(bp_scores(d_scores)))

    return (segments, rows, scores), backprop
