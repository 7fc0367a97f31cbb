"""Full-text inputs of spacy-ddi extract: PMC JATS (.nxml, .xml, .tar.gz), BioC XML and JSON,
and MEDLINE/JATS inline markup read as rendered, with exact offsets.

The real samples in tests/data (see tests/data/README.md) go through the readers and through
``spacy-ddi extract`` with a rule-based pipeline (no trained model): every entity's text is
``text[start:end]``, and for BioC the record's offsets are the BioC offsets."""
import gzip
import io
import json
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from spacy_ddi.cli import app
from spacy_ddi.extract.readers import count_documents, read_inputs
from spacy_ddi.formats.bioc import bioc_document_text, iter_bioc_documents, load_bioc
from spacy_ddi.formats.jats import inline_text, xml_root

DATA = Path(__file__).parent / "data"
NXML = DATA / "pone.0046493.nxml"
BIOC_XML = DATA / "PMC3757249.bioc.xml"
BIOC_JSON = DATA / "pubtator3_10.15252_embj.2023113616.json"
# names the rule-based pipeline marks, from the samples' text
PATTERNS = ["THL", "Orlistat", "MmPPOX", "ampicillin", "hygromycin B", "Hygromycin B", "p53", "DACH1", "ethanol", "doxorubicin", "Cilia", "β2-agonist", "terbutaline"]


def read_records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


