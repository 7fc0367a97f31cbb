"""What the scorers compare: entity and interaction keys in character offsets, micro and
per-type P/R/F1, and document mode (a document's corpus sentences joined into one text,
predictions mapped back to the sentences).

Spans are compared by character offsets. Where the corpus conversion had to widen a gold
entity to token boundaries, the corpus' own offsets are used, so such an entity can never be
matched: the scores are against the annotation, not against our tokenisation of it.
"""
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc

from .corpus.convert import DOCUMENT_ID_KEY, GOLD_OFFSETS_KEY, SOURCES, doc_source
from .extensions import ENTITY_LABELS, POSITIVE_LABELS, install_extensions, records_of

CharSpan = Tuple[int, int]
EntityKey = Tuple[int, int, str]
InteractionKey = Tuple[frozenset, str]
# the text that joins the sentences of a document in document mode
SENTENCE_JOINER = " "


def genre_of_gold(doc: Doc) -> str:
    """The genre of an annotated doc, for its scores' calibration: "label" for DDI 2013's
    DrugBank part, "abstract" for its MedLine part and for documents from elsewhere (the
    yardstick, a team's abstracts); a doc whose ``_.genre`` is set keeps it."""
    own = doc._.genre if Doc.has_extension("genre") else None
    return own or ("label" if doc_source(doc) == "DrugBank" else "abstract")


def docs_with_genre(nlp, gold_docs: Sequence[Doc], texts: Optional[Sequence[str]] = None) -> List[Doc]:
    """Unannotated docs of ``gold_docs``' texts (or of ``texts``, one per gold doc) for
    ``nlp.pipe``, each with the genre :func:`genre_of_gold` gives its gold doc, so that its
    interaction scores are calibrated for it."""
    install_extensions()
    docs = []
    for k, gold in enumerate(gold_docs):
        doc = nlp.make_doc(gold.text if texts is None else texts[k])
        doc._.genre = genre_of_gold(gold)
        docs.append(doc)
    return docs


def prf(tp: int, n_pred: int, n_gold: int) -> Dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f}


def _gold_char_offsets(doc: Doc) -> Dict[Tuple[int, int], CharSpan]:
    return {(s, e): (cs, ce) for s, e, cs, ce in doc.user_data.get(GOLD_OFFSETS_KEY, [])}


def entity_keys(doc: Doc, gold: bool) -> Set[EntityKey]:
    """(start_char, end_char, label) of each entity; gold docs use the corpus' offsets."""
    fixed = _gold_char_offsets(doc) if gold else {}
    keys = set()
    for ent in doc.ents:
        start, end = fixed.get((ent.start, ent.end), (ent.start_char, ent.end_char))
        keys.add((start, end, ent.label_))
    return keys


def _char_span(doc: Doc, start: int, end: int) -> CharSpan:
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def _keyed_records(doc: Doc, gold: bool, include_false: bool = False):
    """(frozenset({subject chars, object chars}), record) of each of the doc's interactions;
    gold docs use the corpus' offsets; FALSE pairs only with ``include_false``."""
    fixed = _gold_char_offsets(doc) if gold else {}
    for record in records_of(doc):
        if not (include_false or record.is_positive):
            continue
        s_start, s_end, o_start, o_end = record[:4]
        subject = fixed.get((s_start, s_end), _char_span(doc, s_start, s_end))
        obj = fixed.get((o_start, o_end), _char_span(doc, o_start, o_end))
        yield frozenset((subject, obj)), record


def pair_labels(doc: Doc, gold: bool, include_false: bool = False) -> Dict[frozenset, str]:
    """{frozenset({subject chars, object chars}): label} of the doc's interactions (the pair is
    unordered); gold docs use the corpus' offsets; FALSE pairs only with ``include_false``."""
    return {key: record.label for key, record in _keyed_records(doc, gold, include_false)}


def ddi_keys(doc: Doc, gold: bool) -> Set[InteractionKey]:
    """({subject chars, object chars}, label) of each positive interaction (unordered pair)."""
    return set(pair_labels(doc, gold).items())


