"""displaCy-style pictures of drug mentions and the interactions between them.

``render(docs)`` returns HTML with one SVG drawing per sentence: every entity of ``doc.ents``
highlighted in its type's colour (label underneath), and one arc per interaction of
``doc._.ddis`` from the subject to the object (arrowhead), coloured and labelled by type, with
the score in a tooltip (``<title>``) or printed (``show_scores``). Only ``doc.ents`` and
``doc._.ddis`` are read, so gold annotations draw as well as predictions.

Layout, so that dense sentences stay legible:

- sentences wrap into rows no wider than ``width`` pixels (a row breaks only at whitespace);
  an arc whose ends fall in different rows is drawn in pieces, continuing at the right edge
  of one row (a chevron) and arriving from the left edge of the next;
- in every row, overlapping arcs get different heights (levels): shorter arcs first, each at
  the lowest level where neither its line nor its label touches another arc at that level, so
  arc labels never overlap and an arc never runs along another;
- the ends of the arcs that meet one entity are spread along its width (the entity is widened
  when many arcs meet it), ordered so that arcs leaving on the same side do not cross.

Text widths are estimated from Helvetica/Arial metrics, and every text element carries
``textLength``, so the browser fits the text to the computed layout whatever the font.
"""
import html
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc, Span
from spacy.util import is_in_jupyter

from .extensions import ENTITY_LABELS, FALSE_LABEL, POSITIVE_LABELS

ENTITY_COLORS = {"DRUG": "#aee1f9", "BRAND": "#ffd59e", "GROUP": "#c3ebb4", "DRUG_N": "#f5c2e2"}
ARC_COLORS = {
    "MECHANISM": "#c62828",
    "EFFECT": "#1565c0",
    "ADVISE": "#e07000",
    "INT": "#7b3fb0",
    FALSE_LABEL: "#8d8d8d",
}
_SPARE_ENTITY_COLORS = ("#e0e0e0", "#d7ccf2", "#fde9a5", "#c8e6e9", "#f8cfc0")
_SPARE_ARC_COLORS = ("#00838f", "#6d4c41", "#ad1457", "#558b2f", "#37474f")

DEFAULT_OPTIONS: Dict[str, Any] = {
    "labels": None,  # interaction labels to draw (None: all)
    "show_false": None,  # draw FALSE pairs (None: only if "FALSE" is listed in labels)
    "show_scores": False,  # print the score after each arc label (always in the tooltip)
    "colors": {},  # label -> CSS colour, for entity and interaction labels
    "width": 900,  # wrap sentences into rows of at most this many pixels
    "legend": True,  # draw the legend above the drawings
}

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

CSS = """
.ddi-viz { font-family: Helvetica, Arial, 'Liberation Sans', sans-serif; color: #222; }
.ddi-viz .ddi-legend { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center;
  font-size: 12px; margin: 4px 0 10px; }
.ddi-viz .ddi-legend-ent { padding: 1px 6px; border-radius: 3px; font-weight: bold; }
.ddi-viz .ddi-legend-arc { display: inline-flex; align-items: center; gap: 4px; font-weight: bold; }
.ddi-viz .ddi-doc-title { font-size: 14px; margin: 12px 0 4px; }
.ddi-viz .ddi-sent { overflow-x: auto; overflow-y: hidden; margin: 0 0 6px; }
.ddi-viz .ddi-empty { color: #888; font-size: 12px; font-style: italic; margin: 4px 0; }
.ddi-viz svg.ddi-svg { display: block; }
.ddi-viz .ddi-arc-hit { pointer-events: stroke; cursor: help; }
.ddi-viz .ddi-arc:hover .ddi-arc-line { stroke-width: 3; }
.ddi-viz svg.ddi-svg:has(.ddi-arc:hover) .ddi-arc:not(:hover) { opacity: 0.25; }
"""


