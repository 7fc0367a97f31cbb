"""The numpy token-to-wordpiece alignment equals spacy-transformers' own."""
import numpy
import pytest
from spacy_transformers.align import get_alignment_via_offset_mapping
from transformers import AutoTokenizer

from spacy_ddi.text import create_drug_tokenizer
from spacy_ddi.encoders import resolve_encoder
from spacy_ddi.layers.alignment import alignment_from_offsets

TEXTS = [
    "Ketoconazole increases the plasma concentration of midazolam.  Aspirin (ASA) may enhance"
    " warfarin's effect;co-administration\nof 5-FU\u00ae and \u03b2-blockers is advised against.",
    "  Leading spaces, tabs\tand a trailing space ",
    "No drugs here.",
    "a",
]


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(resolve_encoder("all-MiniLM-L6-v2"))


def _spans(nlp_docs):
    """Sentence-like spans, overlapping windows and spans from several docs (spacy-transformers'
    function cannot take an empty span)."""
    spans = []
    for doc in nlp_docs:
        n = len(doc)
        spans += [doc[0 : n // 2], doc[n // 2 : n]]
        if n > 6:
            spans += [doc[2:7], doc[4:n]]  # overlapping windows over the same tokens
    return [span for span in spans if len(span)]


def test_alignment_equals_spacy_transformers(tokenizer):
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    docs = [nlp(text) for text in TEXTS]
    spans = _spans(docs)
    encoding = tokenizer([s.text for s in spans], padding="longest", return_offsets_mapping=True, return_tensors="np")
    ours = alignment_from_offsets(spans, encoding["offset_mapping"])
    theirs = get_alignment_via_offset_mapping(spans, encoding["offset_mapping"])
    numpy.testing.assert_array_equal(ours.lengths, theirs.lengths)
    numpy.testing.assert_array_equal(ours.dataXd, theirs.dataXd)
    assert ours.dataXd.dtype == theirs.dataXd.dtype and ours.lengths.dtype == theirs.lengths.dtype
    assert int(ours.lengths.sum()) > 0 and (ours.lengths == 0).any()  # whitespace tokens align to nothing


def test_alignment_of_unpadded_offsets(tokenizer):
    """Offsets given per span without padding (each span its own width) align the same way."""
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    spans = _spans([nlp(text) for text in TEXTS])
    encoding = tokenizer([s.text for s in spans], return_offsets_mapping=True)
    offsets = [numpy.asarray(o) for o in encoding["offset_mapping"]]
    assert len({len(o) for o in offsets}) > 1
    ours = alignment_from_offsets(spans, offsets)
    theirs = get_alignment_via_offset_mapping(spans, offsets)
    numpy.testing.assert_array_equal(ours.lengths, theirs.lengths)
    numpy.testing.assert_array_equal(ours.dataXd, theirs.dataXd)
