"""Gold entities and interactions of an Example, on the predicted doc's tokens."""
from typing import Dict, FrozenSet, List, Tuple

from spacy.training import Example

from .extensions import records_of

TokenSpan = Tuple[int, int]


def _aligned_entities(example: Example) -> Dict[TokenSpan, Tuple[TokenSpan, str]]:
    """Each gold entity's (start, end) -> its span on ``example.predicted`` and its label;
    entities that cannot be aligned to the predicted tokens are left out."""
    reference, predicted = example.reference, example.predicted
    same_tokens = len(reference) == len(predicted) and all(
        a.idx == b.idx and len(a) == len(b) for a, b in zip(reference, predicted)
    )
    out: Dict[TokenSpan, Tuple[TokenSpan, str]] = {}
    for ent in reference.ents:
        if same_tokens:
            out[(ent.start, ent.end)] = ((ent.start, ent.end), ent.label_)
        else:
            aligned = example.get_aligned_spans_y2x([ent])
            if aligned:
                out[(ent.start, ent.end)] = ((aligned[0].start, aligned[0].end), ent.label_)
    return out


def gold_drug_labels(example: Example) -> Dict[TokenSpan, str]:
    """The label of each gold entity, by its (start, end) on ``example.predicted``."""
    return {span: label for span, label in _aligned_entities(example).values()}


def gold_drugs_and_pairs(
    example: Example,
) -> Tuple[List[TokenSpan], Dict[FrozenSet[TokenSpan], str]]:
    """Gold entity spans (start, end) on ``example.predicted`` and the label of each gold pair.

    Spans that cannot be aligned to the predicted tokens are left out, with their pairs.
    """
    reference = example.reference
    to_pred = {ref: span for ref, (span, _) in _aligned_entities(example).items()}
    pairs: Dict[FrozenSet[TokenSpan], str] = {}
    for record in records_of(reference):
        subject = to_pred.get((record.subject_start, record.subject_end))
        obj = to_pred.get((record.object_start, record.object_end))
        if subject is not None and obj is not None:
            pairs[frozenset((subject, obj))] = record.label
    return sorted(to_pred.values()), pairs
