"""A drug-name lexicon as a token feature: BIO tags of the longest vocabulary names in a doc.

``drug_ner`` can read these tags (``spacy-ddi.CRFTagger.v1`` with ``lexicon_width > 0``) as a
learned embedding next to each token's vector. The names are those of the offline vocabulary
``drug_linker`` uses (:class:`~spacy_ddi.linking.vocabulary.DrugVocabulary`), kept inside the
model, so a saved pipeline needs no package to compute them.
"""
import re
from typing import Iterable, List, Sequence

import numpy
from spacy.tokens import Doc

OUTSIDE, BEGIN, INSIDE = 0, 1, 2
N_TAGS = 3
MAX_NAME_TOKENS = 6
_SPACES = re.compile(r"\s+")


def name_key(text: str) -> str:
    """How names are compared: lower case, single spaces."""
    return _SPACES.sub(" ", text.strip().lower())


def lexicon_names(variants: Iterable[str]) -> List[str]:
    """The vocabulary's names fit for matching: 3 characters or more, with a letter (no bare
    numbers or single letters), sorted."""
    names = {name_key(v) for v in variants}
    return sorted(n for n in names if len(n) >= 3 and any(c.isalpha() for c in n))


def lexicon_tags(doc: Doc, names: frozenset, max_tokens: int = MAX_NAME_TOKENS) -> numpy.ndarray:
    """(len(doc),) int32 BIO tags: greedy, left to right, the longest span of up to
    ``max_tokens`` tokens whose text is a name."""
    tags = numpy.zeros((len(doc),), dtype="int32")
    text = doc.text
    starts = [t.idx for t in doc]
    ends = [t.idx + len(t.text) for t in doc]
    i, n = 0, len(doc)
    while i < n:
        if not doc[i].text[:1].isalnum():
            i += 1
            continue
        best = 0
        for j in range(min(n, i + max_tokens), i, -1):
            if name_key(text[starts[i] : ends[j - 1]]) in names:
                best = j
                break
        if best:
            tags[i] = BEGIN
            tags[i + 1 : best] = INSIDE
            i = best
        else:
            i += 1
    return tags


def doc_lexicon_tags(docs: Sequence[Doc], names: frozenset) -> List[numpy.ndarray]:
    return [lexicon_tags(doc, names) for doc in docs]