def render(
    docs: Union[Doc, Span, Iterable[Union[Doc, Span]]],
    page: bool = False,
    jupyter: Optional[bool] = None,
    options: Optional[Dict[str, Any]] = None,
) -> Optional[str]:
    """Draw the entities and interactions of ``docs`` (a Doc, a Span or an iterable of them).

    page: return a whole HTML page instead of a fragment (returned, even in Jupyter).
    jupyter: display the markup inline in Jupyter and return None; by default only when
        running in a notebook (as ``displacy.render``).
    options: ``labels`` (interaction labels to draw, default all), ``show_false`` (draw FALSE
        pairs; default False unless "FALSE" is listed in ``labels``), ``show_scores`` (print
        scores on the arcs; they are always in the tooltip), ``colors`` ({label: CSS colour}),
        ``width`` (wrap width in pixels, default 900), ``legend`` (default True).
    RETURNS: the markup, or None when it was displayed in Jupyter.
    """
    body = render_body(docs, options)
    if page:
        return page_html(body)
    markup = f"<style>{CSS}</style>{body}"
    if jupyter or (jupyter is None and is_in_jupyter()):
        from IPython.display import HTML, display

        display(HTML(f'<span class="tex2jax_ignore">{markup}</span>'))
        return None
    return markup


def render_body(
    docs: Union[Doc, Span, Iterable[Union[Doc, Span]]], options: Optional[Dict[str, Any]] = None
) -> str:
    """The markup of ``render`` without the stylesheet (``CSS``), to compose larger pages."""
    opts = _options(options)
    items = [docs] if isinstance(docs, (Doc, Span)) else list(docs)
    for item in items:
        if not isinstance(item, (Doc, Span)):
            raise ValueError(f"render() takes Doc or Span objects, not {type(item).__name__}")
    parts = [_render_item(item, opts) for item in items]
    if opts["legend"]:
        parts.insert(0, legend_html(items, opts))
    return '<div class="ddi-viz">' + "".join(parts) + "</div>"


def serve(
    docs: Union[Doc, Span, Iterable[Union[Doc, Span]]],
    port: int = 5000,
    host: str = "127.0.0.1",
    options: Optional[Dict[str, Any]] = None,
) -> None:
    """Serve the page of ``render(docs, page=True)`` on http://host:port until interrupted.

    host: the address to listen on; the default, 127.0.0.1, serves this machine only (the
    page shows the analysed text, often clinical). ``"0.0.0.0"`` serves every network the
    machine is on: only for those who mean it.
    """
    markup = render(docs, page=True, jupyter=False, options=options)
    httpd = make_server(markup, host=host, port=port)
    print(f"\nUsing the spacy-ddi visualizer\nServing on http://{host}:{httpd.server_port} ...\n")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print(f"Shutting down server on port {httpd.server_port}.")
    finally:
        httpd.server_close()


def make_server(markup: str, host: str = "127.0.0.1", port: int = 5000):
    """A wsgiref server answering every GET with ``markup`` (port 0 picks a free port)."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server as wsgi_server

    body = markup.encode("utf8")

    def app(environ, start_response):
        start_response("200 OK", [("Content-type", "text/html; charset=utf-8")])
        return [body]

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

    return wsgi_server(host, port, app, handler_class=QuietHandler)


def page_html(body: str, title: str = "spacy-ddi") -> str:
    """A whole HTML page around ``body`` (markup from ``render``), with the stylesheet."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body style="margin: 16px;">\n{body}\n</body>\n</html>\n'
    )


