"""Conversion of DDI corpus XML: annotation on the Doc, counts, splits, and bad input."""
import zipfile

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ddi.corpus import CorpusError, convert_corpus, create_drug_tokenizer, parse_document
from spacy_ddi.corpus.convert import GOLD_OFFSETS_KEY, SplitReport, documents_to_docs

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<document id="DDI-DrugBank.d1">
  <sentence id="DDI-DrugBank.d1.s0" text="Ketoconazole increases midazolam;warfarin* levels of beta- and alpha-blockers.">
    <entity id="DDI-DrugBank.d1.s0.e0" charOffset="0-11" type="drug" text="Ketoconazole"/>
    <entity id="DDI-DrugBank.d1.s0.e1" charOffset="23-31" type="drug" text="midazolam"/>
    <entity id="DDI-DrugBank.d1.s0.e2" charOffset="33-40" type="brand" text="warfarin"/>
    <entity id="DDI-DrugBank.d1.s0.e3" charOffset="53-56;68-75" type="group" text="beta-blockers"/>
    <pair id="DDI-DrugBank.d1.s0.p0" e1="DDI-DrugBank.d1.s0.e0" e2="DDI-DrugBank.d1.s0.e1" ddi="true" type="mechanism"/>
    <pair id="DDI-DrugBank.d1.s0.p1" e1="DDI-DrugBank.d1.s0.e0" e2="DDI-DrugBank.d1.s0.e2" ddi="false"/>
    <pair id="DDI-DrugBank.d1.s0.p2" e1="DDI-DrugBank.d1.s0.e1" e2="DDI-DrugBank.d1.s0.e2" ddi="true"/>
    <pair id="DDI-DrugBank.d1.s0.p3" e1="DDI-DrugBank.d1.s0.e2" e2="DDI-DrugBank.d1.s0.e3" ddi="true" type="advise"/>
  </sentence>
  <sentence id="DDI-DrugBank.d1.s1" text="Avoid NSAIDs."/>
