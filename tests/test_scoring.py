"""Strict NER and DDI scores on hand-made predictions, with exact expected figures."""
import pytest
import spacy
from spacy.training import Example

from spacy_ddi.corpus.convert import GOLD_OFFSETS_KEY
from spacy_ddi.extensions import Interaction
from spacy_ddi.scoring import score_ddi_strict, score_flags, score_ner_strict

from .conftest import annotated_doc

TEXT = "Aspirin increases warfarin and heparin levels with NSAIDs."


def annotate(nlp, ents, rels):
    return annotated_doc(nlp, TEXT, ents, rels)


@pytest.fixture
def example():
    nlp = spacy.blank("en")
    gold = annotate(
        nlp,
        [("Aspirin", "DRUG"), ("warfarin", "DRUG"), ("heparin", "DRUG"), ("NSAIDs", "GROUP")],
        [("Aspirin", "warfarin", "MECHANISM"), ("Aspirin", "heparin", "EFFECT"), ("warfarin", "heparin", "FALSE")],
    )
    pred = annotate(
        nlp,
        [("Aspirin", "DRUG"), ("warfarin", "BRAND"), ("heparin levels", "DRUG"), ("NSAIDs", "GROUP")],
        [("Aspirin", "warfarin", "MECHANISM"), ("Aspirin", "heparin levels", "EFFECT"), ("warfarin", "NSAIDs", "INT")],
    )
    return Example(pred, gold)


def test_ner_strict_needs_span_and_type(example):
    scores = score_ner_strict([example])
    assert scores["ents_p"] == pytest.approx(2 / 4)
    assert scores["ents_r"] == pytest.approx(2 / 4)
    assert scores["ents_per_type"]["GROUP"]["f"] == 1.0
    assert scores["ents_per_type"]["DRUG"] == pytest.approx({"p": 1 / 2, "r": 1 / 3, "f": 0.4})
    assert scores["ents_per_type"]["BRAND"]["p"] == 0.0


def test_ddi_strict_counts_exact_pairs_of_positive_types(example):
    scores = score_ddi_strict([example])
    # the MECHANISM pair is right by span (type is not an entity criterion for DDI)
    assert scores["ddi_strict_p"] == pytest.approx(1 / 3)
    assert scores["ddi_strict_r"] == pytest.approx(1 / 2)
    assert scores["ddi_strict_per_type"]["MECHANISM"]["f"] == 1.0
    assert scores["ddi_strict_per_type"]["EFFECT"]["f"] == 0.0
    assert scores["ddi_strict_per_type"]["INT"]["p"] == 0.0


def test_ddi_pairs_are_unordered():
    nlp = spacy.blank("en")
    gold = annotate(nlp, [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [("Aspirin", "warfarin", "ADVISE")])
    pred = annotate(nlp, [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [])
    pred._.ddis = [Interaction(pred.ents[1], pred.ents[0], "ADVISE")]
    assert score_ddi_strict([Example(pred, gold)])["ddi_strict_f"] == 1.0


def test_widened_gold_entity_is_scored_on_corpus_offsets():
    nlp = spacy.blank("en")
    gold = annotate(nlp, [("warfarin", "DRUG")], [])
    # the corpus said "warfari" (not on a token boundary); conversion widened it
    gold.user_data[GOLD_OFFSETS_KEY] = [[2, 3, TEXT.index("warfarin"), TEXT.index("warfarin") + 7]]
    pred = annotate(nlp, [("warfarin", "DRUG")], [])
    assert score_ner_strict([Example(pred, gold)])["ents_f"] == 0.0


def test_flags_scores(example):
    example.predicted[:]._.enc_prob = 0.9
    example.predicted[:]._.pdc_prob = 0.1
    scores = score_flags([example])
    assert scores == {"enc_f": 1.0, "pdc_f": 0.0}


def test_document_mode_maps_predictions_back_to_corpus_sentences():
    from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY
    from spacy_ddi.evaluation import join_documents, score_document_mode
    from spacy_ddi.text.sentences import ddi_sentences

    nlp = spacy.blank("en")
    first = annotated_doc(
        nlp, "Aspirin raises warfarin levels.", [("Aspirin", "DRUG"), ("warfarin", "DRUG")],
        [("Aspirin", "warfarin", "MECHANISM")],
    )
    second = annotated_doc(nlp, "Lithium is fine.", [("Lithium", "DRUG")], [])
    other = annotated_doc(nlp, "Heparin alone.", [("Heparin", "DRUG")], [])
    for doc, doc_id in ((first, "d1"), (second, "d1"), (other, "d2")):
        doc.user_data[DOCUMENT_ID_KEY] = doc_id
    documents = join_documents([first, second, other])
    assert [(d.id, d.text, d.starts) for d in documents] == [
        ("d1", "Aspirin raises warfarin levels. Lithium is fine.", [0, 32]),
        ("d2", "Heparin alone.", [0]),
    ]
    joined = ddi_sentences(annotated_doc(
        nlp, documents[0].text, [("Aspirin", "DRUG"), ("warfarin", "DRUG"), ("Lithium", "BRAND")],
        [("Aspirin", "warfarin", "MECHANISM"), ("warfarin", "Lithium", "INT")],
    ))
    alone = annotated_doc(nlp, "Heparin alone.", [("Heparin", "DRUG")], [])
    scores = score_document_mode(documents, [joined, alone])
    assert scores["ner"]["ents_p"] == pytest.approx(3 / 4)
    assert scores["ner"]["ents_r"] == pytest.approx(3 / 4)
    # the pair across the two corpus sentences is a false positive, and is counted
    assert scores["ddi"]["ddi_strict_p"] == pytest.approx(1 / 2)
    assert scores["ddi"]["ddi_strict_r"] == 1.0
    assert scores["interactions_across_sentences"] == 1
    assert scores["entities_across_sentences"] == 0
    assert (scores["corpus_boundaries"], scores["merged"], scores["split"]) == (1, 0, 0)
    # without sentence boundaries the corpus boundary counts as merged
    unsplit = annotated_doc(nlp, documents[0].text, [], [])
    scores = score_document_mode(documents, [unsplit, alone])
    assert (scores["merged"], scores["split"]) == (1, 0)
    with pytest.raises(ValueError, match="no document id"):
        join_documents([annotated_doc(nlp, "Heparin alone.", [], [])])
    # against each sentence's prediction alone: sentences whose two boundaries the splitter
    # kept are compared (entities and positive interactions, in sentence offsets)
    first_alone = annotated_doc(
        nlp, first.text, [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [("Aspirin", "warfarin", "MECHANISM")]
    )
    second_alone = annotated_doc(nlp, second.text, [("Lithium", "BRAND")], [])
    scores = score_document_mode(documents, [joined, alone], [first_alone, second_alone, alone])
    assert (scores["sentences_boundaries_kept"], scores["kept_same_as_sentence_mode"]) == (3, 2)
    # (the joined doc's warfarin-Lithium pair is kept with the first sentence: it differs)
    scores = score_document_mode(documents, [unsplit, alone], [first_alone, second_alone, alone])
    assert (scores["sentences_boundaries_kept"], scores["kept_same_as_sentence_mode"]) == (1, 1)
    with pytest.raises(ValueError, match="corpus order"):
        score_document_mode(documents, [joined, alone], [second_alone, first_alone, alone])
