"""The paper's extraction rules (section 3.5) on hand-made DSTC probabilities."""
import numpy
import pytest

from spacy_ddi.relations.dstc_component import TOKEN_LABELS
from spacy_ddi.relations.extraction import extract_pairs



def probs_for(n_drugs, n_tokens, labels):
    """labels: {(row, token): label index}; everything else is O with probability 0.9."""
    index = {name: i for i, name in enumerate(TOKEN_LABELS)}
    probs = numpy.full((n_drugs, n_tokens, len(TOKEN_LABELS)), 0.1 / (len(TOKEN_LABELS) - 1))
    probs[:, :, index["O"]] = 0.9
    for (row, token), name in labels.items():
        probs[row, token] = 0.02
        probs[row, token, index[name]] = 0.9
    return probs


def test_head_token_decides_short_objects():
    drugs = [(0, 1), (3, 5)]
    probs = probs_for(2, 6, {(0, 3): "EFFECT", (0, 4): "ADVISE"})
    assert extract_pairs(drugs, probs, TOKEN_LABELS) == [(0, 1, "EFFECT", pytest.approx(0.9))]


def test_long_object_votes_with_head_weight():
    drugs = [(0, 1), (2, 5)]
    # head says MECHANISM (1.5), the two others say ADVISE (2.0): ADVISE wins
    probs = probs_for(2, 5, {(0, 2): "MECHANISM", (0, 3): "ADVISE", (0, 4): "ADVISE"})
    assert extract_pairs(drugs, probs, TOKEN_LABELS) == [(0, 1, "ADVISE", pytest.approx(0.9))]
    # head MECHANISM (1.5) against one ADVISE (1.0) and one INT (1.0): MECHANISM wins
    probs = probs_for(2, 5, {(0, 2): "MECHANISM", (0, 3): "ADVISE", (0, 4): "INT"})
    assert extract_pairs(drugs, probs, TOKEN_LABELS)[0][2] == "MECHANISM"


def test_only_objects_after_the_subject_are_read():
    drugs = [(0, 1), (2, 3), (4, 5)]
    # row 2 (the last drug) claims the first drug: ignored, it only looks after itself
    probs = probs_for(3, 5, {(2, 0): "EFFECT", (0, 4): "INT"})
    pairs = extract_pairs(drugs, probs, TOKEN_LABELS)
    assert [(s, o) for s, o, _, _ in pairs] == [(0, 1), (0, 2), (1, 2)]
    assert [label for _, _, label, _ in pairs] == ["FALSE", "INT", "FALSE"]


def test_fewer_than_two_drugs_give_nothing():
    assert extract_pairs([], numpy.zeros((0, 3, 6)), TOKEN_LABELS) == []
    assert extract_pairs([(0, 1)], probs_for(1, 3, {}), TOKEN_LABELS) == []


def test_symmetric_reading_averages_both_rows():
    drugs = [(0, 1), (2, 3)]
    index = {name: i for i, name in enumerate(TOKEN_LABELS)}
    probs = probs_for(2, 3, {})
    # subject row at the object: EFFECT 0.5, ADVISE 0.4; object row at the subject: ADVISE 0.9
    probs[0, 2] = 0.02
    probs[0, 2, index["EFFECT"]], probs[0, 2, index["ADVISE"]] = 0.5, 0.4
    probs[1, 0] = 0.02
    probs[1, 0, index["ADVISE"]] = 0.9
    assert extract_pairs(drugs, probs, TOKEN_LABELS)[0][2] == "EFFECT"  # the paper's rule
    ((s, o, label, score),) = extract_pairs(drugs, probs, TOKEN_LABELS, symmetric=True)
    assert (s, o, label, score) == (0, 1, "ADVISE", pytest.approx(0.65))
    # a side of 3+ tokens is the 1.5/1/1-weighted mean of its tokens
    drugs = [(0, 3), (4, 5)]
    probs = probs_for(2, 5, {(1, 0): "INT", (1, 1): "O", (1, 2): "O", (0, 4): "INT"})
    ((_, _, label, score),) = extract_pairs(drugs, probs, TOKEN_LABELS, symmetric=True)
    side = (1.5 * 0.9 + 2 * 0.1 / 5) / 3.5
    assert label == "INT" and score == pytest.approx((0.9 + side) / 2)
