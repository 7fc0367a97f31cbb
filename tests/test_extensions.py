"""doc._.ddis under everyday Doc operations: each keeps the interactions or says why not."""
import warnings

import pytest
import spacy
from spacy.tokens import Doc

import spacy_ddi
from spacy_ddi.extensions import Interaction

from .conftest import annotated_doc


@pytest.fixture
def nlp():
    return spacy.blank("en")


def texts(doc):
    return [(d.subject.text, d.label, d.object.text) for d in doc._.ddis]


@pytest.fixture
def docs(nlp):
    first = annotated_doc(
        nlp, "Aspirin raises warfarin levels.", [("Aspirin", "DRUG"), ("warfarin", "DRUG")],
        [("Aspirin", "warfarin", "EFFECT")],
    )
    second = annotated_doc(
        nlp, "Then lithium and diuretics interact.", [("lithium", "DRUG"), ("diuretics", "GROUP")],
        [("lithium", "diuretics", "INT")],
    )
    return first, second


def test_from_docs_keeps_interactions_or_spacy_warns(docs):
    with pytest.warns(UserWarning, match="W101.*ddi_records"):
        plain = Doc.from_docs(list(docs))
    assert plain._.ddis == []
    merged = spacy_ddi.from_docs(list(docs))
    assert texts(merged) == texts(docs[0]) + texts(docs[1])


def test_span_as_doc_never_shifts_interactions(docs):
    doc = spacy_ddi.from_docs(list(docs))
    second = [s for s in doc.sents][-1] if doc.has_annotation("SENT_START") else doc[len(docs[0]) :]
    copied = second.as_doc(copy_user_data=True)
    assert texts(copied) == []  # spaCy copies no doc-level extension: none, never shifted ones
    assert texts(spacy_ddi.span_as_doc(second)) == texts(docs[1])
    assert texts(spacy_ddi.span_as_doc(doc[1:4])) == []  # the pair is cut: left out


def test_records_outside_the_doc_are_skipped_with_a_warning(docs):
    short = docs[0]
    short._.ddi_records = short._.ddi_records + [[7, 8, 9, 10, "INT", 1.0]]
    with pytest.warns(UserWarning, match="outside the doc"):
        assert texts(short) == [("Aspirin", "EFFECT", "warfarin")]


def test_to_json_names_ddi_records(docs):
    doc = docs[0]
    with pytest.raises(ValueError, match="ddi_records"):
        doc.to_json(underscore=["ddis"])
    data = doc.to_json(underscore=["ddi_records"])
    again = Doc(doc.vocab).from_json(data)
    assert texts(again) == texts(doc)


def test_assigning_anything_but_interactions_says_what_it_expects(docs):
    doc = docs[0]
    with pytest.raises(TypeError, match=r"spacy_ddi\.Interaction.*item 0 is a tuple"):
        doc._.ddis = [("Aspirin", "warfarin", "EFFECT")]
    assert texts(doc) == [("Aspirin", "EFFECT", "warfarin")]


def test_list_changes_are_written_back(docs):
    doc = docs[1]
    doc._.ddis.append(Interaction(doc[0:1], doc[1:2], "FALSE", 0.5))
    assert len(doc._.ddis) == 2
    ddis = doc._.ddis
    ddis += [Interaction(doc[0:1], doc[3:4], "ADVISE")]
    assert len(doc._.ddis) == 3
    doc._.ddis.remove(doc._.ddis[0])
    assert len(doc._.ddis) == 2
    doc._.ddis.clear()
    assert doc._.ddis == [] and doc._.ddi_records == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert spacy_ddi.positive_ddis(doc) == []


def test_an_invalid_change_changes_nothing(docs):
    doc = docs[0]
    ddis = doc._.ddis
    with pytest.raises(TypeError):
        ddis.append("not an interaction")
    assert len(ddis) == 1 and texts(doc) == [("Aspirin", "EFFECT", "warfarin")]
