"""spacy_ddi.render / serve: the markup on hand-made docs, and one page in headless Chromium."""
import html
import importlib.util
import json
import re
import subprocess
import sys
import threading
import types
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

import spacy_ddi
from spacy_ddi.extensions import Interaction
from spacy_ddi.text.sentences import ddi_sentences
from spacy_ddi.visualize import make_server, render_body

from .conftest import annotated_doc, find_chromium

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]

# a list sentence of the kind the DDI corpus is full of: one drug interacting with a dozen
DENSE_TEXT = (
    "Methscopolamine may interact with antidepressants (tricyclic type), MAO inhibitors "
    "(e.g., phenelzine, linezolid, tranylcypromine, isocarboxazid, selegiline), quinidine, "
    "amantadine, antihistamines (e.g., diphenhydramine), potassium chloride supplements, "
    "antacids and phenothiazines (e.g., chlorpromazine, promethazine); lithium raises "
    "the levels of digoxin."
)
DENSE_OBJECTS = [
    ("antidepressants", "GROUP"), ("MAO inhibitors", "GROUP"), ("phenelzine", "DRUG"),
    ("linezolid", "DRUG"), ("tranylcypromine", "DRUG"), ("isocarboxazid", "DRUG"),
    ("selegiline", "DRUG"), ("quinidine", "DRUG"), ("amantadine", "DRUG"),
    ("antihistamines", "GROUP"), ("diphenhydramine", "DRUG"), ("potassium chloride", "DRUG"),
    ("antacids", "GROUP"), ("phenothiazines", "GROUP"), ("chlorpromazine", "DRUG"),
    ("promethazine", "DRUG"),
]
DENSE_ENTS = [("Methscopolamine", "DRUG")] + DENSE_OBJECTS + [("lithium", "DRUG"), ("digoxin", "DRUG")]
DENSE_RELS = (
    [("Methscopolamine", word, "INT") for word, _ in DENSE_OBJECTS]
    + [("phenelzine", "linezolid", "EFFECT"), ("quinidine", "amantadine", "ADVISE")]
    + [("antidepressants", "MAO inhibitors", "MECHANISM"), ("lithium", "digoxin", "MECHANISM")]
    + [("antacids", "lithium", "FALSE")]
)


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def doc_of(nlp, text, ents, rels):
    return annotated_doc(nlp, text, ents, rels)


def drawings(markup):
    """Every sentence drawing of ``markup``, parsed as XML (which also checks its escaping)."""
    return [ET.fromstring(svg) for svg in re.findall(r"<svg class=\"ddi-svg\".*?</svg>", markup, re.S)]


def with_class(svg, name):
    return [el for el in svg.iter() if name in (el.get("class") or "").split()]


def all_text(el):
    return "".join(el.itertext())


class Balance(HTMLParser):
    """Checks that every element of an HTML fragment is closed, in order."""

    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.data = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.data.append(data)


def assert_balanced(markup):
    parser = Balance()
    parser.feed(markup)
    parser.close()
    assert parser.stack == []
    return "".join(parser.data)


