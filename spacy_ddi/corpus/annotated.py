"""A team's own annotated documents as training sentences, in the format ``convert`` writes.

:func:`annotated_docs` takes one document's text, its drug mentions (character offsets and a
label) and its interactions (pairs of mentions and a label), splits the text into sentences with
the pipeline's own rules (``ddi_sentences`` over the drug tokenizer) and returns one Doc per
sentence, as the DDI corpus conversion does: the mentions in ``doc.ents``; every pair of mentions
of the sentence in ``doc._.ddi_records`` (the given label, else ``FALSE``; score 1.0); the
sentence flags; the sentence, document and source ids in ``doc.user_data``.

Nothing is lost without a word: what could not be kept as given goes into an
:class:`ImportReport` (what, where, how many), e.g. an interaction between mentions of two
sentences (relations are read within sentences, so it cannot be learned from) or a mention that
overlaps another (``doc.ents`` cannot hold both).
"""
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..counts import Counts
from ..extensions import ENTITY_LABELS, FALSE_LABEL, POSITIVE_LABELS, InteractionRecord, install_extensions, records_of
from ..text.sentences import ddi_sentences
from .convert import DOCUMENT_ID_KEY, GOLD_OFFSETS_KEY, SENTENCE_ID_KEY, SOURCE_KEY
from ..formats.errors import CorpusError

# what an :class:`ImportReport` can record, and how its summary words it
ISSUE_KINDS = {
    "misaligned": "mentions not on token boundaries (kept as the smallest covering span)",
    "uncovered": "mentions no token covers (dropped)",
    "overlapping": "mentions overlapping another (dropped)",
    "duplicate": "mentions annotated twice on the same span (merged)",
    "merged_sentences": "sentence ends inside a mention (the sentences kept together)",
    "cross_sentence": "interactions between mentions of different sentences (left out)",
    "interaction_dropped": "interactions of a dropped mention (left out)",
    "self_interaction": "interactions of a mention with itself (left out)",
    "conflicting": "pairs annotated twice with different labels (the first kept)",
    "repeated_interaction": "pairs annotated twice with the same label (kept once)",
    "discontinuous": "discontinuous mentions (the first fragment kept)",
    "unmapped_dropped": "annotations with a label outside --labels (dropped)",
    "rejected": "interactions marked rejected (left out)",
    "relation_mentions": "concept relations mapped to mention pairs",
    "ignored": "lines or annotations that carry nothing for training (ignored)",
}


