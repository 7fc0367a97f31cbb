"""The layout of the pictures: text widths, rows, arc ends and levels (no markup).

See :mod:`spacy_ddi.visualize` for what the layout guarantees.
"""
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

from spacy.tokens import Doc, Span

# geometry (pixels)
FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
TEXT_SIZE = 14
ENT_LABEL_SIZE = 9
ARC_LABEL_SIZE = 10
MARGIN = 12  # left and right of a row
ENT_PAD = 3  # inside the entity highlight, left and right
ENT_HEIGHT = 20
SLOT = 5  # minimum distance between two arc ends on one entity
LEVEL = 15  # vertical distance between arc levels
LABEL_HEIGHT = 12
LABEL_PAD = 3
GAP = 4  # minimum horizontal distance between two things at one level
ROW_GAP = 8
RADIUS = 4
ARROW = 6

# Helvetica advance widths (units of 1/1000 em) for printable ASCII; others default to 0.6 em
_WIDTHS = dict(
    zip(
        (chr(c) for c in range(32, 127)),
        [
            278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
            556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
            1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
            667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
            333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
            556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
        ],
    )
)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in pixels of ``text`` at font ``size`` (Helvetica metrics)."""
    units = 0
    for ch in text:
        if ch in _WIDTHS:
            units += _WIDTHS[ch]
        elif unicodedata.combining(ch):
            continue
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            units += 1000
        else:
            units += 600
    return units * size / 1000 * (1.08 if bold else 1.0)


@dataclass
class _Box:
    """A unit of text on a row: one entity, or one token outside the entities."""

    start: int
    end: int
    text: str
    width: float
    space_after: bool
    label: Optional[str] = None  # entity label; None for plain text
    is_entity: bool = False
    text_w: float = 0.0
    link: str = ""  # what drug_linker linked the entity to, for the hover text
    slots: List[float] = field(default_factory=list)
    x: float = 0.0
    row: int = 0


# how a negated or hedged interaction's arc says so
ASSERTION_MARKS = {"negated": "(negated)", "speculated": "(hedged)"}

@dataclass
class _Arc:
    subject: int  # index of the subject's box in the sentence's entity boxes
    object: int
    label: str
    score: float
    subject_text: str
    object_text: str
    assertion: str = "affirmed"  # how the sentence asserts it (spacy_ddi.assertion)
    x_subject: float = 0.0  # where the arc meets its entities
    x_object: float = 0.0
    object_last: bool = True  # the object comes after the subject in reading order
    segments: List["_Segment"] = field(default_factory=list)


@dataclass
class _Segment:
    arc: _Arc
    row: int
    kind: str  # "full", "start", "through", "end"
    x1: float  # left end
    x2: float  # right end
    label_x: float
    text: str  # the label drawn on this piece
    label_w: float
    lo: float  # horizontal extent taken at its level (line and label)
    hi: float
    span: float = 0.0  # length of the whole arc in reading order
    level: int = 0


@dataclass
class SentenceLayout:
    """The result of :func:`layout_sentence`."""

    start: int
    end: int
    boxes: List[_Box]
    ent_spans: List[Tuple[int, int, str]]
    ent_box: Dict[int, _Box]
    arcs: List[_Arc]
    base_y: Dict[int, float]
    svg_w: float
    svg_h: float


def _bounds(item: Union[Doc, Span]) -> Tuple[Doc, int, int]:
    if isinstance(item, Span):
        return item.doc, item.start, item.end
    return item, 0, len(item)


def _sentences(doc: Doc, start: int, end: int, ents, ddis) -> List[Tuple[int, int]]:
    """Token ranges of the sentences in [start, end), merged where an entity or an arc
    would cross a boundary; ranges of whitespace only are dropped."""
    if end <= start:
        return []
    boundaries = set()
    if doc.has_annotation("SENT_START"):
        boundaries = {s.start for s in doc.sents if start < s.start < end}
    spans = [(e.start, e.end) for e in ents]
    spans += [
        (min(d.subject.start, d.object.start), max(d.subject.end, d.object.end)) for d in ddis
    ]
    for a, b in spans:
        boundaries = {x for x in boundaries if not a < x < b}
    edges = [start] + sorted(boundaries) + [end]
    ranges = []
    for a, b in zip(edges, edges[1:]):
        if any(not doc[i].is_space for i in range(a, b)):
            ranges.append((a, b))
    return ranges


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, n: int = 24) -> str:
    text = _normalise(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _arc_text(arc: _Arc, kind: str, opts) -> str:
    """The label of one piece of an arc; pieces of an arc cut by a row break name the drug at
    the far end, so every piece can be read on its own."""
    label = f"{arc.label} {arc.score:.2f}" if opts["show_scores"] else arc.label
    if arc.label != "FALSE" and arc.assertion in ASSERTION_MARKS:
        label = f"{label} {ASSERTION_MARKS[arc.assertion]}"  # "EFFECT (negated)"
    left, right = _short(arc.subject_text), _short(arc.object_text)
    arrow = "\u2192"
    if not arc.object_last:  # an arc drawn right to left
        left, right, arrow = right, left, "\u2190"
    if kind == "start":
        return f"{label} {arrow} {right}"
    if kind == "end":
        return f"{left} {arrow} {label}"
    if kind == "through":
        return f"{left} {arrow} {right}"
    return label


def _link_text(span: Span) -> str:
    """ " = Warfarin (DrugBank DB00682)" for an entity drug_linker linked, else ""."""
    name, drug_id = span._.get("drug_name"), span._.get("drug_id")
    if not name:
        return ""
    return f" = {name}" + (f" (DrugBank {drug_id})" if drug_id else " (no DrugBank id)")


def layout_sentence(doc: Doc, start: int, end: int, ents, ddis, opts) -> SentenceLayout:
    """Where everything of one sentence goes: entity and text boxes on wrapped rows, arc
    ends spread along their entities, arc pieces on non-overlapping levels, row heights."""
    width = opts["width"]
    # entity boxes: the sentence's entities, plus any arc end that is not one of them
    ent_spans: List[Tuple[int, int, str]] = [(e.start, e.end, e.label_) for e in ents]

    def entity_for(span: Span) -> int:
        for i, (a, b, _) in enumerate(ent_spans):
            if (a, b) == (span.start, span.end):
                return i
        for i, (a, b, _) in enumerate(ent_spans):
            if a < span.end and span.start < b:
                return i
        ent_spans.append((span.start, span.end, span.label_ or ""))
        return len(ent_spans) - 1

    arcs: List[_Arc] = []
    for d in ddis:
        s, o = entity_for(d.subject), entity_for(d.object)
        if s != o:
            assertion = getattr(d, "assertion", "affirmed")
            arcs.append(_Arc(s, o, d.label, float(d.score), d.subject.text, d.object.text, assertion))
    order = sorted(range(len(ent_spans)), key=lambda i: ent_spans[i][0])
    rank = {i: r for r, i in enumerate(order)}

    # spread the arc ends along each entity: arcs to the left first, then arcs to the right,
    # each side from the farthest to the nearest (so arcs leaving one side do not cross)
    ends: Dict[int, List[Tuple[Tuple[int, int], _Arc]]] = {i: [] for i in range(len(ent_spans))}
    for arc in arcs:
        for here, other in ((arc.subject, arc.object), (arc.object, arc.subject)):
            side = 0 if rank[other] < rank[here] else 1
            ends[here].append(((side, -abs(rank[other] - rank[here])), arc))

    # boxes
    starts = {a: i for i, (a, _, _) in enumerate(ent_spans)}
    boxes: List[_Box] = []
    ent_box: Dict[int, _Box] = {}
    i = start
    while i < end:
        if i in starts:
            k = starts[i]
            a, b, label = ent_spans[k]
            text = _normalise(doc[a:b].text)
            text_w = text_width(text, TEXT_SIZE)
            w = max(
                text_w + 2 * ENT_PAD,
                text_width(label, ENT_LABEL_SIZE, bold=True) + 2 * ENT_PAD,
                len(ends[k]) * SLOT + 2 * ENT_PAD,
            )
            box = _Box(a, b, text, w, bool(doc[b - 1].whitespace_), label, True, text_w, _link_text(doc[a:b]))
            ent_box[k] = box
            boxes.append(box)
            i = b
            continue
        token = doc[i]
        if token.is_space:
            if boxes:
                boxes[-1].space_after = True
        else:
            text = _normalise(token.text)
            w = text_width(text, TEXT_SIZE)
            boxes.append(_Box(i, i + 1, text, w, bool(token.whitespace_), text_w=w))
        i += 1

    # wrap: rows break only where there is whitespace
    space = text_width(" ", TEXT_SIZE)
    words: List[List[_Box]] = [[]]
    for box in boxes:
        words[-1].append(box)
        if box.space_after:
            words.append([])
    x, row = MARGIN, 0
    for word in words:
        if not word:
            continue
        word_w = sum(b.width for b in word)
        if x > MARGIN and x + word_w > width - MARGIN:
            row, x = row + 1, MARGIN
        for box in word:
            box.x, box.row = x, row
            x += box.width
        x += space if word[-1].space_after else 0
    n_rows = row + 1 if boxes else 0
    svg_w = max([width] + [b.x + b.width + MARGIN for b in boxes])

    # arc ends
    for k, entries in ends.items():
        box = ent_box[k]
        entries.sort(key=lambda e: e[0])
        n = len(entries)
        inner = box.width - 2 * ENT_PAD
        for j, (_, arc) in enumerate(entries):
            x_end = box.x + ENT_PAD + (j + 0.5) * inner / n
            if k == arc.subject:
                arc.x_subject = x_end
            else:
                arc.x_object = x_end

    # segments and levels
    segments_by_row: Dict[int, List[_Segment]] = {r: [] for r in range(n_rows)}
    right_edge = svg_w - 4
    left_edge = 4
    for arc in arcs:
        xs, xo = arc.x_subject, arc.x_object
        rs, ro = ent_box[arc.subject].row, ent_box[arc.object].row
        arc.object_last = (rs, xs) <= (ro, xo)
        if arc.object_last:
            (r1, x1), (r2, x2) = (rs, xs), (ro, xo)
        else:
            (r1, x1), (r2, x2) = (ro, xo), (rs, xs)
        pieces = []
        if r1 == r2:
            pieces.append((r1, "full", x1, x2))
        else:
            pieces.append((r1, "start", x1, right_edge))
            for r in range(r1 + 1, r2):
                pieces.append((r, "through", left_edge, right_edge))
            pieces.append((r2, "end", left_edge, x2))
        span = (r2 - r1) * svg_w + x2 - x1  # to stack pieces of longer arcs higher
        for r, kind, a, b in pieces:
            text = _arc_text(arc, kind, opts)
            label_w = text_width(text, ARC_LABEL_SIZE, bold=True) + 2 * LABEL_PAD
            # a piece cut by a row break has its label next to its entity, where the legs of
            # the other cut arcs (all higher or lower than it) do not run
            if kind == "start":
                cx = min(a + 6 + label_w / 2, b - 8 - label_w / 2)
            elif kind == "end":
                cx = max(b - 6 - label_w / 2, a + label_w / 2)
            else:
                cx = (a + b) / 2
            cx = min(max(cx, label_w / 2 + 2), svg_w - label_w / 2 - 2)
            lo, hi = min(a, cx - label_w / 2), max(b, cx + label_w / 2)
            seg = _Segment(arc, r, kind, a, b, cx, text, label_w, lo, hi, span)
            arc.segments.append(seg)
            segments_by_row[r].append(seg)
    n_levels = {}
    for r, segs in segments_by_row.items():
        taken: List[List[Tuple[float, float]]] = []
        for seg in sorted(segs, key=lambda s: (s.hi - s.lo, s.span, s.lo)):
            level = 0
            while level < len(taken) and any(
                seg.lo < hi + GAP and lo < seg.hi + GAP for lo, hi in taken[level]
            ):
                level += 1
            if level == len(taken):
                taken.append([])
            taken[level].append((seg.lo, seg.hi))
            seg.level = level + 1
        n_levels[r] = len(taken)

    # vertical positions: each row is its arc band, then the text line
    base_y: Dict[int, float] = {}
    y = 0.0
    for r in range(n_rows):
        band = n_levels[r] * LEVEL + (LABEL_HEIGHT // 2 + 4 if n_levels[r] else 4)
        base_y[r] = y + band
        y = base_y[r] + ENT_HEIGHT + ENT_LABEL_SIZE + 6 + ROW_GAP
    svg_h = max(y - ROW_GAP + 4, 1)

    return SentenceLayout(start, end, boxes, ent_spans, ent_box, arcs, base_y, svg_w, svg_h)