@pytest.fixture(scope="module")
def ruler_model(tmp_path_factory):
    """A rule-based pipeline (sentences and an entity ruler), saved like a trained one."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "DRUG", "pattern": name} for name in PATTERNS])
    path = tmp_path_factory.mktemp("ruler") / "pipeline"
    nlp.to_disk(path)
    return path


# --- PMC JATS ---------------------------------------------------------------------------------


def test_a_pmc_article_reads_as_title_abstract_and_body_sections():
    [item] = read_inputs([NXML])
    assert item.error is None and item.id == "PMC3460867"
    text, sections = item.text, item.fields["sections"]
    assert text.startswith("MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes")
    parts = [(s["part"], s["heading"], s["depth"]) for s in sections]
    assert parts[:4] == [("title", "", 0), ("abstract", "", 0), ("body", "", 0), ("body", "Introduction", 1)]
    headings = [s["heading"] for s in sections if s["depth"] == 1]
    assert headings == ["Introduction", "Materials and Methods", "Results", "Discussion", "Supporting Information"]
    assert ("body", "Chemicals", 2) in parts
    for section in sections:
        assert text[section["start"] : section["end"]].startswith(section["heading"])
    abstract = next(s for s in sections if s["part"] == "abstract")
    assert text[abstract["start"] :].startswith("Lipid metabolism plays an important role")
    methods = next(s for s in sections if s["heading"] == "Materials and Methods")
    assert methods["type"] == "materials|methods"
    # sections follow the text order and nest inside their parents
    starts = [s["start"] for s in sections]
    assert starts == sorted(starts)
    # figure captions, tables, references and supplementary material are left out
    assert "Chemical structure of inhibitors" not in text  # a figure's caption
    assert "Chakroborty" not in text  # a reference
    assert "Hygromycin B, isopropyl β-D-1-thiogalactopyranoside (IPTG)" in text  # entities decoded
    assert "(NH4HCO3)" in text  # subscripts joined to their formula
    assert "M. tuberculosis" in text and "  " not in text.replace("\n", "")


def test_jats_is_recognised_by_its_root_element_in_xml_and_efetch_articlesets(tmp_path):
    article = NXML.read_text(encoding="utf8")
    (tmp_path / "article.xml").write_text(article, encoding="utf8")
    body = article[article.index("<article ") :]
    second = body.replace(">3460867<", ">999<").replace(">23029536<", ">1<")
    (tmp_path / "set.xml").write_text(f'<?xml version="1.0"?>\n<pmc-articleset>{body}{second}</pmc-articleset>', encoding="utf8")
    items = list(read_inputs([tmp_path / "article.xml", tmp_path / "set.xml"]))
    assert [i.id for i in items] == ["PMC3460867", "PMC3460867", "PMC999"]
    assert items[0].text == items[1].text == items[2].text == next(iter(read_inputs([NXML]))).text
    assert count_documents([tmp_path]) == 3


def test_a_pmc_package_is_read_member_by_member(tmp_path):
    package = tmp_path / "PMC3460867.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        for name, data in (
            ("PMC3460867/pone.0046493.g001.jpg", b"\xff\xd8 not text"),
            ("PMC3460867/pone.0046493.nxml", NXML.read_bytes()),
            ("PMC3460867/pone.0046493.s001.xml", b"<sbml><model/></sbml>"),  # supplementary data
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    items = list(read_inputs([package]))
    assert [(i.id, i.error) for i in items] == [("PMC3460867", None)]
    assert items[0].source == f"{package}, member PMC3460867/pone.0046493.nxml"
    assert count_documents([package]) == 1
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(package.read_bytes()[:2000])
    [item] = list(read_inputs([broken]))
    assert item.text is None and str(broken) in item.error and "member PMC3460867/pone.0046493.nxml" in item.error


def test_an_xml_of_another_kind_is_an_error_naming_its_root(tmp_path):
    (tmp_path / "other.xml").write_text("<?xml version='1.0'?>\n<!-- a note -->\n<svg><g/></svg>", encoding="utf8")
    [item] = list(read_inputs([tmp_path / "other.xml"]))
    assert item.text is None and "other.xml: the root element <svg> is none of MEDLINE's" in item.error
    assert xml_root(b'<?xml version="1.0"?><!DOCTYPE article PUBLIC "x" "y" [<!ENTITY a "b">]><article>') == "article"


# --- inline markup ----------------------------------------------------------------------------

# PubMed's efetch XML lays out inline markup on its own lines (as in PMID 29768149's abstract)
EFETCH = """<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
\t<PubmedArticle>
\t\t<MedlineCitation Status="MEDLINE" Owner="NLM">
\t\t\t<PMID Version="1">1</PMID>
\t\t\t<Article PubModel="Print-Electronic">
\t\t\t\t<ArticleTitle>As-needed budesonide-formoterol versus maintenance budesonide in mild asthma.</ArticleTitle>
\t\t\t\t<Abstract>
\t\t\t\t\t<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">In mild asthma, an inhaled glucocorticoid plus a fast-acting &#946;
\t\t\t\t\t\t<sub>2</sub>-agonist may replace terbutaline (
\t\t\t\t\t\t<i>in vitro</i>
\t\t\t\t\t\t) and the
\t\t\t\t\t\t<i>CYP3A4</i>
\t\t\t\t\t\tgene.
\t\t\t\t\t</AbstractText>
\t\t\t\t\t<AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">Terbutaline was inferior.</AbstractText>
\t\t\t\t</Abstract>
\t\t\t</Article>
\t\t</MedlineCitation>
\t</PubmedArticle>
</PubmedArticleSet>
"""


def test_medline_layout_inside_inline_markup_reads_as_rendered(tmp_path, ruler_model):
    path = tmp_path / "efetch.xml"
    path.write_text(EFETCH, encoding="utf8")
    [item] = list(read_inputs([path]))
    assert item.text == (
        "As-needed budesonide-formoterol versus maintenance budesonide in mild asthma.\n\n"
        "BACKGROUND: In mild asthma, an inhaled glucocorticoid plus a fast-acting β2-agonist may "
        "replace terbutaline (in vitro) and the CYP3A4 gene.\nCONCLUSIONS: Terbutaline was inferior."
    )
    sections = item.fields["sections"]
    assert [(s["part"], s["heading"], s["type"], s["depth"]) for s in sections] == [
        ("title", "", None, 0), ("abstract", "", None, 0),
        ("abstract", "BACKGROUND", "BACKGROUND", 1), ("abstract", "CONCLUSIONS", "CONCLUSIONS", 1),
    ]
    assert item.text[sections[3]["start"] : sections[3]["end"]] == "CONCLUSIONS: Terbutaline was inferior."
    out = tmp_path / "efetch.jsonl"
    result = CliRunner().invoke(app, ["extract", str(ruler_model), str(path), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    [record] = read_records(out)
    assert [(e["text"], record["text"][e["start"] : e["end"]]) for e in record["entities"]] == [
        ("β2-agonist", "β2-agonist"), ("terbutaline", "terbutaline")
    ]
    assert record["sections"] == sections


@pytest.mark.parametrize("xml,expected", [
    ("<p>Ca<sup>\n\t\t2+</sup> and M<italic>m</italic>PPOX</p>", "Ca2+ and MmPPOX"),
    ("<p><italic>in</italic>\n\t<italic>vivo</italic> x <bold>y</bold> z</p>", "in vivo x y z"),
    ("<p>as follows: <disp-formula>a = b</disp-formula> where <fig><caption>no</caption></fig>it holds</p>", "as follows: where it holds"),
    ("<p>two  spaces\n   and a line</p>", "two  spaces and a line"),
    ("<p xmlns:m='http://www.w3.org/1998/Math/MathML'>x <inline-formula><m:math>\n<m:mi>k</m:mi>\n<m:mn>2</m:mn>\n</m:math></inline-formula> y</p>", "x k2 y"),
])
def test_inline_markup_cases(xml, expected):
    assert inline_text(ElementTree.fromstring(xml), frozenset({"disp-formula", "fig"})) == expected


# --- BioC ------------------------------------------------------------------------------------


def assert_laid_out_at_bioc_offsets(text, document):
    """Each passage (or its sentences) and each annotation sits at its BioC offset."""
    for passage in document.passages:
        if passage.text:
            assert text[passage.offset : passage.offset + len(passage.text)] == passage.text
        for sentence in passage.sentences:
            assert text[sentence.offset : sentence.offset + len(sentence.text)] == sentence.text
        for annotation in passage.annotations + [a for s in passage.sentences for a in s.annotations]:
            for location in annotation.locations:
                assert text[location.offset : location.offset + location.length] == annotation.text


@pytest.mark.parametrize("path", [BIOC_XML, BIOC_JSON], ids=["xml", "pubtator3-json"])
def test_bioc_documents_keep_their_offsets(path):
    collection = load_bioc(path)
    items = list(read_inputs([path]))
    assert len(items) == len(collection.documents) == count_documents([path]) == 1
    for item, document in zip(items, collection.documents):
        assert item.error is None and item.id == document.id
        assert_laid_out_at_bioc_offsets(item.text, document)
        passages = item.fields["passages"]
        assert [(p["start"], p["type"]) for p in passages] == [(p.offset, p.infons.get("type")) for p in document.passages]
        for entry, passage in zip(passages, document.passages):
            assert item.text[entry["start"] : entry["end"]] == passage.text
    if path == BIOC_XML:
        assert collection.source == "PMC" and items[0].id == "3757249"
        assert {p["section_type"] for p in items[0].fields["passages"]} >= {"TITLE", "ABSTRACT", "INTRO", "RESULTS", "DISCUSS"}


# a BioC collection as the bioc package's own tests write it: a document whose passage is
# given as sentences (with non-ASCII text), offsets counted across the collection
EVERYTHING = """<?xml version='1.0' encoding='UTF-8'?>
<collection><source>source</source><date>date</date><key>key</key>
  <document><id>1</id>
    <passage><infon key="type">title</infon><offset>0</offset><text>abcdefghijklmnopqrstuvwxyz</text>
      <annotation id="1"><location offset="1" length="2"/><text>bc</text></annotation></passage>
  </document>
  <document><id>2</id>
    <passage><offset>27</offset>
      <sentence><offset>27</offset><text>abcdefg</text>
        <annotation id="3"><location offset="28" length="2"/><text>bc</text></annotation></sentence>
      <sentence><offset>34</offset><text>测试Non-ASCII</text>
        <annotation id="4"><location offset="34" length="2"/><text>测试</text></annotation></sentence>
    </passage>
  </document>
  <document><id>3</id>
    <passage><offset>0</offset><text>Overlapping one</text></passage>
    <passage><offset>5</offset><text>two</text></passage>
  </document>
  <document><id>4</id><passage><offset>zero</offset><text>x</text></passage></document>
  <document><id>5</id><passage><offset>0</offset><text>Warfarin.</text></passage><passage><offset>12</offset><text>Aspirin.</text></passage></document>