@dataclass
class InteractionDiff:
    """Positive interactions of a predicted doc against its gold doc, by the scorer's keys
    (unordered pair of exact character spans, then the type)."""

    correct: List[Tuple[frozenset, str]]
    missed: List[Tuple[frozenset, str]]  # gold pair not predicted
    retyped: List[Tuple[frozenset, str, str]]  # (pair, gold label, predicted label)
    spurious: List[Tuple[frozenset, str]]  # predicted pair that is no positive gold pair


def interaction_diff(gold: Doc, predicted: Doc) -> InteractionDiff:
    gold_pairs, predicted_pairs = pair_labels(gold, True), pair_labels(predicted, False)
    diff = InteractionDiff([], [], [], [])
    for pair, label in sorted(gold_pairs.items(), key=lambda kv: sorted(kv[0])):
        found = predicted_pairs.get(pair)
        if found == label:
            diff.correct.append((pair, label))
        elif found is None:
            diff.missed.append((pair, label))
        else:
            diff.retyped.append((pair, label, found))
    for pair, label in sorted(predicted_pairs.items(), key=lambda kv: sorted(kv[0])):
        if pair not in gold_pairs:
            diff.spurious.append((pair, label))
    return diff


# NER scores go under spaCy's own names (``ents_p``/``ents_r``/``ents_f``/``ents_per_type``),
# so spaCy's tables, loggers, ``spacy evaluate`` and ``spacy benchmark`` show them; records
# written before used ``ner_strict_*``.
NER_PREFIX = "ents"
LEGACY_NER_PREFIX = "ner_strict"


def current_keys(record):
    """``record`` (a dict or list of them, as read from a JSON evaluation record or a
    training log row) with the old ``ner_strict_*`` keys under their current ``ents_*`` names."""
    if isinstance(record, dict):
        return {
            (NER_PREFIX + key[len(LEGACY_NER_PREFIX):] if isinstance(key, str) and key.startswith(LEGACY_NER_PREFIX + "_") else key):
            current_keys(value)
            for key, value in record.items()
        }
    if isinstance(record, list):
        return [current_keys(value) for value in record]
    return record


def micro_and_per_type(pairs: Iterable[Tuple[set, set]], prefix: str, types: Sequence[str]) -> Dict:
    """Micro and per-type P/R/F1 over (predicted keys, gold keys) pairs; a key's last item is
    its type."""
    tp, n_pred, n_gold = defaultdict(int), defaultdict(int), defaultdict(int)
    for predicted, gold in pairs:
        for key in predicted:
            n_pred[key[-1]] += 1
        for key in gold:
            n_gold[key[-1]] += 1
        for key in predicted & gold:
            tp[key[-1]] += 1
    total = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    labels = list(types) + sorted((set(n_gold) | set(n_pred)) - set(types))
    per_type = {label: prf(tp[label], n_pred[label], n_gold[label]) for label in labels}
    return {
        f"{prefix}_p": total["p"],
        f"{prefix}_r": total["r"],
        f"{prefix}_f": total["f"],
        f"{prefix}_per_type": per_type,
    }


@dataclass
class JoinedDocument:
    """A corpus document as a user would give it: its sentences joined by one space."""

    id: str
    sentences: List[Doc]  # the gold corpus sentences, in order
    starts: List[int]  # character offset of each sentence in ``text``

    @property
    def text(self) -> str:
        return SENTENCE_JOINER.join(doc.text for doc in self.sentences)

    def sentence_of(self, char: int) -> int:
        """Index of the sentence that holds (or, in a joiner, precedes) character ``char``."""
        return max(bisect_right(self.starts, char) - 1, 0)


def join_documents(sentences: Sequence[Doc]) -> List[JoinedDocument]:
    """Group converted corpus sentences by document (consecutive, as converted)."""
    documents: List[JoinedDocument] = []
    for k, doc in enumerate(sentences):
        doc_id = doc.user_data.get(DOCUMENT_ID_KEY)
        if doc_id is None:
            raise ValueError(
                f"Sentence {k} ({doc.text[:40]!r}...) has no document id: convert the corpus "
                "again with `python -m spacy_ddi convert` (document mode needs the ids it stores)"
            )
        if not documents or documents[-1].id != doc_id:
            documents.append(JoinedDocument(doc_id, [], []))
        current = documents[-1]
        start = 0 if not current.sentences else (
            current.starts[-1] + len(current.sentences[-1].text) + len(SENTENCE_JOINER)
        )
        current.sentences.append(doc)
        current.starts.append(start)
    return documents


