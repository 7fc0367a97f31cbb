"""Token-to-wordpiece alignment from the tokenizer's character offsets, in numpy.

spacy-transformers' ``get_alignment_via_offset_mapping`` builds the same alignment with a
Python loop over every token of every span and a dict keyed by Token objects (about 5% of
the pipeline's prediction time on short sentences). This computes it with array operations
and gives the identical ``Ragged`` (tested against spacy-transformers' function).
"""
from typing import List

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.tokens import Span
from thinc.types import Ragged


def alignment_from_offsets(spans: List[Span], offset_mapping) -> Ragged:
    """For each token of each distinct doc of ``spans`` (docs in order of first appearance,
    tokens in doc order), the sorted indices of the wordpieces whose characters it covers, in
    the wordpieces of all spans flattened (span i's wordpieces start at the sum of the widths
    of the spans before it). A token covers its characters and the one after it (its
    whitespace), as in spacy-transformers; a later token wins a shared character.

    All spans at once: each span's characters get a slot in one character-to-token table
    (spans one after the other), and every wordpiece looks its characters up in it."""
    n_spans = len(spans)
    if n_spans != len(offset_mapping):
        raise ValueError("Cannot align batches of different sizes.")
    doc_base, doc_arrays, n_tokens = {}, [], 0
    span_doc_base = numpy.zeros((n_spans,), dtype="int64")
    span_start = numpy.zeros((n_spans,), dtype="int64")
    span_end = numpy.zeros((n_spans,), dtype="int64")
    span_char = numpy.zeros((n_spans,), dtype="int64")
    text_length = numpy.zeros((n_spans,), dtype="int64")
    for k, span in enumerate(spans):
        key = id(span.doc)
        if key not in doc_base:
            doc_base[key] = n_tokens
            doc_arrays.append(span.doc.to_array([IDX, LENGTH]).astype("int64").reshape((-1, 2)))
            n_tokens += len(span.doc)
        span_doc_base[k] = doc_base[key]
        span_start[k], span_end[k] = span.start, span.end
        span_char[k], text_length[k] = span.start_char, span.end_char - span.start_char
    if isinstance(offset_mapping, numpy.ndarray) and offset_mapping.ndim == 3:
        widths = numpy.full((n_spans,), offset_mapping.shape[1], dtype="int64")
        offsets = offset_mapping.astype("int64", copy=False).reshape((-1, 2))
    else:
        parts = [numpy.asarray(o, dtype="int64").reshape((-1, 2)) for o in offset_mapping]
        widths = numpy.asarray([len(o) for o in parts], dtype="int64")
        offsets = numpy.concatenate(parts) if parts else numpy.zeros((0, 2), dtype="int64")
    table = numpy.concatenate(doc_arrays) if doc_arrays else numpy.zeros((0, 2), dtype="int64")
    # every token of every span: its index in the batch's docs, and its characters in the span
    span_lengths = span_end - span_start
    token = _ranges(span_doc_base + span_start, span_doc_base + span_end)
    token_span = numpy.repeat(numpy.arange(n_spans), span_lengths)
    starts = table[token, 0] - span_char[token_span]
    ends = starts + table[token, 1] + 1  # the character after the token counts too
    following = numpy.empty_like(starts)
    following[:-1] = starts[1:]
    last = numpy.cumsum(span_lengths)[span_lengths > 0] - 1
    following[last] = text_length[span_lengths > 0] + 1
    stops = numpy.maximum(numpy.minimum(ends, following), starts)
    # one slot per character of each span plus the one after its text
    slots = text_length + 1
    slot_base = numpy.cumsum(slots) - slots
    char_to_token = numpy.full((int(slots.sum()),), -1, dtype="int64")
    base = slot_base[token_span]
    char_to_token[_ranges(starts + base, stops + base)] = numpy.repeat(token, stops - starts)
    # every character of every wordpiece (wordpieces of empty spans align to nothing)
    wp_span = numpy.repeat(numpy.arange(n_spans), widths)
    wp_lengths = numpy.maximum(offsets[:, 1] - offsets[:, 0], 0) * (span_lengths[wp_span] > 0)
    chars = _ranges(offsets[:, 0], offsets[:, 0] + wp_lengths)
    char_span = numpy.repeat(wp_span, wp_lengths)
    wps = numpy.repeat(numpy.arange(offsets.shape[0]), wp_lengths)
    inside = (chars >= 0) & (chars < slots[char_span])
    tokens = numpy.full(chars.shape, -1, dtype="int64")
    tokens[inside] = char_to_token[chars[inside] + slot_base[char_span[inside]]]
    keep = tokens >= 0
    position, piece = tokens[keep], wps[keep]
    n_pieces = int(offsets.shape[0])
    pairs = numpy.unique(position * (n_pieces + 1) + piece)
    position, piece = pairs // (n_pieces + 1), pairs % (n_pieces + 1)
    lengths = numpy.bincount(position, minlength=n_tokens)
    return Ragged(piece.astype("i"), lengths.astype("i"))


def _ranges(starts: numpy.ndarray, stops: numpy.ndarray) -> numpy.ndarray:
    """The concatenation of ``arange(start, stop)`` for each pair."""
    counts = stops - starts
    total = int(counts.sum())
    if total == 0:
        return numpy.zeros((0,), dtype="int64")
    offsets = numpy.repeat(numpy.cumsum(counts) - counts, counts)
    return numpy.arange(total, dtype="int64") - offsets + numpy.repeat(starts, counts)