def test_every_entity_and_arc_is_drawn_with_its_label(nlp):
    doc = doc_of(
        nlp,
        "Aspirin may enhance the anticoagulant effect of warfarin in NSAIDs users.",
        [("Aspirin", "BRAND"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP")],
        [("Aspirin", "warfarin", "EFFECT"), ("Aspirin", "NSAIDs", "MECHANISM"), ("warfarin", "NSAIDs", "FALSE")],
    )
    doc._.ddis = [Interaction(d.subject, d.object, d.label, 0.875) for d in doc._.ddis]
    markup = spacy_ddi.render(doc, jupyter=False)
    assert_balanced(markup)
    (svg,) = drawings(markup)
    ents = with_class(svg, "ddi-ent")
    assert [(all_text(e.find(f"{SVG}text")), e.get("data-label")) for e in ents] == [
        ("Aspirin", "BRAND"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP")
    ]
    assert [all_text(e.find(f"{SVG}text[@class='ddi-ent-label']")) for e in ents] == ["BRAND", "DRUG", "GROUP"]
    arcs = {(a.get("data-subject"), a.get("data-object")): a for a in with_class(svg, "ddi-arc")}
    assert set(arcs) == {("Aspirin", "warfarin"), ("Aspirin", "NSAIDs")}  # FALSE hidden by default
    for (subject, obj), label in {("Aspirin", "warfarin"): "EFFECT", ("Aspirin", "NSAIDs"): "MECHANISM"}.items():
        arc = arcs[(subject, obj)]
        assert arc.get("data-label") == label
        # "may enhance": a hedged statement, marked on the arc (spacy_ddi.assertion)
        assert [all_text(t) for t in with_class(arc, "ddi-arc-label")] == [f"{label} (hedged)"]
        assert arc.find(f"{SVG}title").text == f"{subject} \u2192 {obj}: {label} (score 0.88)"
        assert with_class(arc, "ddi-arc-line") and len(with_class(arc, "ddi-arc-arrow")) == 1
    # the plain text between the entities is there too
    assert "may enhance the anticoagulant effect of" in all_text(svg)
    # the legend names every entity type and the interaction types drawn
    legend = re.search(r'<div class="ddi-legend">.*?</div>', markup).group(0)
    for label in ("DRUG", "BRAND", "GROUP", "DRUG_N", "MECHANISM", "EFFECT", "ADVISE", "INT"):
        assert f'data-label="{label}"' in legend
    assert 'data-label="FALSE"' not in legend


def test_scores_can_be_printed(nlp):
    doc = doc_of(nlp, "Ketoconazole raises midazolam.", [("Ketoconazole", "DRUG"), ("midazolam", "DRUG")],
                 [("Ketoconazole", "midazolam", "MECHANISM")])
    doc._.ddis = [Interaction(doc._.ddis[0].subject, doc._.ddis[0].object, "MECHANISM", 0.4321)]
    (svg,) = drawings(spacy_ddi.render(doc, jupyter=False, options={"show_scores": True}))
    assert [all_text(t) for t in with_class(svg, "ddi-arc-label")] == ["MECHANISM 0.43"]


def test_text_and_attributes_are_escaped(nlp):
    text = 'Give <b> aspirin </b> & "warfarin" with O\'Neil\'s <script>alert(1)</script> A&B tonic.'
    doc = nlp.make_doc(text)

    def span(word, label):
        result = doc.char_span(text.index(word), text.index(word) + len(word), label=label)
        assert result is not None, word
        return result

    aspirin, warfarin, ab = span("aspirin", "DRUG"), span("warfarin", 'GR<&"OUP'), span("A&B", "BRAND")
    doc.ents = [aspirin, warfarin, ab]
    doc._.ddis = [Interaction(aspirin, ab, "ADVISE", 0.5)]
    doc.user_data["title"] = 'A <title> & "quotes"'
    options = {"colors": {"DRUG": '#fff" onmouseover="alert(1)'}}
    markup = spacy_ddi.render(doc, jupyter=False, options=options)
    assert "<b>" not in markup and "<script>alert" not in markup and "<title> &" not in markup
    assert 'onmouseover="alert' not in markup
    assert "&lt;b&gt;" in markup and "&lt;/b&gt; &amp; &quot;" in markup and ">A&amp;B<" in markup
    assert "O&#x27;Neil&#x27;s" in markup and "&quot;" in markup
    text_seen = assert_balanced(markup)
    assert 'A <title> & "quotes"' in text_seen  # the title, unescaped again by the parser
    (svg,) = drawings(markup)  # XML-parses, so no stray < or &
    assert "<b>" in all_text(svg) and "O'Neil's <script>alert(1)</script>" in all_text(svg)
    ents = with_class(svg, "ddi-ent")
    assert [e.get("data-label") for e in ents] == ["DRUG", 'GR<&"OUP', "BRAND"]
    assert [all_text(e.find(f"{SVG}text")) for e in ents] == ["aspirin", "warfarin", "A&B"]
    (arc,) = with_class(svg, "ddi-arc")
    assert arc.get("data-object") == "A&B"
    assert arc.find(f"{SVG}title").text == "aspirin \u2192 A&B: ADVISE (score 0.50)"
    page = spacy_ddi.render(doc, page=True, jupyter=False, options=options)
    assert page.startswith("<!DOCTYPE html>") and drawings(page)


def test_empty_doc_and_doc_without_entities(nlp):
    for doc in (nlp.make_doc(""), nlp.make_doc("  \n ")):
        markup = spacy_ddi.render(doc, jupyter=False)
        assert_balanced(markup)
        assert drawings(markup) == [] and "(no text)" in markup
        page = spacy_ddi.render(doc, page=True, jupyter=False)
        assert_balanced(page.split("\n", 1)[1])  # after the doctype
    doc = nlp.make_doc("No drug is named in this sentence.")
    markup = spacy_ddi.render(doc, jupyter=False)
    assert_balanced(markup)
    (svg,) = drawings(markup)
    assert with_class(svg, "ddi-ent") == [] and with_class(svg, "ddi-arc") == []
    assert all_text(svg) == "No drug is named in this sentence."
    assert float(svg.get("height")) > 0 and float(svg.get("width")) > 0
    assert drawings(spacy_ddi.render([], jupyter=False)) == []


def test_false_pairs_are_hidden_unless_asked_and_labels_filter(nlp):
    doc = doc_of(
        nlp,
        "Aspirin and warfarin with NSAIDs or heparin.",
        [("Aspirin", "DRUG"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP"), ("heparin", "DRUG")],
        [("Aspirin", "warfarin", "EFFECT"), ("Aspirin", "NSAIDs", "FALSE"),
         ("warfarin", "heparin", "ADVISE"), ("NSAIDs", "heparin", "INT")],
    )

    def labels(options):
        markup = spacy_ddi.render(doc, jupyter=False, options=options)
        (svg,) = drawings(markup)
        assert len(with_class(svg, "ddi-ent")) == 4  # entities are always drawn
        return sorted(a.get("data-label") for a in with_class(svg, "ddi-arc"))

    assert labels({}) == ["ADVISE", "EFFECT", "INT"]
    assert labels({"show_false": True}) == ["ADVISE", "EFFECT", "FALSE", "INT"]
    assert labels({"labels": ["EFFECT", "INT"]}) == ["EFFECT", "INT"]
    assert labels({"labels": ["EFFECT", "FALSE"]}) == ["EFFECT", "FALSE"]
    assert labels({"labels": ["EFFECT", "FALSE"], "show_false": False}) == ["EFFECT"]
    assert labels({"labels": []}) == []
    false_arc = with_class(drawings(spacy_ddi.render(doc, jupyter=False, options={"show_false": True}))[0], "ddi-arc")
    assert [a for a in false_arc if a.get("data-label") == "FALSE"][0].find(
        f"{SVG}path[@class='ddi-arc-line']").get("stroke-dasharray")
    with pytest.raises(ValueError, match="show_scroes"):
        spacy_ddi.render(doc, jupyter=False, options={"show_scroes": True})


def test_one_drawing_per_sentence(nlp):
    text = (
        "Ketoconazole increases midazolam levels. Lithium is taken daily. "
        "Aspirin may enhance warfarin."
    )
    doc = doc_of(
        nlp, text,
        [("Ketoconazole", "DRUG"), ("midazolam", "DRUG"), ("Lithium", "DRUG"), ("Aspirin", "BRAND"), ("warfarin", "DRUG")],
        [("Ketoconazole", "midazolam", "MECHANISM"), ("Aspirin", "warfarin", "EFFECT")],
    )
    assert len(drawings(spacy_ddi.render(doc, jupyter=False))) == 1  # no sentence boundaries yet
    doc = ddi_sentences(doc)
    assert len(list(doc.sents)) == 3
    svgs = drawings(spacy_ddi.render(doc, jupyter=False))
    assert len(svgs) == 3
    assert [[a.get("data-label") for a in with_class(s, "ddi-arc")] for s in svgs] == [["MECHANISM"], [], ["EFFECT"]]
    assert [[all_text(e.find(f"{SVG}text")) for e in with_class(s, "ddi-ent")] for s in svgs] == [
        ["Ketoconazole", "midazolam"], ["Lithium"], ["Aspirin", "warfarin"]
    ]
    assert svgs[1].get("aria-label") == "Lithium is taken daily."
    assert "is taken daily." in all_text(svgs[1])
    # a Span draws only its own part; several docs draw one after the other
    assert len(drawings(spacy_ddi.render(list(doc.sents)[2], jupyter=False))) == 1
    assert len(drawings(spacy_ddi.render([doc, doc], jupyter=False))) == 6
    # an arc that crosses a sentence boundary (not made by the pipeline) joins the sentences
    sents = list(doc.sents)
    doc._.ddis = doc._.ddis + [Interaction(doc.ents[1], doc.ents[2], "ADVISE")]
    svgs = drawings(spacy_ddi.render(doc, jupyter=False))
    assert [len(with_class(s, "ddi-arc")) for s in svgs] == [2, 1] and len(sents) == 3


def rect_of(el):
    return tuple(float(el.get(k)) for k in ("x", "y", "width", "height"))


def overlap(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_dense_sentence_wraps_and_no_arc_label_overlaps_another(nlp):
    doc = doc_of(nlp, DENSE_TEXT, DENSE_ENTS, DENSE_RELS)
    markup = spacy_ddi.render(doc, jupyter=False, options={"width": 700})
    (svg,) = drawings(markup)
    assert float(svg.get("width")) == 700  # wrapped, not one long line
    arcs = with_class(svg, "ddi-arc")
    assert len(arcs) == len(DENSE_RELS) - 1  # all but the FALSE pair
    rows = {float(e.find(f"{SVG}rect").get("y")) for e in with_class(svg, "ddi-ent")}
    assert len(rows) >= 3
    labels = [rect_of(g.find(f"{SVG}rect")) for g in with_class(svg, "ddi-arc-label")]
    assert len(labels) > len(arcs)  # arcs cut by a row break are labelled on every row
    for i, a in enumerate(labels):
        assert a[0] >= 0 and a[0] + a[2] <= 700
        for b in labels[i + 1:]:
            assert not overlap(a, b), (a, b)
    # the arcs leaving Methscopolamine start at different points of it
    starts = []
    for arc in arcs:
        if arc.get("data-subject") == "Methscopolamine":
            first = with_class(arc, "ddi-arc-line")[0].get("d")
            starts.append(float(re.match(r"M([\d.]+),", first).group(1)))
    assert len(starts) == len(DENSE_OBJECTS) == len(set(starts))


def test_jupyter_displays_inline(nlp, monkeypatch):
    shown = []
    display_module = types.ModuleType("IPython.display")
    display_module.HTML = lambda markup: ("HTML", markup)
    display_module.display = shown.append
    ipython = types.ModuleType("IPython")
    ipython.display = display_module
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    doc = doc_of(nlp, "Aspirin and warfarin.", [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [("Aspirin", "warfarin", "EFFECT")])
    assert spacy_ddi.render(doc, jupyter=True) is None
    assert shown[0][0] == "HTML" and 'class="ddi-arc"' in shown[0][1]
    assert spacy_ddi.render(doc).startswith("<style>")  # not in a notebook: returns the markup
    body = render_body(doc, {"legend": False})  # for pages composed elsewhere: no stylesheet
    assert body.startswith('<div class="ddi-viz">') and "ddi-legend" not in body and "<style>" not in body


def test_server_serves_the_page(nlp):
    doc = doc_of(nlp, "Aspirin and warfarin.", [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [])
    page = spacy_ddi.render(doc, page=True, jupyter=False)
    server = make_server(page, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as response:
            assert response.read().decode("utf8") == page
            assert response.headers["Content-Type"].startswith("text/html")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def blank_model(tmp_path_factory):
    """A saved pipeline without components: spacy.load works, it predicts nothing."""
    folder = tmp_path_factory.mktemp("blank_model")
    spacy.blank("en").to_disk(folder)
    return folder


def test_cli_writes_a_page(blank_model, tmp_path):
    from spacy_ddi.cli import app

    out = tmp_path / "out.html"
    result = CliRunner().invoke(app, ["visualize", str(blank_model), "Aspirin <and> warfarin.", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "&lt;and&gt;" in page and len(drawings(page)) == 1
    result = CliRunner().invoke(app, ["visualize", str(tmp_path / "missing"), "x"])
    assert result.exit_code == 1


def test_sample_script_writes_gold_and_predicted(nlp, blank_model, tmp_path):
    docs = [
        doc_of(nlp, "Ketoconazole raises midazolam.", [("Ketoconazole", "DRUG"), ("midazolam", "DRUG")],
               [("Ketoconazole", "midazolam", "MECHANISM")]),
        doc_of(nlp, "Aspirin and warfarin.", [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [("Aspirin", "warfarin", "FALSE")]),
        doc_of(nlp, "Nothing here.", [], []),
    ]
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "test.spacy")
    spec = importlib.util.spec_from_file_location("visualize_sample", ROOT / "scripts" / "visualize_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import typer

    runner_app = typer.Typer()
    runner_app.command()(module.main)
    out = tmp_path / "sample" / "page.html"
    result = CliRunner().invoke(
        runner_app, [str(blank_model), str(tmp_path / "test.spacy"), str(out), "--n", "2", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<h3>Gold</h3>") == 2 and page.count("<h3>Predicted</h3>") == 2
    assert "Sentence 0" in page  # the sentence with an interaction is preferred
    assert "missed: Ketoconazole \u2192 midazolam (MECHANISM)" in page
    assert len(drawings(page)) == 4


# ------------------------------------------------------------------------------ browser

GEOMETRY_SCRIPT = """
<script>
(function () {
  var svgs = Array.prototype.slice.call(document.querySelectorAll("svg.ddi-svg"));
  var out = {scrollWidth: document.documentElement.scrollWidth,
             scrollHeight: document.documentElement.scrollHeight, items: []};
  function add(kind, el) {
    var r = el.getBoundingClientRect(), svg = el.closest("svg.ddi-svg");
    var s = svg.getBoundingClientRect(), cs = getComputedStyle(el);
    var cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    var hit = document.elementFromPoint(cx, cy);
    out.items.push({kind: kind, svg: svgs.indexOf(svg), text: el.textContent,
      x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
      inSvg: r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1,
      visible: cs.visibility !== "hidden" && cs.display !== "none" && Number(cs.opacity) > 0,
      onTop: !!hit && el.contains(hit)});
  }
  document.querySelectorAll(".ddi-arc-line").forEach(function (el) { add("line", el); });
  document.querySelectorAll(".ddi-arc-label").forEach(function (el) { add("label", el); });
  document.querySelectorAll(".ddi-ent").forEach(function (el) { add("ent", el); });
  var pre = document.createElement("pre");
  pre.id = "geometry";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def run_chromium(binary, tmp_path, *args):
    cmd = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
           "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={tmp_path / 'profile'}",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


@pytest.mark.timeout(90)
def test_page_in_headless_chromium(nlp, tmp_path):
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium found (install Debian's chromium package; .ci/run does)")
    dense = doc_of(nlp, DENSE_TEXT, DENSE_ENTS, DENSE_RELS)
    two = doc_of(
        nlp, 'Ketoconazole & "azoles" raise <midazolam>. Lithium is taken daily.',
        [("Ketoconazole", "DRUG"), ("azoles", "GROUP"), ("midazolam", "DRUG"), ("Lithium", "DRUG_N")],
        [("Ketoconazole", "midazolam", "MECHANISM"), ("azoles", "midazolam", "EFFECT")],
    )
    ddi_sentences(two)
    docs = [dense, two]
    page = spacy_ddi.render(docs, page=True, jupyter=False, options={"width": 760})
    path = tmp_path / "page.html"
    path.write_text(page.replace("</body>", GEOMETRY_SCRIPT + "</body>"), encoding="utf8")
    url = path.as_uri()

    result = run_chromium(binary, tmp_path, "--window-size=1000,3000", "--dump-dom", url)
    found = re.search(r'<pre id="geometry">(.*?)</pre>', result.stdout, re.S)
    assert found, f"no geometry in the page Chromium rendered: {result.stderr[-2000:]}"
    geometry = json.loads(html.unescape(found.group(1)))
    items = geometry["items"]
    n_arcs = len(DENSE_RELS) - 1 + 2
    lines = [i for i in items if i["kind"] == "line"]
    labels = [i for i in items if i["kind"] == "label"]
    ents = [i for i in items if i["kind"] == "ent"]
    assert len(ents) == len(DENSE_ENTS) + 4
    assert len(lines) == len(labels) >= n_arcs  # one line and one label per piece of an arc
    assert {i["svg"] for i in items} == {0, 1, 2}  # the dense sentence, then two sentences
    for item in items:
        assert item["visible"] and item["inSvg"], item
        assert max(item["w"], item["h"]) > 1, item
        assert 0 <= item["x"] and item["x"] + item["w"] <= geometry["scrollWidth"] + 1, item
        assert 0 <= item["y"] and item["y"] + item["h"] <= geometry["scrollHeight"] + 1, item
    for item in labels + ents:
        assert item["w"] > 5 and item["h"] > 5, item
        assert item["onTop"], f"something covers {item}"
    for group in (labels, ents):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                box_a = (a["x"], a["y"], a["w"], a["h"])
                box_b = (b["x"], b["y"], b["w"], b["h"])
                assert not overlap(box_a, box_b), (a, b)
    label_text = " ".join(i["text"] for i in labels)
    for word in ("INT", "EFFECT", "ADVISE", "MECHANISM"):
        assert word in label_text
    ent_text = " ".join(i["text"] for i in ents)
    for word, label in DENSE_ENTS:
        assert word in ent_text and label in ent_text
    assert 'Ketoconazole' in ent_text and "<midazolam>" not in ent_text

    shot = tmp_path / "page.png"
    result = run_chromium(binary, tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", url)
    assert shot.exists() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with sentence-transformers
        return
    import numpy

    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1400)
    pixels = numpy.asarray(image).astype(int)
    colours = {"INT": (0x7B, 0x3F, 0xB0), "MECHANISM": (0xC6, 0x28, 0x28), "DRUG": (0xAE, 0xE1, 0xF9)}
    for name, rgb in colours.items():
        n = int((numpy.abs(pixels - numpy.array(rgb)).sum(axis=2) < 30).sum())
        assert n > 200, f"hardly any {name} colour in the screenshot ({n} pixels)"


def test_servers_listen_on_this_machine_only_by_default():
    """The page shows the analysed text: serve it to localhost unless told otherwise."""
    import inspect

    from spacy_ddi.cli import visualize_cli
    from spacy_ddi.visualize import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(visualize_cli).parameters["host"].default.default == "127.0.0.1"
    server = make_server("<p>x</p>", port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_hover_text_names_the_linked_drug():
    nlp = spacy.blank("en")
    doc = annotated_doc(nlp, "Coumadin may be potentiated by beta blockers.", [("Coumadin", "BRAND"), ("beta blockers", "GROUP")], [("Coumadin", "beta blockers", "EFFECT")])
    doc.ents[0]._.drug_name, doc.ents[0]._.drug_id = "Warfarin", "DB00682"
    doc.ents[1]._.drug_name = "Adrenergic beta-Antagonists"
    titles = [t.text for t in ET.fromstring(render_body(doc)).iter(f"{SVG}title") if t.text]
    assert "Coumadin: BRAND = Warfarin (DrugBank DB00682)" in titles
    assert "beta blockers: GROUP = Adrenergic beta-Antagonists (no DrugBank id)" in titles