def document_keys(
    document: JoinedDocument, predicted: Doc
) -> Tuple[List[Set[EntityKey]], List[Set[InteractionKey]], Dict[str, int]]:
    """The predictions on a joined document as per-sentence keys in sentence offsets.

    An entity or interaction that runs past the end of the sentence it starts in keeps its
    offsets relative to that sentence, so it never matches a gold key and counts as a false
    positive; the counts of such cases are returned with the corpus sentence boundaries the
    pipeline's sentence splitter kept, merged (no sentence start there) or added.
    """
    n = len(document.sentences)
    ents: List[Set[EntityKey]] = [set() for _ in range(n)]
    ddis: List[Set[InteractionKey]] = [set() for _ in range(n)]
    counts = {"entities_across_sentences": 0, "interactions_across_sentences": 0}

    def in_sentence(span: CharSpan, k: int) -> Tuple[CharSpan, bool]:
        start = document.starts[k]
        inside = start <= span[0] and span[1] <= start + len(document.sentences[k].text)
        return (span[0] - start, span[1] - start), inside

    for ent in predicted.ents:
        k = document.sentence_of(ent.start_char)
        chars, inside = in_sentence((ent.start_char, ent.end_char), k)
        counts["entities_across_sentences"] += not inside
        ents[k].add((*chars, ent.label_))
    for record in records_of(predicted):
        if not record.is_positive:
            continue
        subject_chars = _char_span(predicted, record.subject_start, record.subject_end)
        k = document.sentence_of(subject_chars[0])
        subject, subject_inside = in_sentence(subject_chars, k)
        obj, object_inside = in_sentence(_char_span(predicted, record.object_start, record.object_end), k)
        counts["interactions_across_sentences"] += not (subject_inside and object_inside)
        ddis[k].add((frozenset((subject, obj)), record.label))
    counts.update(sentence_boundary_errors(document, predicted))
    return ents, ddis, counts


def predicted_sentence_starts(predicted: Doc) -> Set[int]:
    """Character offsets where the pipeline's sentences start (only 0 without sentences)."""
    if predicted.has_annotation("SENT_START"):
        return {sent.start_char for sent in predicted.sents}
    return {0}


def sentence_boundary_errors(document: JoinedDocument, predicted: Doc) -> Dict[str, int]:
    """How the predicted sentences of a joined document differ from its corpus sentences:
    ``merged`` corpus boundaries (no predicted sentence starts there) and ``split`` (a
    predicted sentence starts inside a corpus sentence), out of ``corpus_boundaries``."""
    predicted_starts = predicted_sentence_starts(predicted)
    corpus_starts = set(document.starts)
    return {
        "corpus_boundaries": len(corpus_starts) - 1,
        "merged": len(corpus_starts - predicted_starts),
        "split": len(predicted_starts - corpus_starts),
    }


def kept_boundaries(document: JoinedDocument, predicted: Doc) -> List[bool]:
    """For each corpus sentence of a joined document, whether the pipeline's sentences start
    at both its start and the next sentence's (or the text ends there)."""
    predicted_starts = predicted_sentence_starts(predicted)
    ends = document.starts[1:]
    return [
        start in predicted_starts and (k == len(ends) or ends[k] in predicted_starts)
        for k, start in enumerate(document.starts)
    ]


