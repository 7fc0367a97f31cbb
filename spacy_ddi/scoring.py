"""Strict scorers: NER (exact span and type), DDI end-to-end, sentence flags. Registered.

The keys they compare (character offsets, the corpus' own where the conversion widened an
entity) are defined in :mod:`spacy_ddi.evaluation`.
"""
from typing import Dict, Iterable

from spacy.training import Example
from spacy.util import registry

from .evaluation import NER_PREFIX, ddi_keys, doc_source, entity_keys, micro_and_per_type, prf, with_sources
from .extensions import ENTITY_LABELS, POSITIVE_LABELS, install_extensions, records_of


def score_ner_strict(examples: Iterable[Example], **kwargs) -> Dict:
    """Micro and per-type P/R/F1 of entities whose start, end and type all match, under
    spaCy's names ``ents_p``, ``ents_r``, ``ents_f``, ``ents_per_type`` (spaCy's own entity
    scorer is exact too, but on the tokenised spans; this one uses the corpus' character
    offsets where the conversion had to widen an entity to token boundaries)."""
    return _scores(examples, entity_keys, NER_PREFIX, ENTITY_LABELS)


def _scores(examples: Iterable[Example], keys, prefix: str, labels) -> Dict:
    """Micro and per-type scores, and the micro scores of each corpus part (DrugBank label text,
    MedLine abstracts) as ``{prefix}_f_medline`` etc. where the gold docs say their part."""
    pairs, by_source = [], {}
    for eg in examples:
        pair = (keys(eg.predicted, False), keys(eg.reference, True))
        pairs.append(pair)
        source = doc_source(eg.reference)
        if source is not None:
            by_source.setdefault(source, []).append(pair)
    scores = micro_and_per_type(pairs, prefix, labels)
    scores.update(with_sources(by_source, prefix))
    return scores


def score_ddi_strict(examples: Iterable[Example], **kwargs) -> Dict:
    """DDI end to end: both spans exact (unordered pair) and the type exact; micro over the
    four positive types, and per type."""
    install_extensions()
    return _scores(examples, ddi_keys, "ddi_strict", POSITIVE_LABELS)


def score_flags(examples: Iterable[Example], **kwargs) -> Dict:
    """F1 of the positive class of ENC and PDC, per document.

    A document's predicted flag is set if any of its sentences has it; its gold flag is
    derived from the gold entities and interactions (more than two drugs; a positive pair).
    """
    install_extensions()
    counts = {name: [0, 0, 0] for name in ("enc", "pdc")}
    for eg in examples:
        gold = {
            "enc": len(eg.reference.ents) > 2,
            "pdc": any(record.is_positive for record in records_of(eg.reference)),
        }
        doc = eg.predicted
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        for name in counts:
            probs = [s._.get(f"{name}_prob") for s in sents]
            pred = any(p is not None and p >= 0.5 for p in probs)
            counts[name][0] += pred and gold[name]
            counts[name][1] += pred
            counts[name][2] += gold[name]
    return {f"{name}_f": prf(*c)["f"] for name, c in counts.items()}


@registry.scorers("spacy-ddi.ner_scorer.v1")
def make_ner_scorer():
    return score_ner_strict


@registry.scorers("spacy-ddi.ddi_scorer.v1")
def make_ddi_scorer():
    return score_ddi_strict


@registry.scorers("spacy-ddi.flags_scorer.v1")
def make_flags_scorer():
    return score_flags
