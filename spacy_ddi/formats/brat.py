"""BRAT standoff (``.txt`` + ``.ann`` pairs): a team's annotations as :class:`RawDocument`.

``T`` lines are mentions (``T1<tab>Drug 0 7<tab>Aspirin``; of a discontinuous mention,
``0 3;8 12``, the first fragment is kept and reported), ``R`` lines relations
(``R1<tab>Interacts Arg1:T1 Arg2:T2``, argument roles of any name); ``A``/``M``, ``N``, ``#``,
``E`` and ``*`` lines carry nothing for training and are counted in the report. Offsets are
character offsets into the ``.txt`` file as it is (its line ends untouched). Writing BRAT:
:func:`spacy_ddi.corpus.brat.write_brat`.
"""
from pathlib import Path
from typing import Dict, Iterator, List

from .annotated import ImportReport, RawDocument, RawEntity, RawRelation, check_text
from .errors import CorpusError

IGNORED_LINES = {
    "A": "attribute", "M": "attribute", "N": "normalization", "#": "note", "E": "event", "*": "equivalence",
}


def brat_files(source: Path) -> List[Path]:
    """The ``.ann`` files of a BRAT folder (subfolders too), in name order; or ``source`` itself."""
    if source.is_dir():
        return sorted(source.rglob("*.ann"))
    return [source]


def read_brat(source: Path, report: ImportReport) -> Iterator[RawDocument]:
    """The documents of a BRAT folder (or one ``.ann`` file); document ids are the ``.ann``
    paths relative to the folder, without the suffix."""
    source = Path(source)
    root = source if source.is_dir() else source.parent
    if source.is_dir():
        texts = {p.with_suffix("") for p in source.rglob("*.txt")}
        annotated = {p.with_suffix("") for p in source.rglob("*.ann")}
        for lone in sorted(texts - annotated):
            report.add("ignored", str(lone.with_suffix(".txt")), "a .txt file without a .ann beside it; not read")
    for ann in brat_files(source):
        yield read_brat_document(ann, ann.relative_to(root).with_suffix("").as_posix(), report)


def read_brat_document(ann: Path, doc_id: str, report: ImportReport) -> RawDocument:
    txt = ann.with_suffix(".txt")
    if not txt.exists():
        raise CorpusError(f"{ann}: no {txt.name} beside it (BRAT keeps the text in a .txt file of the same name)")
    with txt.open(encoding="utf8", newline="") as file:
        text = file.read()
    where = str(ann)
    entities: Dict[str, RawEntity] = {}
    relations: List[RawRelation] = []
    lines_of: Dict[str, int] = {}
    with ann.open(encoding="utf8", newline="") as file:
        # split at line feeds only: a U+2028, form feed or U+0085 in a mention's text is text
        lines = file.read().split("\n")
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        at = f"{where}, line {number}"
        if not line.strip():
            continue
        ann_id, _, rest = line.partition("\t")
        kind = ann_id[:1]
        if kind in IGNORED_LINES:
            report.add("ignored", at, f"{IGNORED_LINES[kind]} {ann_id} ignored")
            continue
        if kind not in ("T", "R") or not rest:
            raise CorpusError(f"{at}: not a BRAT annotation line (expected 'T1<tab>Type start end<tab>text' or 'R1<tab>Type Arg1:T1 Arg2:T2'), found {line[:80]!r}")
        if ann_id in lines_of:
            raise CorpusError(f"{at}: {ann_id} is defined again (first on line {lines_of[ann_id]})")
        lines_of[ann_id] = number
        if kind == "T":
            entities[ann_id] = _text_bound(at, ann_id, rest, text, report)
            entities[ann_id].line = number
        else:
            relations.append(_relation(at, ann_id, rest))
            relations[-1].line = number
    for relation in relations:
        for arg in (relation.first, relation.second):
            if arg not in entities:
                what = "not defined" if arg not in lines_of else "not a text-bound (T) annotation"
                raise CorpusError(f"{where}, line {lines_of[relation.name]}: relation {relation.name} names {arg}, which is {what}")
    return RawDocument(doc_id, text, where, list(entities.values()), relations)


def _text_bound(at: str, ann_id: str, rest: str, text: str, report: ImportReport) -> RawEntity:
    head, _, given = rest.partition("\t")
    label, _, offsets = head.partition(" ")
    fragments = []
    try:
        for fragment in offsets.split(";"):
            start, end = fragment.split()
            fragments.append((int(start), int(end)))
    except ValueError:
        raise CorpusError(f"{at}: {ann_id} has offsets {offsets!r}; expected 'start end' or 'start end;start end'") from None
    if not label or not fragments:
        raise CorpusError(f"{at}: {ann_id} needs a type and offsets")
    start, end = fragments[0]
    if len(fragments) > 1:
        for s, e in fragments:
            check_text(at, ann_id, None, text, s, e)
        report.add("discontinuous", at, f"{ann_id} {given!r} has {len(fragments)} fragments; the first, {text[start:end]!r}, kept")
    else:
        check_text(at, ann_id, given if "\t" in rest else None, text, start, end)
    return RawEntity(start, end, label, ann_id)


def _relation(at: str, ann_id: str, rest: str) -> RawRelation:
    parts = rest.split("\t")[0].split()
    args = [part.split(":", 1)[1] for part in parts[1:] if ":" in part]
    if len(parts) != 3 or len(args) != 2:
        raise CorpusError(f"{at}: relation {ann_id} should read 'Type Arg1:T1 Arg2:T2', not {rest!r}")
    return RawRelation(parts[0], args[0], args[1], ann_id)


# --- writing ----------------------------------------------------------------------------------
