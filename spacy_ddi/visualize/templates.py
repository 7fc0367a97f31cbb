"""The markup of the pictures: colours, options, stylesheet, page, legend, and the SVG of a
sentence laid out by :mod:`spacy_ddi.visualize.layout`."""
import html
import zlib
from typing import Any, Dict, List, Optional, Sequence, Union

from spacy.tokens import Doc, Span

from ..extensions import ENTITY_LABELS, FALSE_LABEL, POSITIVE_LABELS
from .layout import (
    ARC_LABEL_SIZE, ARROW, ENT_HEIGHT, ENT_LABEL_SIZE, FONT, LABEL_HEIGHT, LABEL_PAD, LEVEL, RADIUS,
    TEXT_SIZE, SentenceLayout, _Arc, _Box, _bounds, _normalise, text_width,
)

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


# ----------------------------------------------------------------------------- drawing


def sentence_svg(doc: Doc, layout: SentenceLayout, opts) -> str:
    """The SVG drawing of a laid-out sentence."""
    start, end, boxes, ent_spans, ent_box = layout.start, layout.end, layout.boxes, layout.ent_spans, layout.ent_box
    arcs, base_y, svg_w, svg_h = layout.arcs, layout.base_y, layout.svg_w, layout.svg_h
    sentence_text = _normalise(doc[start:end].text)
    out = [
        f'<div class="ddi-sent" data-start="{start}" data-end="{end}">'
        f'<svg class="ddi-svg" xmlns="http://www.w3.org/2000/svg" width="{svg_w:.0f}" '
        f'height="{svg_h:.0f}" viewBox="0 0 {svg_w:.0f} {svg_h:.0f}" role="img" '
        f'aria-label="{_esc(sentence_text)}" font-family="{_esc(FONT)}">'
    ]
    # arcs, the highest first so that labels of lower arcs lie on top of crossing lines
    for arc in sorted(arcs, key=lambda a: -max(s.level for s in a.segments)):
        out.append(_draw_arc(arc, base_y, opts, ent_spans))
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


def _draw_arc(arc: _Arc, base_y: Dict[int, float], opts, ent_spans) -> str:
    color = _esc(_arc_color(arc.label, opts))
    dash = ' stroke-dasharray="4 3"' if arc.label == FALSE_LABEL else ""
    title = f"{arc.subject_text} \u2192 {arc.object_text}: {arc.label} (score {arc.score:.2f})"
    # the first tokens of the two entities, as data-start of their boxes (to find the arc)
    ends = f'data-subject-start="{ent_spans[arc.subject][0]}" data-object-start="{ent_spans[arc.object][0]}"'
    out = [
        f'<g class="ddi-arc" data-label="{_esc(arc.label)}" data-subject="{_esc(arc.subject_text)}" '
        f'data-object="{_esc(arc.object_text)}" data-score="{arc.score:.4f}" {ends}>'
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