def legend_html(
    docs: Sequence[Union[Doc, Span]] = (), options: Optional[Dict[str, Any]] = None
) -> str:
    """The legend: the entity types and the interaction types that ``options`` let through."""
    opts = _options(options)
    ent_labels = list(ENTITY_LABELS)
    arc_labels = [label for label in POSITIVE_LABELS + (FALSE_LABEL,) if _shown(label, opts)]
    for item in docs:
        doc, start, end = _bounds(item)
        for ent in doc.ents:
            if start <= ent.start and ent.end <= end and ent.label_ not in ent_labels:
                ent_labels.append(ent.label_)
        for ddi in doc._.ddis:
            if _shown(ddi.label, opts) and ddi.label not in arc_labels:
                arc_labels.append(ddi.label)
    parts = ['<div class="ddi-legend">']
    for label in ent_labels:
        parts.append(
            f'<span class="ddi-legend-ent" data-label="{_esc(label)}" style="background: '
            f'{_esc(_entity_color(label, opts))}">{_esc(label)}</span>'
        )
    for label in arc_labels:
        color = _esc(_arc_color(label, opts))
        dash = ' stroke-dasharray="4 3"' if label == FALSE_LABEL else ""
        parts.append(
            f'<span class="ddi-legend-arc" data-label="{_esc(label)}" style="color: {color}">'
            f'<svg width="26" height="10" aria-hidden="true"><line x1="1" y1="5" x2="19" y2="5" '
            f'stroke="{color}" stroke-width="2"{dash}/><path d="M19,1 L25,5 L19,9 Z" '
            f'fill="{color}"/></svg>{_esc(label)}</span>'
        )
    parts.append("</div>")
    return "".join(parts)


# ----------------------------------------------------------------------------- options


