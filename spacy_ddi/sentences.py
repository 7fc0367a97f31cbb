"""ddi_sentences: a rule-based sentence splitter that does not cut drug lists and dosages.

spaCy's ``sentencizer`` ends a sentence at every ``.``, which in drug labels cuts ``etc.)``,
``q.d.`` or ``400 mg. for 3 days`` in two and so separates drugs that interact. This splitter
ends a sentence at ``.``, ``!`` or ``?`` (and any closing brackets or quotes right after it)
only when the next token starts with an upper-case letter or a digit and the token before
the punctuation is not a known abbreviation. Newline-only tokens also end sentences.
"""
import re

from spacy.language import Language
from spacy.tokens import Doc

ABBREVIATIONS = {
    "etc", "e.g", "i.e", "vs", "approx", "ca", "cf", "al", "fig", "figs", "dr", "mr", "mrs",
    "no", "nos", "ref", "refs", "inc", "ltd", "co", "u.s", "q.d", "b.i.d", "t.i.d", "q.i.d",
    "p.o", "i.v", "i.m", "s.c", "resp", "eq", "max", "min", "st", "sp", "spp",
}
ENDS = {".", "!", "?"}
CLOSERS = {")", "]", "}", '"', "'"}
NEWLINE = re.compile(r"\s*\n\s*\n?\s*")


@Language.component("ddi_sentences", assigns=["token.is_sent_start"])
def ddi_sentences(doc: Doc) -> Doc:
    """Set sentence starts on ``doc`` (every token gets True or False)."""
    if len(doc) == 0:
        return doc
    starts = [False] * len(doc)
    starts[0] = True
    for i, token in enumerate(doc[:-1]):
        if token.is_space and "\n" in token.text:
            starts[i + 1] = True
            continue
        if token.text not in ENDS:
            continue
        if i > 0 and doc[i - 1].lower_.rstrip(".") in ABBREVIATIONS:
            continue
        j = i + 1
        while j < len(doc) and doc[j].text in CLOSERS:
            j += 1
        while j < len(doc) and doc[j].is_space:
            j += 1
        if j < len(doc) and (doc[j].text[0].isupper() or doc[j].text[0].isdigit()):
            starts[j] = True
    for token, start in zip(doc, starts):
        token.is_sent_start = start
    return doc