</document>
"""


@pytest.fixture
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


def convert_one(nlp, xml, path="d1.xml"):
    report = SplitReport("t")
    docs = documents_to_docs(nlp, [parse_document(xml.encode("utf8"), path)], report)
    return docs, report


def test_gold_annotation_goes_on_the_doc(nlp):
    (doc, empty), report = convert_one(nlp, GOOD)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Ketoconazole", "DRUG"), ("midazolam", "DRUG"), ("warfarin", "BRAND"), ("beta", "GROUP"),
    ]
    assert [(d.subject.text, d.object.text, d.label) for d in doc._.ddis] == [
        ("Ketoconazole", "midazolam", "MECHANISM"),
        ("Ketoconazole", "warfarin", "FALSE"),
        ("midazolam", "warfarin", "INT"),
        ("warfarin", "beta", "ADVISE"),
    ]
    assert doc[:]._.enc and doc[:]._.pdc
    assert list(empty.ents) == [] and empty._.ddis == [] and not empty[:]._.pdc
    assert report.discontinuous == 1 and report.untyped_true_pairs == 1
    assert report.entities == 4 and report.pairs == 4 and report.positive_pairs == 3
    assert report.misaligned == []


def test_misaligned_entity_is_counted_and_scored_on_corpus_offsets(nlp):
    xml = GOOD.replace('charOffset="23-31" type="drug" text="midazolam"', 'charOffset="23-29" type="drug" text="midazol"')
    (doc, _), report = convert_one(nlp, xml)
    assert len(report.misaligned) == 1
    assert report.misaligned[0][2:] == ("midazol", "midazolam")
    assert doc.user_data[GOLD_OFFSETS_KEY] == [[2, 3, 23, 30]]


@pytest.mark.parametrize(
    "broken,message",
    [
        (GOOD.replace("</document>", ""), "not well-formed XML"),
        (GOOD.replace('charOffset="0-11"', 'charOffset="0-500"'), "DDI-DrugBank.d1.s0, entity DDI-DrugBank.d1.s0.e0: charOffset '0-500' lies outside"),
        (GOOD.replace('charOffset="0-11"', 'charOffset="zero-11"'), "bad charOffset"),
        (GOOD.replace('charOffset="0-11"', 'charOffset="1-12"'), "but the entity text is 'Ketoconazole'"),
        (GOOD.replace('e2="DDI-DrugBank.d1.s0.e1" ddi="true" type="mechanism"', 'e2="DDI-DrugBank.d1.s0.e9" ddi="true" type="mechanism"'), "names entity 'DDI-DrugBank.d1.s0.e9', which is not in the sentence"),
        (GOOD.replace('type="advise"', 'type="synergy"'), "unknown type 'synergy'"),
        (GOOD.replace('type="brand"', 'type="protein"'), "unknown type 'protein'"),
        (GOOD.replace('ddi="false"', 'ddi="maybe"'), "ddi='maybe'"),
    ],
)
def test_bad_input_names_file_and_sentence(broken, message):
    with pytest.raises(CorpusError) as err:
        parse_document(broken.encode("utf8"), "some/dir/d1.xml")
    assert "some/dir/d1.xml" in str(err.value)
    assert message in str(err.value)
    if "XML" not in message:
        assert "DDI-DrugBank.d1.s0" in str(err.value)


def write_zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)


def doc_xml(doc_id, n_sentences):
    sents = "".join(
        f'<sentence id="{doc_id}.s{i}" text="Aspirin and warfarin {i}.">'
        f'<entity id="{doc_id}.s{i}.e0" charOffset="0-6" type="drug" text="Aspirin"/>'
        f'<entity id="{doc_id}.s{i}.e1" charOffset="12-19" type="drug" text="warfarin"/>'
        f'<pair id="{doc_id}.s{i}.p0" e1="{doc_id}.s{i}.e0" e2="{doc_id}.s{i}.e1" ddi="true" type="effect"/>'
        "</sentence>"
        for i in range(n_sentences)
    )
    return f'<?xml version="1.0"?><document id="{doc_id}">{sents}</document>'


def tiny_corpus(tmp_path):
    files = {}
    for source in ("DrugBank", "MedLine"):
        for k in range(10):
            files[f"DDICorpus/Train/{source}/{source}{k}.xml"] = doc_xml(f"DDI-{source}.d{k}", 3)
    files["DDICorpus/Test/Test for DDI Extraction task/DrugBank/t.xml"] = doc_xml("DDI-DrugBank.d100", 2)
    files["DDICorpus/Test/Test for DrugNER task/MedLine/n.xml"] = doc_xml("DDI-MedLine.d200", 1)
    path = tmp_path / "DDICorpus-2013.zip"
    write_zip(path, files)
    return path


def test_convert_zip_splits_by_document_of_both_sources(nlp, tmp_path):
    reports = convert_corpus(tiny_corpus(tmp_path), tmp_path / "out", nlp, log=lambda m: None)
    assert {n: r.sentences for n, r in reports.items()} == {"train": 54, "dev": 6, "test": 2, "test_ner": 1}
    assert reports["dev"].documents == 2
    texts = {}
    for name in ("train", "dev", "test", "test_ner"):
        docs = list(DocBin().from_disk(tmp_path / "out" / f"{name}.spacy").get_docs(nlp.vocab))
        assert len(docs) == reports[name].sentences
        assert all(len(d._.ddis) == 1 and d._.ddis[0].label == "EFFECT" for d in docs)
        texts[name] = docs
    again = convert_corpus(tiny_corpus(tmp_path), tmp_path / "out2", nlp, log=lambda m: None)
    assert again["dev"].summary() == reports["dev"].summary()


def test_convert_folder_equals_zip(nlp, tmp_path):
    zipped = tiny_corpus(tmp_path)
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(tmp_path / "unpacked")
    a = convert_corpus(zipped, tmp_path / "a", nlp, log=lambda m: None)
    b = convert_corpus(tmp_path / "unpacked", tmp_path / "b", nlp, log=lambda m: None)
    assert {k: v.summary() for k, v in a.items()} == {k: v.summary() for k, v in b.items()}


def test_missing_or_broken_sources(nlp, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.zip"):
        convert_corpus(tmp_path / "nothere.zip", tmp_path / "o", nlp, log=lambda m: None)
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(CorpusError, match="bad.zip is not a zip file"):
        convert_corpus(bad, tmp_path / "o", nlp, log=lambda m: None)
    empty = tmp_path / "empty.zip"
    write_zip(empty, {"README": "x"})
    with pytest.raises(CorpusError, match="no XML files for split 'train'"):
        convert_corpus(empty, tmp_path / "o", nlp, log=lambda m: None)
    broken = tmp_path / "broken.zip"
    write_zip(broken, {"DDICorpus/Train/DrugBank/x.xml": "<document id='x'><sentence id='x.s0'"})
    with pytest.raises(CorpusError, match=r"broken.zip:DDICorpus/Train/DrugBank/x.xml: not well-formed"):
        convert_corpus(broken, tmp_path / "o", nlp, log=lambda m: None)


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("aspirin;warfarin", ["aspirin", ";", "warfarin"]),
        ("NSAIDs*", ["NSAIDs", "*"]),
        ("5-FU/leucovorin", ["5", "-", "FU", "/", "leucovorin"]),
        ("ketoconazole-induced", ["ketoconazole", "-", "induced"]),
        ("vitamin D is", ["vitamin", "D", "is"]),
        ("with vitamin D.", ["with", "vitamin", "D", "."]),
        ("cisplatin.1", ["cisplatin", ".", "1"]),
    ],
)
def test_drug_tokenizer_splits_drug_lists(nlp, text, tokens):
    assert [t.text for t in nlp(text)] == tokens
