"""The web app of a review (Starlette, served by uvicorn): the page, one document or a window
of the queue per request, and decisions posted back.

Only this machine is served by default (127.0.0.1). Every request must name this server in its
Host header: a loopback name, the bound address, an IP address when bound to every network, this
machine's host names, or a name given with ``--allow-host`` (so a page on another site cannot
reach it through a DNS name rebound to this machine), and a
decision is taken only from a same-origin request that carries the server's token (a random
value in the page, which a page of another origin cannot read) in an ``X-Review-Token`` header.
"""
import html
import secrets
import socket
import sys
from pathlib import Path
from typing import Dict, Iterable, Optional

from ..extensions import ENTITY_LABELS, POSITIVE_LABELS, Interaction, install_extensions
from ..visualize import CSS, render_body
from .log import LogWriteError, ReviewError
from .store import ORDERS, ReviewStore

PAGE = Path(__file__).with_name("page.html")
QUEUE_LIMIT = 200  # queue items per request at most
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def missing_dependencies() -> Optional[str]:
    """None when the web app can run, else what to install."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as err:
        return f"spacy-ddi review needs Starlette and uvicorn ({err}): pip install 'spacy-ddi[review]'"
    return None


def doc_payload(store: ReviewStore, i: int, order: str = "uncertainty", width: int = 860) -> Dict:
    """Document ``i`` as the page shows it: its text, entities and interactions as the
    decisions leave them (each interaction with its queue position in ``order``), and the
    drawing of ``spacy_ddi.render`` (rejected interactions drawn as FALSE)."""
    install_extensions()
    state = store.state(i)
    doc = store.sentence_doc(state.text)
    spans = {}
    for ent in state.entities:
        span = doc.char_span(ent["start"], ent["end"], label=ent["label"], alignment_mode="expand")
        if span is None or not len(span):
            continue
        if any(span.start < s.end and s.start < span.end for s in spans.values()):
            continue  # two mentions in one token: the drawing shows the first
        spans[(ent["start"], ent["end"])] = span
    doc.ents = sorted(spans.values(), key=lambda s: s.start)
    for ent in state.entities:
        span = spans.get((ent["start"], ent["end"]))
        if span is not None:
            span._.drug_name, span._.drug_id = ent.get("drug_name"), ent.get("drug_id")
    ddis, tokens = [], []
    for ddi in state.interactions:
        a = spans.get((ddi["subject"]["start"], ddi["subject"]["end"]))
        b = spans.get((ddi["object"]["start"], ddi["object"]["end"]))
        tokens.append([a.start, b.start] if a is not None and b is not None else None)
        if a is not None and b is not None:
            score = ddi["score"] if isinstance(ddi["score"], (int, float)) else 1.0
            ddis.append(Interaction(a, b, ddi["label"], float(score)))
    doc._.ddis = ddis
    positions = store.index.positions[order]
    interactions = []
    for ddi, token in zip(state.interactions, tokens):
        origin = ddi["origin"]
        pos = positions[store.index.entry(i, origin)] if origin is not None else None
        interactions.append({
            "subject": _brief(ddi["subject"]), "object": _brief(ddi["object"]), "label": ddi["label"],
            "model_label": ddi["model_label"], "score": ddi["score"], "review": ddi["review"],
            "assertion": ddi.get("assertion"),
            "pos": pos, "tokens": token,
        })
    interactions.sort(key=lambda d: (d["subject"]["start"], d["object"]["start"]))
    entities = []
    for ent in state.entities:
        span = spans.get((ent["start"], ent["end"]))
        entities.append({**ent, "token": span.start if span is not None else None})
    return {
        "index": i, "id": state.id, "documents": len(store.index), "text": state.text,
        "entities": entities, "interactions": interactions, "decisions": state.decisions,
        "markup": render_body(doc, {"show_false": True, "width": width}),
    }


def _brief(mention: Dict) -> Dict:
    return {"start": mention["start"], "end": mention["end"], "text": mention["text"]}


WILDCARD = ("0.0.0.0", "::", "")


def allowed_hosts(host: str, port: int, also: Iterable[str] = ()) -> set:
    """The Host headers a server bound to ``host``:``port`` answers: its loopback names, the
    bound address, and ``also`` (names given with ``--allow-host``). Bound to every network
    (0.0.0.0), it also answers this machine's own host names; any IP address is answered too
    (``create_app``'s ``ip_literals``), but never another DNS name, which is how a page on
    another site reaches a server through a name rebound to it."""
    names = {"127.0.0.1", "localhost", "[::1]", *also}
    if host in WILDCARD:
        names |= {socket.gethostname(), socket.getfqdn()}
    elif host not in LOOPBACK:
        names |= {f"[{host}]" if ":" in host else host}
    answered = {f"{name}:{port}" for name in names if name}
    if port == 80:  # browsers leave the default port out of the Host header
        answered |= {name for name in names if name}
    return answered


def _is_ip_literal(host_header: str, port: int) -> bool:
    """Whether a Host header is an IP address (v4, or v6 in brackets) with this port."""
    import ipaddress

    if port == 80 and (host_header.endswith("]") or ":" not in host_header):
        name, given_port = host_header, "80"  # the default port, left out by browsers
    else:
        name, _, given_port = host_header.rpartition(":")
    if given_port != str(port):
        return False
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
    except ValueError:
        return False
    return True


def create_app(
    store: ReviewStore, hosts: Optional[Iterable[str]] = None, token: Optional[str] = None, ip_literals: Optional[int] = None
):
    """The Starlette app of a review of ``store``.

    hosts: the Host headers to answer (None: any; ``allowed_hosts`` gives them for a bound
        address). ip_literals: a port: also answer any IP address with it (a server bound to
        every network). token: the value decisions must carry in ``X-Review-Token`` (default: a new
        random one); the page carries it.
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    token = token or secrets.token_urlsafe(24)
    hosts = set(hosts) if hosts is not None else None
    template = PAGE.read_text(encoding="utf8")

    def headers(nonce: str = "") -> Dict[str, str]:
        script = f"'nonce-{nonce}'" if nonce else "'none'"
        return {
            "Content-Security-Policy": (
                f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; "
                "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }

    def refuse(status: int, message: str) -> Response:
        return JSONResponse({"error": message}, status_code=status, headers=headers())

    def refused(request: Request, write: bool = False) -> Optional[Response]:
        host = request.headers.get("host", "")
        if hosts is not None and host not in hosts and not (ip_literals and _is_ip_literal(host, ip_literals)):
            return refuse(421, f"this server does not answer for the host {host!r}")
        if not write:
            return None
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{host}":
            return refuse(403, "decisions are taken from this server's own page only (cross-origin request refused)")
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return refuse(403, "decisions are taken from this server's own page only (cross-site request refused)")
        if not secrets.compare_digest(request.headers.get("x-review-token", ""), token):
            return refuse(403, "missing or stale review token: reload the page (the server may have restarted)")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return refuse(415, "decisions are posted as application/json")
        return None

    def guarded(write: bool = False, status: int = 400):
        """A handler behind the request checks of :func:`refused`, whose ReviewError (bad input
        of the request) is answered with ``status`` and its message."""
        def wrap(handler):
            async def run(request: Request) -> Response:
                bad = refused(request, write=write)
                if bad:
                    return bad
                try:
                    return await handler(request)
                except LogWriteError as err:  # the server's disk, not the request: try again later
                    return refuse(503, str(err))
                except ReviewError as err:
                    return refuse(status, str(err))
            return run
        return wrap

    def order_of(request: Request) -> str:
        order = request.query_params.get("order", "uncertainty")
        if order not in ORDERS:
            raise ReviewError(f"order is one of {', '.join(ORDERS)}, not {order!r}")
        return order

    def int_param(request: Request, name: str, default: int) -> int:
        value = request.query_params.get(name, str(default))
        try:
            return int(value)
        except ValueError:
            raise ReviewError(f"{name} is an integer, not {value!r}") from None

    @guarded()
    async def page(request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        body = (
            template.replace("{{NONCE}}", nonce)
            .replace("{{TOKEN}}", html.escape(token, quote=True))
            .replace("{{TITLE}}", html.escape(store.input_path.name, quote=True))
            .replace("{{VIZ_CSS}}", CSS)
        )
        return HTMLResponse(body, headers=headers(nonce))

    @guarded()
    async def state(request: Request) -> Response:
        order = order_of(request)
        return JSONResponse({
            "input": store.input_path.name, "log": str(store.log_path), "progress": store.progress(),
            "resume": store.resume(order), "notes": store.notes, "labels": list(POSITIVE_LABELS),
            "entity_labels": list(ENTITY_LABELS), "orders": list(ORDERS),
        }, headers=headers())

    @guarded()
    async def queue(request: Request) -> Response:
        order = order_of(request)
        start = int_param(request, "start", 0)
        limit = min(max(int_param(request, "limit", 20), 0), QUEUE_LIMIT)
        items = store.queue(order, start, limit)
        return JSONResponse({"items": items, "total": store.index.entries, "progress": store.progress()}, headers=headers())

    @guarded(status=404)
    async def document(request: Request) -> Response:
        payload = doc_payload(store, int(request.path_params["index"]), order_of(request))
        return JSONResponse(payload, headers=headers())

    @guarded(write=True)
    async def decide(request: Request) -> Response:
        try:
            decision = await request.json()
        except ValueError:
            return refuse(400, "the decision is not JSON")
        if not isinstance(decision, dict):
            return refuse(400, "a decision is an object: doc, action, interaction or entity, value")
        order = order_of(request)
        doc_state, entry = store.decide(decision)
        return JSONResponse({
            "line": entry["line"], "doc": doc_payload(store, doc_state.index, order),
            "progress": store.progress(),
        }, headers=headers())

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204, headers=headers())

    return Starlette(routes=[
        Route("/", page),
        Route("/favicon.ico", no_icon),
        Route("/api/state", state),
        Route("/api/queue", queue),
        Route("/api/doc/{index:int}", document),
        Route("/api/decide", decide, methods=["POST"]),
    ])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(store: ReviewStore, host: str = "127.0.0.1", port: int = 8000, allow_hosts: Iterable[str] = ()) -> None:
    """Serve the review of ``store`` on http://host:port until interrupted (port 0: a free one).

    host: 127.0.0.1, the default, serves this machine only (the documents are often clinical
    text); 0.0.0.0 serves every network the machine is on, only for those who mean it, by IP
    address, this machine's host names and ``allow_hosts`` (DNS names it is reached by).
    """
    import uvicorn

    sock = bind(host, port)
    port = sock.getsockname()[1]
    app = create_app(store, hosts=allowed_hosts(host, port, allow_hosts), ip_literals=port if host in WILDCARD else None)
    shown = f"[{host}]" if ":" in host else host
    progress = store.progress()
    print(
        f"Reviewing {store.input_path} ({progress['documents']} documents, {progress['reviewed']} of "
        f"{progress['total']} interactions reviewed); decisions go to {store.log_path}",
        flush=True,
    )
    print(f"Serving on http://{shown}:{port} (Ctrl+C to stop)", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    print("Stopped; every decision is in the log.", file=sys.stderr, flush=True)