@dataclass
class Issue:
    """One thing an import kept differently from the input, or could not keep."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ImportReport(Counts):
    """What an import of annotated documents wrote, and what it changed or left out, with where."""

    documents: int = 0
    sentences: int = 0
    entities: int = 0
    interactions: int = 0
    pairs: int = 0
    positive_pairs: int = 0
    issues: List[Issue] = field(default_factory=list)

    def add(self, kind: str, where: str, message: str) -> None:
        if kind not in ISSUE_KINDS:
            raise ValueError(f"Unknown import issue kind {kind!r}; expected one of {sorted(ISSUE_KINDS)}")
        self.issues.append(Issue(kind, where, message))

    @property
    def counts(self) -> Dict[str, int]:
        """How many issues of each kind (kinds with none left out)."""
        return dict(Counter(issue.kind for issue in self.issues))

    def of_kind(self, kind: str) -> List[Issue]:
        return [issue for issue in self.issues if issue.kind == kind]

    def summary(self, examples: int = 3) -> str:
        """A few lines: the totals, then each kind of issue with its count and first cases."""
        lines = [
            f"{self.documents} documents, {self.sentences} sentences, {self.entities} mentions, "
            f"{self.interactions} interactions annotated; {self.pairs} mention pairs written "
            f"({self.positive_pairs} positive)"
        ]
        counts = self.counts
        for kind, words in ISSUE_KINDS.items():
            if kind not in counts:
                continue
            lines.append(f"{counts[kind]} {words}")
            for issue in self.of_kind(kind)[:examples]:
                lines.append(f"    {issue}")
            if counts[kind] > examples:
                lines.append(f"    ... ({counts[kind] - examples} more in the report file)")
        return "\n".join(lines)

    def to_json(self) -> Dict:
        return {
            **self.totals(),
            "counts": self.counts,
            "issues": [{"kind": i.kind, "where": i.where, "message": i.message} for i in self.issues],
        }


@dataclass
class AnnotatedDocument:
    """One document as read from an annotation file, labels already in spacy-ddi's names.

    ``entities``: (start_char, end_char, label); ``interactions``: (index of one entity, index of
    the other, label); ``entity_names`` / ``interaction_names``: how the file names each one
    (``"T3"``, ``"R2 (line 9)"``), used in the report; ``where``: the file (and document)."""

    id: str
    text: str
    entities: List[Tuple[int, int, str]] = field(default_factory=list)
    interactions: List[Tuple[int, int, str]] = field(default_factory=list)
    source: Optional[str] = None
    where: str = ""
    entity_names: Optional[List[str]] = None
    interaction_names: Optional[List[str]] = None

    def to_docs(self, nlp: Language, report: Optional[ImportReport] = None) -> "AnnotatedDocs":
        return annotated_docs(
            nlp, self.text, self.entities, self.interactions, self.id, source=self.source,
            where=self.where, report=report, entity_names=self.entity_names,
            interaction_names=self.interaction_names,
        )


class AnnotatedDocs(list):
    """The sentence Docs of one document (a list), with the :class:`ImportReport` of the import
    as ``.report``."""

    def __init__(self, docs: Sequence[Doc], report: "ImportReport"):
        super().__init__(docs)
        self.report = report


def import_nlp() -> Language:
    """A blank English pipeline with the drug tokenizer: what ``convert`` tokenises with (the
    tokenizer the trained pipelines use)."""
    import spacy

    from ..text.tokenizer import create_drug_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


def _at(where: str, name: str) -> str:
    return f"{where}, {name}" if where else name


def sentence_ranges(
    nlp: Language, text: str, entities: Sequence[Tuple[int, int, str]] = (),
    report: Optional[ImportReport] = None, where: str = "", names: Optional[Sequence[str]] = None,
) -> List[Tuple[int, int]]:
    """(start_char, end_char) of each sentence of ``text`` as :func:`annotated_docs` splits it,
    leading and trailing whitespace left out; a sentence start inside a mention of ``entities``
    is taken back (the mention keeps its sentences together), noted in ``report``."""
    report = report if report is not None else ImportReport()
    names = names if names is not None else [f"entity {k}" for k in range(len(entities))]
    doc = ddi_sentences(nlp.make_doc(text))
    starts = [token.idx for token in doc if token.is_sent_start]
    kept = []
    for start in starts:
        inside = [k for k, (s, e, _) in enumerate(entities) if s < start < e]
        if inside and kept:
            k = inside[0]
            report.add(
                "merged_sentences", _at(where, names[k]),
                f"a sentence ends inside {text[entities[k][0]:entities[k][1]]!r} "
                f"({entities[k][0]}-{entities[k][1]}); its sentences are kept as one",
            )
            continue
        kept.append(start)
    ranges = []
    for k, start in enumerate(kept):
        end = kept[k + 1] if k + 1 < len(kept) else len(text)
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        body = chunk.strip()
        if body:
            ranges.append((start + lead, start + lead + len(body)))
    return ranges


def sentence_of(ranges: Sequence[Tuple[int, int]], start: int, end: int) -> Optional[int]:
    """The index of the sentence (of ``ranges``) a mention at ``start``-``end`` lies in: the one
    it starts in, else the first it reaches into; None for a mention on whitespace only."""
    for n, (s, e) in enumerate(ranges):
        if s <= start < e or start < s < end:
            return n
    return None


def annotated_docs(
    nlp: Optional[Language],
    text: str,
    entities: Sequence[Tuple[int, int, str]],
    interactions: Sequence[Tuple[int, int, str]],
    doc_id: str,
    source: Optional[str] = None,
    where: str = "",
    *,
    report: Optional[ImportReport] = None,
    entity_names: Optional[Sequence[str]] = None,
    interaction_names: Optional[Sequence[str]] = None,
) -> AnnotatedDocs:
    """One document's annotations as sentence Docs in the training format of ``convert``.

    nlp: tokenises the sentences; use a pipeline with the drug tokenizer (``import_nlp()``, the
        default when None), as the trained pipelines do.
    text: the document text; offsets are character offsets into it.
    entities: (start_char, end_char, label) of each mention, end exclusive; label one of DRUG,
        BRAND, GROUP, DRUG_N.
    interactions: (index of a mention, index of another, label) with label one of MECHANISM,
        EFFECT, ADVISE, INT (or FALSE); the order of the two mentions does not matter.
    doc_id: the document id, stored as ``DOCUMENT_ID_KEY``; sentence ids are ``{doc_id}.s{n}``.
    source: stored as ``SOURCE_KEY`` when given ("MedLine" for abstracts: by-source scores and
        the reader's ``medline_repeat`` read it).
    where: names the input in the report and in errors (a file, a file and line).
    report: an :class:`ImportReport` to add to (one for many documents); a new one otherwise.
    entity_names, interaction_names: what the input calls each mention and interaction (``T3``,
        ``R2``), for the report; default ``entity N`` / ``interaction N``.

    Returns the sentence Docs (sentences without text are left out), a list whose ``.report`` is
    the report. Raises :class:`CorpusError` on input that cannot be read as given: a label outside
    spacy-ddi's, offsets outside the text, an interaction naming a mention that does not exist.
    """
    install_extensions()
    if nlp is None:
        nlp = import_nlp()
    report = report if report is not None else ImportReport()
    names = list(entity_names) if entity_names is not None else [f"entity {k}" for k in range(len(entities))]
    rel_names = (
        list(interaction_names) if interaction_names is not None
        else [f"interaction {k}" for k in range(len(interactions))]
    )
    entities = [(int(s), int(e), str(label)) for s, e, label in entities]
    for k, (start, end, label) in enumerate(entities):
        if label not in ENTITY_LABELS:
            raise CorpusError(f"{_at(where, names[k])}: mention label {label!r} is not one of {', '.join(ENTITY_LABELS)}")
        if not 0 <= start < end <= len(text):
            raise CorpusError(
                f"{_at(where, names[k])}: offsets {start}-{end} are not a span of the text "
                f"({len(text)} characters)"
            )
    for k, (a, b, label) in enumerate(interactions):
        if label not in POSITIVE_LABELS + (FALSE_LABEL,):
            raise CorpusError(
                f"{_at(where, rel_names[k])}: interaction label {label!r} is not one of "
                f"{', '.join(POSITIVE_LABELS + (FALSE_LABEL,))}"
            )
        for index in (a, b):
            if not (isinstance(index, int) and 0 <= index < len(entities)):
                raise CorpusError(f"{_at(where, rel_names[k])}: names mention {index!r}, which does not exist")

    report.documents += 1
    report.entities += len(entities)
    report.interactions += len(interactions)
    ranges = sentence_ranges(nlp, text, entities, report, where, names)

    # each mention on its sentence's tokens
    spans: Dict[int, Tuple[int, Span]] = {}  # entity index -> (sentence, span)
    sentence_docs: List[Doc] = []
    misaligned: Dict[int, List[int]] = {}  # entity index -> [token start, end, char start, end]
    for s, e in ranges:
        sentence_docs.append(nlp.make_doc(text[s:e]))
    for k, (start, end, label) in enumerate(entities):
        n = sentence_of(ranges, start, end)
        mention = text[start:end]
        if n is None:
            report.add("uncovered", _at(where, names[k]), f"{mention!r} ({start}-{end}) has no token (whitespace only)")
            continue
        s, e = ranges[n]
        doc = sentence_docs[n]
        rel_start, rel_end = max(start - s, 0), min(end - s, e - s)
        span = doc.char_span(rel_start, rel_end, label=label, alignment_mode="strict")
        if span is None:
            span = doc.char_span(rel_start, rel_end, label=label, alignment_mode="expand")
            if span is None or not len(span):
                report.add("uncovered", _at(where, names[k]), f"no token covers {mention!r} ({start}-{end})")
                continue
            report.add(
                "misaligned", _at(where, names[k]),
                f"{mention!r} ({start}-{end}) is not on token boundaries; kept as {span.text!r}",
            )
            misaligned[k] = [span.start, span.end, rel_start, rel_end]
        spans[k] = (n, span)

    # overlaps: the same span twice is one mention; otherwise the earlier (longer) one stays
    alias: Dict[int, int] = {}
    kept_by_sentence: Dict[int, List[int]] = {}
    order = sorted(spans, key=lambda k: (spans[k][0], spans[k][1].start, -len(spans[k][1]), k))
    for k in order:
        n, span = spans[k]
        kept = kept_by_sentence.setdefault(n, [])
        clash = [j for j in kept if spans[j][1].start < span.end and span.start < spans[j][1].end]
        if not clash:
            kept.append(k)
            continue
        j = clash[0]
        other = spans[j][1]
        if (other.start, other.end, other.label_) == (span.start, span.end, span.label_):
            alias[k] = j
            report.add("duplicate", _at(where, names[k]), f"{span.text!r} is annotated again as {names[j]}; merged")
        else:
            report.add(
                "overlapping", _at(where, names[k]),
                f"{span.label_} {span.text!r} overlaps {names[j]} ({other.label_} {other.text!r}); dropped",
            )
    kept_ids = {k for kept in kept_by_sentence.values() for k in kept}

    # interactions onto kept mention pairs of one sentence
    labels: Dict[Tuple[int, int], Tuple[str, str]] = {}  # (a, b) sorted -> (label, name)
    for k, (a, b, label) in enumerate(interactions):
        name = _at(where, rel_names[k])
        a, b = alias.get(a, a), alias.get(b, b)
        if a == b:
            report.add("self_interaction", name, f"{label} between {names[a]} and itself; left out")
            continue
        dropped = [i for i in (a, b) if i not in kept_ids]
        if dropped:
            report.add(
                "interaction_dropped", name,
                f"{label} between {names[a]} and {names[b]}: {names[dropped[0]]} was dropped (see above); left out",
            )
            continue
        if spans[a][0] != spans[b][0]:
            report.add(
                "cross_sentence", name,
                f"{label} between {names[a]} ({spans[a][1].text!r}, sentence {spans[a][0] + 1}) and "
                f"{names[b]} ({spans[b][1].text!r}, sentence {spans[b][0] + 1}) crosses a sentence "
                "boundary; relations are read within sentences, left out",
            )
            continue
        key = (min(a, b), max(a, b))
        if key in labels:
            first, first_name = labels[key]
            if first == label:
                report.add("repeated_interaction", name, f"{label} between {names[a]} and {names[b]} repeats {first_name}")
            else:
                report.add(
                    "conflicting", name,
                    f"{label} between {names[a]} and {names[b]} conflicts with {first_name} ({first}); {first} kept",
                )
            continue
        labels[key] = (label, rel_names[k])

    docs = []
    for n, doc in enumerate(sentence_docs):
        kept = sorted(kept_by_sentence.get(n, []), key=lambda k: spans[k][1].start)
        doc.ents = [spans[k][1] for k in kept]
        records = []
        for i, a in enumerate(kept):
            for b in kept[i + 1:]:
                label = labels.get((min(a, b), max(a, b)), (FALSE_LABEL, ""))[0]
                first, second = spans[a][1], spans[b][1]
                records.append(InteractionRecord(first.start, first.end, second.start, second.end, label, 1.0))
                report.pairs += 1
                report.positive_pairs += label != FALSE_LABEL
        doc._.ddi_records = [record.stored() for record in records]
        # the annotated character offsets of the mentions kept as a covering span
        gold_offsets = [misaligned[k] for k in kept if k in misaligned]
        if gold_offsets:
            doc.user_data[GOLD_OFFSETS_KEY] = gold_offsets
        doc.user_data[SENTENCE_ID_KEY] = f"{doc_id}.s{n}"
        doc.user_data[DOCUMENT_ID_KEY] = doc_id
        if source:
            doc.user_data[SOURCE_KEY] = source
        sent = doc[:]
        sent._.enc_prob = 1.0 if len(doc.ents) > 2 else 0.0
        sent._.pdc_prob = 1.0 if any(record.is_positive for record in records) else 0.0
        docs.append(doc)
    report.sentences += len(docs)
    return AnnotatedDocs(docs, report)


def _gold_char_span(doc: Doc, span: Span) -> Tuple[int, int]:
    """The annotated character offsets of an entity of a converted sentence (those of a mention
    kept as a covering span are in the user data)."""
    for start, end, char_start, char_end in doc.user_data.get(GOLD_OFFSETS_KEY, []):
        if (start, end) == (span.start, span.end):
            return char_start, char_end
    return span.start_char, span.end_char


def document_annotation(
    docs: Sequence[Doc], text: Optional[str] = None
) -> Tuple[Set[Tuple[int, int, str]], Set[Tuple[FrozenSet[Tuple[int, int]], str]]]:
    """The mentions ``(start, end, label)`` and positive interactions ``({span, span}, label)`` of
    one document's sentence Docs, at character offsets of the document text: ``text`` (each
    sentence found in it in turn) or, when None, the sentences joined by single spaces."""
    install_extensions()
    entities: Set[Tuple[int, int, str]] = set()
    interactions: Set[Tuple[FrozenSet[Tuple[int, int]], str]] = set()
    position = 0
    for doc in docs:
        if text is None:
            offset = position
            position += len(doc.text) + 1
        else:
            offset = text.find(doc.text, position)
            if offset < 0:
                raise ValueError(f"sentence {doc.user_data.get(SENTENCE_ID_KEY)!r} is not in the document text")
            position = offset + len(doc.text)

        def char_span(start: int, end: int) -> Tuple[int, int]:
            s, e = _gold_char_span(doc, doc[start:end])
            return offset + s, offset + e

        for ent in doc.ents:
            entities.add((*char_span(ent.start, ent.end), ent.label_))
        for record in records_of(doc):
            if record.is_positive:
                pair = frozenset((char_span(record.subject_start, record.subject_end),
                                  char_span(record.object_start, record.object_end)))
                interactions.add((pair, record.label))
    return entities, interactions
