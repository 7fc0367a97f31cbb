"""Strict scorers: NER (exact span and type), DDI end-to-end, sentence flags. Registered.

Spans are compared by character offsets. Where the corpus conversion had to widen a gold
entity to token boundaries, the corpus' own offsets are used, so such an entity can never be
matched: the scores are against the annotation, not against our tokenisation of it.
"""
from collections import defaultdict
from typing import Dict, Iterable, Set, Tuple

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

from .corpus.convert import GOLD_OFFSETS_KEY
from .extensions import FALSE_LABEL, POSITIVE_LABELS, install_extensions

CharSpan = Tuple[int, int]


def _prf(tp: int, n_pred: int, n_gold: int) -> Dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f}


def _gold_char_offsets(doc: Doc) -> Dict[Tuple[int, int], CharSpan]:
    return {(s, e): (cs, ce) for s, e, cs, ce in doc.user_data.get(GOLD_OFFSETS_KEY, [])}


def _entity_keys(doc: Doc, gold: bool) -> Set[Tuple[int, int, str]]:
    fixed = _gold_char_offsets(doc) if gold else {}
    keys = set()
    for ent in doc.ents:
        start, end = fixed.get((ent.start, ent.end), (ent.start_char, ent.end_char))
        keys.add((start, end, ent.label_))
    return keys


def _ddi_keys(doc: Doc, gold: bool) -> Set[Tuple[frozenset, str]]:
    fixed = _gold_char_offsets(doc) if gold else {}
    keys = set()
    for s_start, s_end, o_start, o_end, label, _ in doc._.ddi_records or []:
        if label == FALSE_LABEL:
            continue
        subject = fixed.get((s_start, s_end), (doc[s_start].idx, doc[s_end - 1].idx + len(doc[s_end - 1])))
        obj = fixed.get((o_start, o_end), (doc[o_start].idx, doc[o_end - 1].idx + len(doc[o_end - 1])))
        keys.add((frozenset((subject, obj)), str(label)))
    return keys


def _micro_and_per_type(pairs, prefix: str, types) -> Dict:
    tp, n_pred, n_gold = defaultdict(int), defaultdict(int), defaultdict(int)
    for predicted, gold in pairs:
        for key in predicted:
            n_pred[key[-1]] += 1
        for key in gold:
            n_gold[key[-1]] += 1
        for key in predicted & gold:
            tp[key[-1]] += 1
    total = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    labels = list(types) + sorted(set(n_gold) | set(n_pred) - set(types))
    per_type = {
        label: _prf(tp[label], n_pred[label], n_gold[label]) for label in labels
    }
    return {
        f"{prefix}_p": total["p"],
        f"{prefix}_r": total["r"],
        f"{prefix}_f": total["f"],
        f"{prefix}_per_type": per_type,
    }


def score_ner_strict(examples: Iterable[Example], **kwargs) -> Dict:
    """Micro and per-type P/R/F1 of entities whose start, end and type all match."""
    pairs = [(_entity_keys(eg.predicted, False), _entity_keys(eg.reference, True)) for eg in examples]
    return _micro_and_per_type(pairs, "ner_strict", ("DRUG", "BRAND", "GROUP", "DRUG_N"))


def score_ddi_strict(examples: Iterable[Example], **kwargs) -> Dict:
    """DDI end to end: both spans exact (unordered pair) and the type exact; micro over the
    four positive types, and per type."""
    install_extensions()
    pairs = [(_ddi_keys(eg.predicted, False), _ddi_keys(eg.reference, True)) for eg in examples]
    return _micro_and_per_type(pairs, "ddi_strict", POSITIVE_LABELS)


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
            "pdc": any(r[4] != FALSE_LABEL for r in eg.reference._.ddi_records or []),
        }
        doc = eg.predicted
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        for name in counts:
            probs = [s._.get(f"{name}_prob") for s in sents]
            pred = any(p is not None and p >= 0.5 for p in probs)
            counts[name][0] += pred and gold[name]
            counts[name][1] += pred
            counts[name][2] += gold[name]
    return {f"{name}_f": _prf(*c)["f"] for name, c in counts.items()}


@registry.scorers("spacy-ddi.ner_scorer.v1")
def make_ner_scorer():
    return score_ner_strict


@registry.scorers("spacy-ddi.ddi_scorer.v1")
def make_ddi_scorer():
    return score_ddi_strict


@registry.scorers("spacy-ddi.flags_scorer.v1")
def make_flags_scorer():
    return score_flags
