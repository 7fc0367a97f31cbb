"""The Interaction type and every Doc/Span extension spacy-ddi writes, installed once.

Interactions are stored on the Doc as plain records (token offsets, label, score) in
``doc._.ddi_records`` so that they survive ``DocBin``, ``Doc.to_bytes``, pickling and
``nlp.pipe(n_process=...)``; ``doc._.ddis`` turns them into :class:`Interaction` objects.

spaCy's own doc operations copy doc-level extensions only in part: ``Doc.from_docs`` skips
them (spaCy warns W101 naming ``ddi_records``) and ``Span.as_doc`` leaves them out; use
:func:`from_docs` and :func:`span_as_doc` here to keep the interactions.
"""
import warnings
from dataclasses import dataclass
from typing import Iterable, List, NamedTuple, Optional, Sequence

from spacy.tokens import Doc, Span

POSITIVE_LABELS = ("MECHANISM", "EFFECT", "ADVISE", "INT")
FALSE_LABEL = "FALSE"
DDI_LABELS = POSITIVE_LABELS + (FALSE_LABEL,)
ENTITY_LABELS = ("DRUG", "BRAND", "GROUP", "DRUG_N")
# what a document is, for the calibration of its interaction scores (spacy_ddi.calibration):
# scores are read differently on label text and on the literature (an article takes the
# abstracts' calibration unless a pipeline fits one of its own)
GENRES = ("abstract", "article", "label")
LINK_EXTENSIONS = (
    "drug_id", "drug_name", "is_brand", "drug_candidates", "long_form", "class_id", "class_name", "drug_classes",
)


class InteractionRecord(NamedTuple):
    """The stored form of an interaction, one item of ``doc._.ddi_records`` (kept there as a
    plain list, so docs saved before this type existed still load): token offsets of the
    subject and the object (end exclusive, subject first), label and score."""

    subject_start: int
    subject_end: int
    object_start: int
    object_end: int
    label: str
    score: float

    @classmethod
    def read(cls, stored: Sequence) -> "InteractionRecord":
        s_start, s_end, o_start, o_end, label, score = stored
        return cls(int(s_start), int(s_end), int(o_start), int(o_end), str(label), float(score))

    def stored(self) -> list:
        return list(self)

    def shifted(self, offset: int) -> "InteractionRecord":
        """The same record with every token offset moved by ``offset``."""
        return self._replace(
            subject_start=self.subject_start + offset, subject_end=self.subject_end + offset,
            object_start=self.object_start + offset, object_end=self.object_end + offset,
        )

    @property
    def is_positive(self) -> bool:
        return self.label != FALSE_LABEL


def records_of(doc: Doc) -> List[InteractionRecord]:
    """``doc._.ddi_records`` as :class:`InteractionRecord` (none when unset)."""
    return [InteractionRecord.read(stored) for stored in doc._.ddi_records or []]


@dataclass(frozen=True)
class Interaction:
    """One drug-drug interaction: ``subject`` comes before ``object`` in the text."""

    subject: Span
    object: Span
    label: str
    score: float = 1.0

    @property
    def is_positive(self) -> bool:
        return self.label != FALSE_LABEL

    @property
    def assertion(self) -> str:
        """How the sentence asserts it: ``affirmed``, ``negated`` ("X had no effect on Y") or
        ``speculated`` ("X may increase Y", "it is unknown whether X affects Y"), read from the
        clause that holds both mentions (:mod:`spacy_ddi.assertion`); it never changes the label."""
        from .assertion import assertion_of

        return assertion_of(self.subject, self.object)

    def to_record(self) -> InteractionRecord:
        return InteractionRecord(
            self.subject.start, self.subject.end, self.object.start, self.object.end,
            self.label, float(self.score),
        )

    def __repr__(self) -> str:
        return (
            f"Interaction({self.subject.text!r} -[{self.label} {self.score:.2f}]-> "
            f"{self.object.text!r})"
        )

    def __json__(self):
        # srsly/ujson (and so Doc.to_json) call this: say what to serialise instead
        raise ValueError(
            "spacy_ddi.Interaction holds Spans and is not JSON-serialisable: serialise "
            "doc._.ddi_records instead (plain [subject start, subject end, object start, "
            "object end, label, score] token records), e.g. doc.to_json(underscore=['ddi_records'])"
        )


class InteractionList(list):
    """``doc._.ddis``: a list of :class:`Interaction` in text order whose changes
    (``append``, ``extend``, ``insert``, ``remove``, ``pop``, ``clear``, item assignment and
    deletion, ``+=``, ``sort`` left alone) are written back to the doc."""

    def __init__(self, doc: Doc, items: Iterable[Interaction]):
        super().__init__(items)
        self._doc = doc


def _writing_back(name: str):
    method = getattr(list, name)

    def mutate(self, *args, **kwargs):
        # change a copy and store it first: an invalid item raises and changes nothing
        changed = list(self)
        result = method(changed, *args, **kwargs)
        _set_ddis(self._doc, changed)
        list.clear(self)
        list.extend(self, changed)
        return self if name == "__iadd__" else result

    mutate.__name__ = name
    return mutate


for _name in ("append", "extend", "insert", "remove", "pop", "clear", "__setitem__", "__delitem__", "__iadd__"):
    setattr(InteractionList, _name, _writing_back(_name))