def score_document_mode(
    documents: Sequence[JoinedDocument], predicted: Sequence[Doc],
    sentence_predictions: Optional[Sequence[Doc]] = None,
) -> Dict:
    """Strict NER and DDI scores of predictions on joined documents against the corpus
    sentences, with the sentence-boundary and cross-sentence counts summed.

    With ``sentence_predictions`` (the same pipeline's predictions on each corpus sentence
    alone, in corpus order) it also counts the corpus sentences whose two boundaries the
    splitter kept (``sentences_boundaries_kept``) and how many of those got exactly the
    entities and interactions they get alone (``kept_same_as_sentence_mode``): where the
    splitter agrees with the corpus, a sentence's result should not depend on its neighbours.
    """
    ner_pairs, ddi_pairs = [], []
    ner_by_source: Dict[str, list] = {}
    ddi_by_source: Dict[str, list] = {}
    totals: Dict[str, int] = defaultdict(int)
    alone = iter(sentence_predictions) if sentence_predictions is not None else None
    for document, doc in zip(documents, predicted):
        if doc.text != document.text:
            raise ValueError(f"Document {document.id}: the predicted doc is not its joined text")
        ents, ddis, counts = document_keys(document, doc)
        kept = kept_boundaries(document, doc) if alone is not None else None
        source = doc_source(document.sentences[0]) if document.sentences else None
        for k, gold in enumerate(document.sentences):
            ner_pairs.append((ents[k], entity_keys(gold, True)))
            ddi_pairs.append((ddis[k], ddi_keys(gold, True)))
            if source is not None:
                ner_by_source.setdefault(source, []).append(ner_pairs[-1])
                ddi_by_source.setdefault(source, []).append(ddi_pairs[-1])
            if alone is not None:
                sentence = next(alone)
                if sentence.text != gold.text:
                    raise ValueError(f"Document {document.id}: sentence predictions out of corpus order")
                if kept[k]:
                    totals["sentences_boundaries_kept"] += 1
                    totals["kept_same_as_sentence_mode"] += (
                        entity_keys(sentence, False) == ents[k] and ddi_keys(sentence, False) == ddis[k]
                    )
        for key, value in counts.items():
            totals[key] += value
    return {
        "ner": {**micro_and_per_type(ner_pairs, NER_PREFIX, ENTITY_LABELS), **with_sources(ner_by_source, NER_PREFIX)},
        "ddi": {
            **micro_and_per_type(ddi_pairs, "ddi_strict", POSITIVE_LABELS),
            **with_sources(ddi_by_source, "ddi_strict"),
        },
        "documents": len(documents),
        "sentences": sum(len(d.sentences) for d in documents),
        **totals,
    }


def with_gold_entities(nlp, gold_docs):
    """Run the pipeline without its NER step on docs whose entities are the gold ones, with
    FALSE pairs kept on the docs (the scorers ignore them); the pipeline is left as it was."""
    install_extensions()
    docs = []
    for gold in gold_docs:
        doc = nlp.make_doc(gold.text)
        doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_, alignment_mode="expand") for e in gold.ents]
        doc._.genre = genre_of_gold(gold)
        docs.append(doc)
    from .relations.base import relation_component

    relations = relation_component(nlp)
    cfg = nlp.get_pipe(relations).cfg if relations is not None else {}
    store_false = cfg.get("store_false")
    try:
        if relations is not None:
            cfg["store_false"] = True
        with nlp.select_pipes(disable=[name for name in ("drug_ner", "ner") if name in nlp.pipe_names]):
            return list(nlp.pipe(docs))
    finally:
        if relations is not None:
            cfg["store_false"] = store_false


# -- by source, and intervals over documents ------------------------------------------------


def source_key(prefix: str, source: str) -> str:
    """The scorer key of ``prefix`` (``ents_f``, ``ddi_strict_f``, ...) on one corpus part:
    ``ents_f_medline``, ``ddi_strict_f_drugbank``."""
    return f"{prefix}_{source.lower()}"


def with_sources(pairs_by_source: Dict[str, List[Tuple[set, set]]], prefix: str) -> Dict[str, float]:
    """Micro P/R/F1 of each corpus part, under :func:`source_key` names."""
    scores = {}
    for source, pairs in pairs_by_source.items():
        total = micro_and_per_type(pairs, prefix, ())
        for letter in ("p", "r", "f"):
            scores[source_key(f"{prefix}_{letter}", source)] = total[f"{prefix}_{letter}"]
    return scores


def document_counts(pairs: Sequence[Tuple[set, set]], documents: Sequence[str]) -> Dict[str, Tuple[int, int, int]]:
    """(true positives, predicted, gold) per document, from the (predicted keys, gold keys) of
    each sentence and the document id of each sentence."""
    counts: Dict[str, List[int]] = {}
    for (predicted, gold), doc_id in zip(pairs, documents):
        c = counts.setdefault(doc_id, [0, 0, 0])
        c[0] += len(predicted & gold)
        c[1] += len(predicted)
        c[2] += len(gold)
    return {doc_id: tuple(c) for doc_id, c in counts.items()}


