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
from typing import Any, Dict, Iterable, Optional, Union

from spacy.tokens import Doc, Span
from spacy.util import is_in_jupyter

from .layout import _bounds, _sentences, layout_sentence, text_width
from .templates import (
    ARC_COLORS, CSS, DEFAULT_OPTIONS, ENTITY_COLORS, _esc, _options, _shown, legend_html, page_html,
    sentence_svg,
)

__all__ = [
    "ARC_COLORS", "CSS", "DEFAULT_OPTIONS", "ENTITY_COLORS", "legend_html", "make_server", "page_html",
    "render", "render_body", "serve", "text_width",
]


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
        layout = layout_sentence(doc, s_start, s_end, sent_ents, sent_ddis, opts)
        parts.append(sentence_svg(doc, layout, opts))
    parts.append("</div>")
    return "".join(parts)
