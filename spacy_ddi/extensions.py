"""The Interaction type and every Doc/Span extension spacy-ddi writes, installed once.

Interactions are stored on the Doc as plain records (token offsets, label, score) in
``doc._.ddi_records`` so that they survive ``DocBin``, ``Doc.to_bytes``, pickling and
``nlp.pipe(n_process=...)``; ``doc._.ddis`` turns them into :class:`Interaction` objects.
"""
from dataclasses import dataclass
from typing import Iterable, List, Optional

from spacy.tokens import Doc, Span

POSITIVE_LABELS = ("MECHANISM", "EFFECT", "ADVISE", "INT")
FALSE_LABEL = "FALSE"
DDI_LABELS = POSITIVE_LABELS + (FALSE_LABEL,)
ENTITY_LABELS = ("DRUG", "BRAND", "GROUP", "DRUG_N")


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

    def to_record(self) -> list:
        return [
            self.subject.start,
            self.subject.end,
            self.object.start,
            self.object.end,
            self.label,
            float(self.score),
        ]

    def __repr__(self) -> str:
        return (
            f"Interaction({self.subject.text!r} -[{self.label} {self.score:.2f}]-> "
            f"{self.object.text!r})"
        )


def _get_ddis(doc: Doc) -> List[Interaction]:
    records = doc._.ddi_records or []
    out = []
    for s_start, s_end, o_start, o_end, label, score in records:
        out.append(
            Interaction(doc[s_start:s_end], doc[o_start:o_end], str(label), float(score))
        )
    out.sort(key=lambda r: (r.subject.start, r.object.start, r.subject.end, r.object.end))
    return out


def _set_ddis(doc: Doc, interactions: Optional[Iterable[Interaction]]) -> None:
    records = []
    for ddi in interactions or []:
        if ddi.subject.doc is not doc or ddi.object.doc is not doc:
            raise ValueError(f"Interaction {ddi!r} refers to spans of another Doc")
        if ddi.label not in DDI_LABELS:
            raise ValueError(
                f"Interaction {ddi!r} has label {ddi.label!r}; expected one of {DDI_LABELS}"
            )
        records.append(ddi.to_record())
    doc._.ddi_records = records


def _flag(name: str):
    def getter(span: Span) -> Optional[bool]:
        prob = span._.get(name)
        return None if prob is None else bool(prob >= 0.5)

    return getter


def install_extensions() -> None:
    """Register the extensions spacy-ddi uses; safe to call any number of times.

    Doc: ``ddis`` (list of Interaction, read/write), ``ddi_records`` (their stored form).
    Span (sentences): ``enc_prob`` / ``enc`` (more than two drugs in the sentence) and
    ``pdc_prob`` / ``pdc`` (at least one positive interaction in the sentence).
    """
    if not Doc.has_extension("ddi_records"):
        Doc.set_extension("ddi_records", default=None)
    if not Doc.has_extension("ddis"):
        Doc.set_extension("ddis", getter=_get_ddis, setter=_set_ddis)
    for name in ("enc", "pdc"):
        if not Span.has_extension(f"{name}_prob"):
            Span.set_extension(f"{name}_prob", default=None)
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_flag(f"{name}_prob"))


def positive_ddis(doc: Doc) -> List[Interaction]:
    """The interactions of ``doc`` whose label is not FALSE."""
    return [d for d in doc._.ddis if d.is_positive]
