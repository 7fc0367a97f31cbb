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