def _get_ddis(doc: Doc) -> InteractionList:
    out = []
    for record in records_of(doc):
        s_start, s_end, o_start, o_end = record[:4]
        if not (0 <= s_start < s_end <= len(doc) and 0 <= o_start < o_end <= len(doc)):
            warnings.warn(
                f"Skipping the interaction record {record.stored()} of a doc of {len(doc)} tokens: its "
                "spans lie outside the doc (records set by hand or copied from another doc? "
                "spacy_ddi.from_docs and spacy_ddi.span_as_doc move them with the tokens)",
                stacklevel=3,
            )
            continue
        out.append(Interaction(doc[s_start:s_end], doc[o_start:o_end], record.label, record.score))
    out.sort(key=lambda r: (r.subject.start, r.object.start, r.subject.end, r.object.end))
    return InteractionList(doc, out)


def _set_ddis(doc: Doc, interactions: Optional[Iterable[Interaction]]) -> None:
    records = []
    for k, ddi in enumerate(interactions or []):
        if not isinstance(ddi, Interaction):
            raise TypeError(
                f"doc._.ddis takes spacy_ddi.Interaction objects (subject Span, object Span, "
                f"label, score); item {k} is a {type(ddi).__name__}: {ddi!r}. Plain records go "
                "in doc._.ddi_records as [subject start, subject end, object start, object end, "
                "label, score] token offsets."
            )
        if ddi.subject.doc is not doc or ddi.object.doc is not doc:
            raise ValueError(f"Interaction {ddi!r} refers to spans of another Doc")
        if ddi.label not in DDI_LABELS:
            raise ValueError(
                f"Interaction {ddi!r} has label {ddi.label!r}; expected one of {DDI_LABELS}"
            )
        records.append(ddi.to_record().stored())
    doc._.ddi_records = records


def _flag(name: str):
    def getter(span: Span) -> Optional[bool]:
        prob = span._.get(name)
        return None if prob is None else bool(prob >= 0.5)

    return getter


def _get_abbreviations(doc: Doc) -> List[tuple]:
    """``doc._.abbreviations``: (short form Span, long form Span) of each short form that a
    definition in the text resolves (from ``doc._.abbreviation_records``, character offsets)."""
    out = []
    for s_start, s_end, l_start, l_end in doc._.abbreviation_records or []:
        short, long_form = doc.char_span(s_start, s_end), doc.char_span(l_start, l_end)
        if short is not None and long_form is not None:
            out.append((short, long_form))
    return out


def install_extensions() -> None:
    """Register the extensions spacy-ddi uses; safe to call any number of times.

    Doc: ``ddis`` (list of Interaction, read/write), ``ddi_records`` (their stored form).
    Span (sentences): ``enc_prob`` / ``enc`` (more than two drugs in the sentence) and
    ``pdc_prob`` / ``pdc`` (at least one positive interaction in the sentence).
    Span (entities, set by ``drug_linker``): ``drug_id`` (DrugBank id), ``drug_name`` (canonical
    name), ``is_brand``, ``drug_candidates`` (``{"name", "drug_id"}`` dicts), ``long_form``
    (the text of the long form a definition in the document gives an abbreviation, as
    scispaCy's ``AbbreviationDetector`` sets it, but as text), ``class_id`` / ``class_name``
    (the MeSH class a class mention names) and ``drug_classes`` (``{"id", "name", "source"}``
    dicts: the classes a drug belongs to, by the vocabulary or by the document).
    Doc: ``abbreviation_records`` (short and long form character offsets) and
    ``abbreviations`` ((short form, long form) Spans); ``genre`` (one of ``GENRES``: set it
    before the pipeline runs, or the relation component sets its default ``genre`` setting;
    it chooses how interaction scores are calibrated).
    """
    if not Doc.has_extension("ddi_records"):
        Doc.set_extension("ddi_records", default=None)
    if not Doc.has_extension("ddis"):
        Doc.set_extension("ddis", getter=_get_ddis, setter=_set_ddis)
    if not Doc.has_extension("genre"):
        Doc.set_extension("genre", default=None)
    if not Doc.has_extension("abbreviation_records"):
        Doc.set_extension("abbreviation_records", default=None)
    if not Doc.has_extension("abbreviations"):
        Doc.set_extension("abbreviations", getter=_get_abbreviations)
    for name in ("enc", "pdc"):
        if not Span.has_extension(f"{name}_prob"):
            Span.set_extension(f"{name}_prob", default=None)
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_flag(f"{name}_prob"))
    for name in LINK_EXTENSIONS:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


def positive_ddis(doc: Doc) -> List[Interaction]:
    """The interactions of ``doc`` whose label is not FALSE."""
    return [d for d in doc._.ddis if d.is_positive]


def from_docs(docs: Sequence[Doc], **kwargs) -> Doc:
    """``Doc.from_docs(docs, **kwargs)`` that keeps the docs' interactions (spaCy's skips
    doc-level extensions such as ``ddi_records``, with warning W101)."""
    install_extensions()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*W101.*ddi_records")
        merged = Doc.from_docs(list(docs), **kwargs)
    records, offset = [], 0
    for doc in docs:
        records.extend(record.shifted(offset).stored() for record in records_of(doc))
        offset += len(doc)
    merged._.ddi_records = records
    return merged


def span_as_doc(span: Span, **kwargs) -> Doc:
    """``span.as_doc(**kwargs)`` with the interactions that lie wholly inside ``span``, on the
    new doc's tokens (``Span.as_doc`` leaves doc-level extensions out)."""
    install_extensions()
    doc = span.as_doc(**kwargs)
    doc._.ddi_records = [
        record.shifted(-span.start).stored()
        for record in records_of(span.doc)
        if span.start <= record.subject_start and record.subject_end <= span.end
        and span.start <= record.object_start and record.object_end <= span.end
    ]
    return doc
