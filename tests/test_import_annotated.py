"""annotated_docs: a document's own annotations as training sentences, with what it changed reported."""
import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ddi import records_of
from spacy_ddi.corpus import CorpusError, create_drug_tokenizer, parse_document
from spacy_ddi.corpus.annotated import AnnotatedDocument, ImportReport, annotated_docs
from spacy_ddi.corpus.convert import (
    DOCUMENT_ID_KEY, GOLD_OFFSETS_KEY, SENTENCE_ID_KEY, SOURCE_KEY, SplitReport, documents_to_docs,
)
from spacy_ddi.corpus.reader import create_ddi_corpus_reader

TEXT = (
    "Ketoconazole increases the plasma concentration of midazolam. "
    "Aspirin may enhance warfarin in NSAIDs users."
)


def at(text, mention, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(mention, start + 1)
    return start, start + len(mention)


ENTITIES = [
    (*at(TEXT, "Ketoconazole"), "DRUG"),
    (*at(TEXT, "midazolam"), "DRUG"),
    (*at(TEXT, "Aspirin"), "BRAND"),
    (*at(TEXT, "warfarin"), "DRUG"),
    (*at(TEXT, "NSAIDs"), "GROUP"),
]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


def annotation(doc):
    return (
        doc.text,
        [(e.text, e.label_) for e in doc.ents],
        [(d.subject.text, d.object.text, d.label) for d in doc._.ddis],
    )


def test_sentences_in_the_training_format(nlp):
    docs = annotated_docs(nlp, TEXT, ENTITIES, [(1, 0, "MECHANISM"), (2, 3, "EFFECT")], "doc1", source="MedLine")
    assert [annotation(d) for d in docs] == [
        (
            "Ketoconazole increases the plasma concentration of midazolam.",
            [("Ketoconazole", "DRUG"), ("midazolam", "DRUG")],
            [("Ketoconazole", "midazolam", "MECHANISM")],
        ),
        (
            "Aspirin may enhance warfarin in NSAIDs users.",
            [("Aspirin", "BRAND"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP")],
            [("Aspirin", "warfarin", "EFFECT"), ("Aspirin", "NSAIDs", "FALSE"), ("warfarin", "NSAIDs", "FALSE")],
        ),
    ]
    assert [d.user_data[SENTENCE_ID_KEY] for d in docs] == ["doc1.s0", "doc1.s1"]
    assert {d.user_data[DOCUMENT_ID_KEY] for d in docs} == {"doc1"}
    assert {d.user_data[SOURCE_KEY] for d in docs} == {"MedLine"}
    assert all(r.score == 1.0 for d in docs for r in records_of(d))
    assert not docs[0][:]._.enc and docs[0][:]._.pdc and docs[1][:]._.enc
    report = docs.report
    assert (report.documents, report.sentences, report.entities, report.interactions) == (1, 2, 5, 2)
    assert (report.pairs, report.positive_pairs) == (4, 2)
    assert report.issues == []


def test_same_docs_as_the_ddi_corpus_conversion(nlp):
    """A DDI corpus sentence and the same annotation given as offsets give identical Docs."""
    xml = """<document id="DDI-MedLine.d9">
      <sentence id="DDI-MedLine.d9.s0" text="Aspirin may enhance warfarin in NSAIDs users.">
        <entity id="e0" charOffset="0-6" type="brand" text="Aspirin"/>
        <entity id="e1" charOffset="20-27" type="drug" text="warfarin"/>
        <entity id="e2" charOffset="32-37" type="group" text="NSAIDs"/>
        <pair id="p0" e1="e0" e2="e1" ddi="true" type="effect"/>
        <pair id="p1" e1="e0" e2="e2" ddi="false"/>
        <pair id="p2" e1="e1" e2="e2" ddi="false"/>
      </sentence></document>"""
    (expected,) = documents_to_docs(nlp, [parse_document(xml.encode(), "d9.xml")], SplitReport("t"))
    text = "Aspirin may enhance warfarin in NSAIDs users."
    ents = [(0, 7, "BRAND"), (20, 28, "DRUG"), (32, 38, "GROUP")]
    (doc,) = annotated_docs(nlp, text, ents, [(0, 1, "EFFECT")], "DDI-MedLine.d9", source="MedLine")
    assert annotation(doc) == annotation(expected)
    assert doc._.ddi_records == expected._.ddi_records
    assert (doc[:]._.enc_prob, doc[:]._.pdc_prob) == (expected[:]._.enc_prob, expected[:]._.pdc_prob)


def test_the_training_reader_reads_them(nlp, tmp_path):
    docs = annotated_docs(nlp, TEXT, ENTITIES, [(0, 1, "MECHANISM")], "doc1")
    path = tmp_path / "own.spacy"
    DocBin(docs=list(docs), store_user_data=True).to_disk(path)
    examples = list(create_ddi_corpus_reader(path)(nlp))
    assert [annotation(eg.reference) for eg in examples] == [annotation(d) for d in docs]


def test_cross_sentence_interaction_is_reported_not_written(nlp):
    docs = annotated_docs(nlp, TEXT, ENTITIES, [(1, 2, "INT")], "doc1", where="team/doc1.ann",
                          interaction_names=["R1"], entity_names=["T1", "T2", "T3", "T4", "T5"])
    assert all(not d.is_positive for doc in docs for d in doc._.ddis)
    (issue,) = docs.report.issues
    assert issue.kind == "cross_sentence" and issue.where == "team/doc1.ann, R1"
    assert "T2" in issue.message and "T3" in issue.message
    assert docs.report.positive_pairs == 0


def test_overlap_duplicate_misaligned_and_uncovered(nlp):
    text = "Aspirin may enhance warfarin in NSAIDs users.  "
    ents = [
        (0, 7, "BRAND"),
        (0, 7, "BRAND"),  # the same mention twice: one
        (20, 28, "DRUG"),
        (20, 28, "GROUP"),  # warfarin again, another label: dropped
        (32, 36, "GROUP"),  # "NSAI": kept as NSAIDs, its offsets recorded
        (45, 47, "DRUG"),  # whitespace only
    ]
    docs = annotated_docs(nlp, text, ents, [(1, 2, "EFFECT"), (3, 0, "INT"), (2, 4, "ADVISE"), (2, 4, "INT")], "d")
    (doc,) = docs
    assert annotation(doc)[1:] == (
        [("Aspirin", "BRAND"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP")],
        [("Aspirin", "warfarin", "EFFECT"), ("Aspirin", "NSAIDs", "FALSE"), ("warfarin", "NSAIDs", "ADVISE")],
    )
    assert doc.user_data[GOLD_OFFSETS_KEY] == [[5, 6, 32, 36]]
    assert docs.report.counts == {
        "duplicate": 1, "overlapping": 1, "misaligned": 1, "uncovered": 1,
        "interaction_dropped": 1, "conflicting": 1,
    }
    summary = docs.report.summary()
    assert "1 mentions overlapping another (dropped)" in summary and "entity 3" in summary


def test_sentence_end_inside_a_mention_keeps_the_sentences_together(nlp):
    text = "Patients took vitamin B. Complex tablets with warfarin."
    start = text.index("vitamin")
    ents = [(start, text.index(" tablets"), "DRUG"), (*at(text, "warfarin"), "DRUG")]
    docs = annotated_docs(nlp, text, ents, [(0, 1, "INT")], "d")
    assert len(docs) == 1 and annotation(docs[0])[2] == [("vitamin B. Complex", "warfarin", "INT")]
    assert docs.report.counts == {"merged_sentences": 1}


def test_self_and_repeated_interactions(nlp):
    docs = annotated_docs(nlp, TEXT, ENTITIES, [(0, 0, "INT"), (0, 1, "INT"), (1, 0, "INT")], "d")
    assert docs.report.counts == {"self_interaction": 1, "repeated_interaction": 1}
    assert docs.report.positive_pairs == 1


@pytest.mark.parametrize(
    "entities, interactions, message",
    [
        ([(0, 12, "drug")], [], "mention label 'drug'"),
        ([(0, 500, "DRUG")], [], "offsets 0-500"),
        ([(5, 5, "DRUG")], [], "offsets 5-5"),
        ([(0, 12, "DRUG")], [(0, 3, "INT")], "names mention 3"),
        ([(0, 12, "DRUG"), (51, 60, "DRUG")], [(0, 1, "interacts")], "interaction label 'interacts'"),
    ],
)
def test_bad_input_is_an_error_naming_where(nlp, entities, interactions, message):
    with pytest.raises(CorpusError, match=message) as err:
        annotated_docs(nlp, TEXT, entities, interactions, "d", where="team/d.json")
    assert str(err.value).startswith("team/d.json")


def test_edge_cases(nlp):
    assert annotated_docs(nlp, "", [], [], "empty") == []
    assert annotated_docs(nlp, "  \n ", [], [], "blank") == []
    (doc,) = annotated_docs(nlp, "No drugs here.", [], [], "none")
    assert list(doc.ents) == [] and doc._.ddi_records == [] and not doc[:]._.enc
    many = " ".join(f"drug{k}" for k in range(30)) + "."
    ents = [(*at(many, f"drug{k} "), "DRUG") if k < 29 else (*at(many, "drug29"), "DRUG") for k in range(30)]
    ents = [(s, e - 1 if many[e - 1] == " " else e, label) for s, e, label in ents]
    (doc,) = annotated_docs(nlp, many, ents, [(0, 29, "INT")], "many")
    assert len(doc.ents) == 30 and len(doc._.ddi_records) == 30 * 29 // 2


def test_report_adds_up_over_documents(nlp):
    report = ImportReport()
    first = AnnotatedDocument("a", TEXT, list(ENTITIES), [(0, 1, "MECHANISM")]).to_docs(nlp, report)
    second = annotated_docs(None, TEXT, ENTITIES, [(1, 2, "INT")], "b", report=report)
    assert first.report is report and second.report is report
    assert (report.documents, report.sentences, report.counts) == (2, 4, {"cross_sentence": 1})
    assert report.to_json()["issues"][0]["kind"] == "cross_sentence"