def part_document_counts(
    predicted: Sequence[Doc], gold: Sequence[Doc], keys, source: Optional[str] = None
) -> Dict[str, Tuple[int, int, int]]:
    """:func:`document_counts` of the sentences of one corpus part (``source``; None: all),
    with ``keys`` (:func:`entity_keys` or :func:`ddi_keys`) for what is counted."""
    chosen = [(p, g) for p, g in zip(predicted, gold) if source is None or doc_source(g) == source]
    pairs = [(keys(p, False), keys(g, True)) for p, g in chosen]
    return document_counts(pairs, [g.user_data.get(DOCUMENT_ID_KEY) for _, g in chosen])


def _f1_of_sums(sums) -> "object":
    import numpy

    tp, n_pred, n_gold = sums[..., 0], sums[..., 1], sums[..., 2]
    with numpy.errstate(divide="ignore", invalid="ignore"):
        f = numpy.where(n_pred + n_gold > 0, 2 * tp / (n_pred + n_gold), 0.0)
    return f


def paired_bootstrap(
    runs_a: Sequence[Dict[str, Tuple[int, int, int]]],
    runs_b: Sequence[Dict[str, Tuple[int, int, int]]] = (),
    n_resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Dict[str, float]:
    """F1 with a bootstrap interval over documents, and with ``runs_b`` the paired difference.

    Each run is the :func:`document_counts` of one trained pipeline (a seed) on the same gold
    documents. A resample draws documents with replacement; each run's micro F1 is computed on
    it and averaged over the runs of its side, so the interval holds the test set's own noise
    (which averaging seeds does not shrink) and, for a difference, keeps the two sides paired on
    the same documents. F1 of micro counts summed over documents is exactly the corpus-level F1.
    Returns ``f1_a`` (mean over runs, on all documents), ``a_low`` / ``a_high``, and with
    ``runs_b`` also ``f1_b``, ``b_low`` / ``b_high``, ``diff`` (a - b), ``diff_low`` /
    ``diff_high`` and ``share_a_better`` (the share of resamples where a is ahead).
    """
    import numpy

    if not runs_a:
        raise ValueError("paired_bootstrap needs at least one run")
    documents = sorted(runs_a[0])
    for run in list(runs_a) + list(runs_b):
        if sorted(run) != documents:
            raise ValueError("paired_bootstrap: the runs are not on the same documents")

    def array(runs):
        return numpy.array([[run[d] for d in documents] for run in runs], dtype=float)  # runs x docs x 3

    rng = numpy.random.default_rng(seed)
    picks = rng.integers(0, len(documents), size=(n_resamples, len(documents)))
    tail = (1 - level) / 2
    out: Dict[str, float] = {"documents": len(documents), "resamples": n_resamples, "level": level}
    sides = [("a", array(runs_a))] + ([("b", array(runs_b))] if runs_b else [])
    samples = {}
    for name, counts in sides:
        out[f"f1_{name}"] = float(_f1_of_sums(counts.sum(axis=1)).mean())
        # resamples x runs x 3: sum each run's counts over the drawn documents
        drawn = counts[:, picks, :].sum(axis=2).transpose(1, 0, 2)
        samples[name] = _f1_of_sums(drawn).mean(axis=1)
        out[f"{name}_low"], out[f"{name}_high"] = (float(x) for x in numpy.quantile(samples[name], [tail, 1 - tail]))
    if runs_b:
        diff = samples["a"] - samples["b"]
        out["diff"] = out["f1_a"] - out["f1_b"]
        out["diff_low"], out["diff_high"] = (float(x) for x in numpy.quantile(diff, [tail, 1 - tail]))
        out["share_a_better"] = float((diff > 0).mean())
    return out


def scored_interactions(predicted: Doc, gold: Doc) -> List[Tuple[float, bool]]:
    """(score, right) of each interaction reported on ``predicted``: right when ``gold`` has
    the same unordered pair of spans (character offsets) with the same type."""
    gold_labels = pair_labels(gold, True)
    return [(record.score, gold_labels.get(key) == record.label) for key, record in _keyed_records(predicted, False)]