def _options(options: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    options = dict(options or {})
    unknown = set(options) - set(DEFAULT_OPTIONS)
    if unknown:
        raise ValueError(
            f"Unknown visualizer option(s) {sorted(unknown)}; expected {sorted(DEFAULT_OPTIONS)}"
        )
    opts = {**DEFAULT_OPTIONS, **options}
    if opts["labels"] is not None:
        opts["labels"] = [str(label) for label in opts["labels"]]
    if opts["show_false"] is None:
        opts["show_false"] = opts["labels"] is not None and FALSE_LABEL in opts["labels"]
    opts["colors"] = dict(opts["colors"] or {})
    opts["width"] = max(200, int(opts["width"]))
    return opts


def _shown(label: str, opts: Dict[str, Any]) -> bool:
    if label == FALSE_LABEL and not opts["show_false"]:
        return False
    return opts["labels"] is None or label in opts["labels"]


def _entity_color(label: str, opts: Dict[str, Any]) -> str:
    if label in opts["colors"]:
        return opts["colors"][label]
    if label in ENTITY_COLORS:
        return ENTITY_COLORS[label]
    return _SPARE_ENTITY_COLORS[zlib.crc32(label.encode("utf8")) % len(_SPARE_ENTITY_COLORS)]


def _arc_color(label: str, opts: Dict[str, Any]) -> str:
    if label in opts["colors"]:
        return opts["colors"][label]
    if label in ARC_COLORS:
        return ARC_COLORS[label]
    return _SPARE_ARC_COLORS[zlib.crc32(label.encode("utf8")) % len(_SPARE_ARC_COLORS)]


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


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


# ----------------------------------------------------------------------------- layout


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


@dataclass
class _Arc:
    subject: int  # index of the subject's box in the sentence's entity boxes
    object: int
    label: str
    score: float
    subject_text: str
    object_text: str
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


def _bounds(item: Union[Doc, Span]) -> Tuple[Doc, int, int]:
    if isinstance(item, Span):
        return item.doc, item.start, item.end
    return item, 0, len(item)


def _render_item(item: Union[Doc, Span], opts: Dict[str, Any]) -> str:
    doc, start, end = _bounds(item)
    ents = [ent for ent in doc.ents if start <= ent.start and ent.end <= end]
    ddis = [
        d
        for d in doc._.ddis
        if _shown(d.label, opts)
        and min(d.subject.start, d.object.start) >= start
        and max(d.subject.end, d.object.end) <= end
    ]
    parts = ['<div class="ddi-doc">']
    title = doc.user_data.get("title") if isinstance(doc.user_data, dict) else None
    if title:
        parts.append(f'<div class="ddi-doc-title">{_esc(title)}</div>')
    sentences = _sentences(doc, start, end, ents, ddis)
    if not sentences:
        parts.append('<div class="ddi-empty">(no text)</div>')
    for s_start, s_end in sentences:
        sent_ents = [e for e in ents if s_start <= e.start and e.end <= s_end]
        sent_ddis = [d for d in ddis if s_start <= min(d.subject.start, d.object.start) < s_end]
        parts.append(_render_sentence(doc, s_start, s_end, sent_ents, sent_ddis, opts))
    parts.append("</div>")
    return "".join(parts)


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


def _render_sentence(doc: Doc, start: int, end: int, ents, ddis, opts) -> str:
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
            arcs.append(_Arc(s, o, d.label, float(d.score), d.subject.text, d.object.text))
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

    sentence_text = _normalise(doc[start:end].text)
    out = [
        f'<div class="ddi-sent" data-start="{start}" data-end="{end}">'
        f'<svg class="ddi-svg" xmlns="http://www.w3.org/2000/svg" width="{svg_w:.0f}" '
        f'height="{svg_h:.0f}" viewBox="0 0 {svg_w:.0f} {svg_h:.0f}" role="img" '
        f'aria-label="{_esc(sentence_text)}" font-family="{_esc(FONT)}">'
    ]
    # arcs, the highest first so that labels of lower arcs lie on top of crossing lines
    for arc in sorted(arcs, key=lambda a: -max(s.level for s in a.segments)):
        out.append(_draw_arc(arc, base_y, opts))
    # text outside entities, one <text> per run of plain tokens on a row
    run: List[_Box] = []
    for box in boxes + [None]:  # type: ignore[list-item]
        if box is not None and not box.is_entity and (not run or run[-1].row == box.row):
            run.append(box)
            continue
        if run:
            text = "".join(b.text + (" " if b.space_after else "") for b in run).rstrip()
            x1 = run[0].x
            x2 = run[-1].x + run[-1].width
            out.append(
                f'<text class="ddi-text" x="{x1:.1f}" y="{base_y[run[0].row] + 15:.1f}" '
                f'font-size="{TEXT_SIZE}" fill="#222" textLength="{x2 - x1:.1f}" '
                f'lengthAdjust="spacingAndGlyphs">{_esc(text)}</text>'
            )
            run = []
        if box is not None and not box.is_entity:
            run.append(box)
    # entities
    for k in sorted(ent_box, key=lambda k: ent_spans[k][0]):
        box = ent_box[k]
        out.append(_draw_entity(box, base_y[box.row], opts))
    out.append("</svg></div>")
    return "".join(out)


def _short(text: str, n: int = 24) -> str:
    text = _normalise(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _arc_text(arc: _Arc, kind: str, opts) -> str:
    """The label of one piece of an arc; pieces of an arc cut by a row break name the drug at
    the far end, so every piece can be read on its own."""
    label = f"{arc.label} {arc.score:.2f}" if opts["show_scores"] else arc.label
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


def _draw_arc(arc: _Arc, base_y: Dict[int, float], opts) -> str:
    color = _esc(_arc_color(arc.label, opts))
    dash = ' stroke-dasharray="4 3"' if arc.label == FALSE_LABEL else ""
    title = f"{arc.subject_text} \u2192 {arc.object_text}: {arc.label} (score {arc.score:.2f})"
    out = [
        f'<g class="ddi-arc" data-label="{_esc(arc.label)}" data-subject="{_esc(arc.subject_text)}" '
        f'data-object="{_esc(arc.object_text)}" data-score="{arc.score:.4f}">'
        f"<title>{_esc(title)}</title>"
    ]
    for seg in arc.segments:
        label_w = seg.label_w
        base = base_y[seg.row]
        y = base - seg.level * LEVEL
        d = []
        arrows = []
        if seg.kind in ("full", "start"):  # rises from the entity on the left
            r = min(RADIUS, (seg.x2 - seg.x1) / 2)
            arrow = not arc.object_last
            y_leg = base - (ARROW - 1 if arrow else 0)
            d.append(f"M{seg.x1:.1f},{y_leg:.1f} V{y + r:.1f} Q{seg.x1:.1f},{y:.1f} {seg.x1 + r:.1f},{y:.1f}")
            if arrow:
                arrows.append(seg.x1)
        else:  # comes from the previous row
            d.append(f"M{seg.x1:.1f},{y:.1f}")
        if seg.kind in ("full", "end"):  # comes down on the entity on the right
            r = min(RADIUS, (seg.x2 - seg.x1) / 2)
            arrow = arc.object_last
            y_leg = base - (ARROW - 1 if arrow else 0)
            d.append(f"H{seg.x2 - r:.1f} Q{seg.x2:.1f},{y:.1f} {seg.x2:.1f},{y + r:.1f} V{y_leg:.1f}")
            if arrow:
                arrows.append(seg.x2)
        else:  # goes on to the next row
            d.append(f"H{seg.x2:.1f}")
        path = " ".join(d)
        out.append(
            f'<path class="ddi-arc-hit" d="{path}" fill="none" stroke="transparent" stroke-width="8"/>'
            f'<path class="ddi-arc-line" d="{path}" fill="none" stroke="{color}" '
            f'stroke-width="1.6"{dash}/>'
        )
        for xa in arrows:
            out.append(
                f'<path class="ddi-arc-arrow" d="M{xa - 3.5:.1f},{base - ARROW:.1f} L{xa + 3.5:.1f},'
                f'{base - ARROW:.1f} L{xa:.1f},{base:.1f} Z" fill="{color}"/>'
            )
        if seg.kind in ("start", "through"):  # continues on the next row
            xe = seg.x2
            out.append(
                f'<path class="ddi-arc-more" d="M{xe - 5:.1f},{y - 4:.1f} L{xe:.1f},{y:.1f} '
                f'L{xe - 5:.1f},{y + 4:.1f}" fill="none" stroke="{color}" stroke-width="1.6"/>'
            )
        lx = seg.label_x - label_w / 2
        out.append(
            f'<g class="ddi-arc-label"><rect x="{lx:.1f}" y="{y - LABEL_HEIGHT / 2:.1f}" '
            f'width="{label_w:.1f}" height="{LABEL_HEIGHT}" rx="3" fill="{color}"/>'
            f'<text x="{lx + LABEL_PAD:.1f}" y="{y + ARC_LABEL_SIZE / 2 - 1:.1f}" '
            f'font-size="{ARC_LABEL_SIZE}" font-weight="bold" fill="#fff" '
            f'textLength="{label_w - 2 * LABEL_PAD:.1f}" lengthAdjust="spacingAndGlyphs">'
            f"{_esc(seg.text)}</text></g>"
        )
    out.append("</g>")
    return "".join(out)


def _link_text(span: Span) -> str:
    """ " = Warfarin (DrugBank DB00682)" for an entity drug_linker linked, else ""."""
    name, drug_id = span._.get("drug_name"), span._.get("drug_id")
    if not name:
        return ""
    return f" = {name}" + (f" (DrugBank {drug_id})" if drug_id else " (no DrugBank id)")


def _draw_entity(box: _Box, base: float, opts) -> str:
    label = box.label or ""
    color = _esc(_entity_color(label, opts))
    tx = box.x + (box.width - box.text_w) / 2
    label_w = text_width(label, ENT_LABEL_SIZE, bold=True)
    lx = box.x + (box.width - label_w) / 2
    return (
        f'<g class="ddi-ent" data-label="{_esc(label)}" data-start="{box.start}" '
        f'data-end="{box.end}"><title>{_esc(box.text)}: {_esc(label)}{_esc(box.link)}</title>'
        f'<rect x="{box.x:.1f}" y="{base:.1f}" width="{box.width:.1f}" height="{ENT_HEIGHT}" '
        f'rx="3" fill="{color}"/>'
        f'<text class="ddi-ent-text" x="{tx:.1f}" y="{base + 15:.1f}" font-size="{TEXT_SIZE}" '
        f'fill="#111" textLength="{box.text_w:.1f}" lengthAdjust="spacingAndGlyphs">'
        f"{_esc(box.text)}</text>"
        + (
            f'<text class="ddi-ent-label" x="{lx:.1f}" y="{base + ENT_HEIGHT + ENT_LABEL_SIZE + 1:.1f}" '
            f'font-size="{ENT_LABEL_SIZE}" font-weight="bold" fill="#555" '
            f'textLength="{label_w:.1f}" lengthAdjust="spacingAndGlyphs">{_esc(label)}</text>'
            if label
            else ""
        )
        + "</g>"
    )