</collection>
"""


def test_bioc_sentences_gaps_and_bad_documents(tmp_path):
    path = tmp_path / "everything.xml"
    path.write_text(EVERYTHING, encoding="utf8")
    items = list(read_inputs([path]))
    assert [i.id for i in items] == ["1", "2", f"{path}, document 3", f"{path}, document 4", "5"]
    assert count_documents([path]) == 5
    assert items[1].text == "\n" * 27 + "abcdefg测试Non-ASCII"
    assert items[4].text == "Warfarin.\n\n\nAspirin." and items[4].fields["passages"][1] == {"start": 12, "end": 20, "type": None, "section_type": None}
    assert items[2].error == f"{path}, document 3 (id 3): passage 2 at offset 5 overlaps the text before it (up to offset 15); its passages cannot be laid out at their offsets"
    assert items[3].error == f"{path}, document 4 (id 4), passage 1: offset 'zero' is not a whole number"
    documents = []
    with pytest.raises(Exception, match="not a whole number"):
        for document in iter_bioc_documents(path):
            documents.append(document)
    assert [d.id for d in documents] == ["1", "2", "3"]
    assert_laid_out_at_bioc_offsets(bioc_document_text(documents[1])[0], documents[1])


def test_bioc_json_shapes_and_json_lines(tmp_path):
    document = json.loads(BIOC_JSON.read_text(encoding="utf8"))
    shapes = {
        "collection.json": {"source": "s", "date": "d", "key": "k", "infons": {}, "documents": [document]},
        "export.json": {"PubTator3": [document, {**document, "id": "second"}]},
        "list.json": [document],
    }
    for name, data in shapes.items():
        (tmp_path / name).write_text(json.dumps(data), encoding="utf8")
    (tmp_path / "lines.jsonl").write_text(json.dumps(document) + "\n" + json.dumps({"id": "plain", "text": "Aspirin."}) + "\n", encoding="utf8")
    (tmp_path / "bad.json").write_text('{"documents": [{"id": "x", "passages": [{"text": "no offset"}]}]}', encoding="utf8")
    items = {name: list(read_inputs([tmp_path / name])) for name in [*shapes, "lines.jsonl", "bad.json"]}
    expected = next(iter(read_inputs([BIOC_JSON])))
    assert [i.id for i in items["export.json"]] == [expected.id, "second"]
    for name in shapes:
        assert items[name][0].text == expected.text and items[name][0].fields == expected.fields
    assert [(i.id, i.text == expected.text) for i in items["lines.jsonl"]] == [(expected.id, True), ("plain", False)]
    assert items["bad.json"][0].error == f"{tmp_path / 'bad.json'}, document 1 (id x), passage 1: offset None is not a whole number"
    assert count_documents([tmp_path / name for name in shapes]) == 4
    assert load_bioc(tmp_path / "collection.json").source == "s"


# --- extract, end to end ----------------------------------------------------------------------


def test_extract_on_the_real_samples_gives_exact_offsets(ruler_model, tmp_path):
    gz = tmp_path / "PMC3757249.bioc.xml.gz"
    gz.write_bytes(gzip.compress(BIOC_XML.read_bytes()))
    out = tmp_path / "samples.jsonl"
    result = CliRunner().invoke(app, ["extract", str(ruler_model), str(NXML), str(BIOC_XML), str(gz), str(BIOC_JSON), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert [r["id"] for r in records] == ["PMC3460867", "3757249", "3757249", "10.15252/embj.2023113616"]
    assert records[1] == records[2]
    for record in records:
        text = record["text"]
        assert record["entities"]
        for entity in record["entities"]:
            assert text[entity["start"] : entity["end"]] == entity["text"]
    # BioC: each entity lies in a passage, at the same offsets in the BioC document
    for record, path in ((records[1], BIOC_XML), (records[3], BIOC_JSON)):
        [document] = load_bioc(path).documents
        for entity in record["entities"]:
            passage = next(p for p in document.passages if p.offset <= entity["start"] and entity["end"] <= p.offset + len(p.text or ""))
            assert passage.text[entity["start"] - passage.offset : entity["end"] - passage.offset] == entity["text"]
    assert "sections" in records[0] and "passages" in records[1]


def test_the_ray_engine_reads_the_new_kinds_with_their_fields(ruler_model, tmp_path):
    """Ray's file reading task gives the rows the local readers give, with the reader's
    fields; its actor puts them in the records as the local runner does (no Ray needed)."""
    import numpy

    from spacy_ddi.extract.ray import PipelineActor, file_rows
    from spacy_ddi.extract.runner import extract

    rows = [row for path in (NXML, BIOC_JSON) for row in file_rows({"path": str(path), "doc_id": path.name})]
    items = list(read_inputs([NXML, BIOC_JSON]))
    assert [(r["id"], r["text"], json.loads(r["fields"])) for r in rows] == [(i.id, i.text, i.fields) for i in items]
    nlp = spacy.load(ruler_model)
    local = tmp_path / "local.jsonl"
    extract(nlp, items, local)
    actor = PipelineActor.__new__(PipelineActor)  # __init__ would load a model by name
    actor.nlp, actor.id_column, actor.text_column = nlp, "id", "text"
    batch = {key: numpy.array([r[key] for r in rows], dtype=object) for key in rows[0]}
    assert [json.loads(r) for r in actor(batch)["record"]] == read_records(local)
