"""ddi_sentences: a rule-based sentence splitter that does not cut drug lists and dosages.

spaCy's ``sentencizer`` ends a sentence at every ``.``, which in drug labels cuts ``etc.)``,
``q.d.`` or ``400 mg. for 3 days`` in two and so separates drugs that interact. This splitter
ends a sentence:

- at ``.``, ``!`` or ``?`` (or a token of them only, such as ``..``; or a word the tokenizer
  left a final period on, such as ``mL.``), with any closing brackets or quotes right after
  it, when the next token starts with an upper-case letter, a digit, an opening bracket or a
  list bullet (``-``, ``*``, ``•``) and the word before the period is not a known
  abbreviation; after an abbreviation that often ends a sentence (``etc.``, ``min.``,
  ``i.v.``, ``p.o.``), only when the next word starts with an upper-case letter;
- at ``;`` followed by a space and more text, as the DDI corpus does (its sentences end at
  such semicolons: 324 of the 335 ``; `` in the Train split end a sentence, and interactions
  are annotated within sentences only); ``A;B;C`` without spaces
  (a list) and ``(20; 60)`` inside brackets stay whole (brackets are counted inside tokens
  too, so a ``):`` token closes its bracket);
- at newline-only tokens.

Relations are read within sentences, so every boundary decides which drugs can pair.
"""
import re
from typing import List, Optional

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

ABBREVIATIONS = {
    "etc", "e.g", "i.e", "vs", "approx", "ca", "cf", "al", "fig", "figs", "dr", "mr", "mrs",
    "no", "nos", "ref", "refs", "inc", "ltd", "co", "u.s", "q.d", "b.i.d", "t.i.d", "q.i.d",
    "p.o", "i.v", "i.m", "s.c", "resp", "eq", "max", "min", "st", "sp", "spp",
}
# abbreviations that often end a sentence: their period ends one before an upper-case word
# (in the Train and dev splits, 6 of 6 such cases are sentence ends; "e.g.", "St." or
# "U.S." before a capital are not, and stay in ABBREVIATIONS only)
FINAL_ABBREVIATIONS = {
    "etc", "min", "max", "p.o", "i.v", "i.m", "s.c", "q.d", "b.i.d", "t.i.d", "q.i.d", "resp",
}
ENDS = {".", "!", "?"}
CLOSERS = {")", "]", "}", '"', "'"}
OPENERS = {"(", "[", "-", "*", "\u2022", "\u2013"}
CLAUSE_END = ";"


def _end_kind(words: List[str], spaces: List[bool], i: int) -> Optional[str]:
    """How token ``i`` (of a doc whose token texts are ``words``, ``spaces`` telling which
    have whitespace after them) can end a sentence: "clause" (always, given text after it),
    "period" (before a sentence-like start), "capital" (only before an upper-case word: an
    abbreviation that often ends a sentence), or None."""
    text = words[i]
    if text == CLAUSE_END:  # "A; however" ends a clause, "A;B;C" is a list
        return "clause" if spaces[i] else None
    if text and all(c in ENDS for c in text):
        before = words[i - 1].lower().rstrip(".") if i > 0 else ""
        if before in FINAL_ABBREVIATIONS:
            return "capital"
        return None if before in ABBREVIATIONS else "period"
    # a word with the sentence's period attached ("mL.", "CYP3A."), not an abbreviation
    # ("e.g.", "p.o.", "No.") or an initial ("J.")
    word = text[:-1]
    if text.endswith(".") and len(word) > 1 and "." not in word and word.lower() not in ABBREVIATIONS:
        return "period"
    return None


def _starts_sentence(text: str, kind: str) -> bool:
    first = text[0]
    if kind == "clause":
        return True
    if kind == "capital":
        return first.isupper()
    return first.isupper() or first.isdigit() or text in OPENERS or first in "(["


NEWLINE = re.compile(r"\s*\n\s*\n?\s*")


@Language.component("ddi_sentences", assigns=["token.is_sent_start"])
def ddi_sentences(doc: Doc) -> Doc:
    """Set sentence starts on ``doc`` (every token gets True or False)."""
    n = len(doc)
    if n == 0:
        return doc
    # each token's attributes read once (a Token object per access costs more than the rules)
    words, spaces, blank = [], [], []
    for token in doc:
        words.append(token.text)
        spaces.append(bool(token.whitespace_))
        blank.append(token.is_space)
    starts = [False] * n
    starts[0] = True
    depth = 0  # open brackets in the current sentence: "(20; 60)" is not a clause end
    for i in range(n - 1):
        text = words[i]
        if starts[i]:
            depth = 0
        if "(" in text or "[" in text or ")" in text or "]" in text:
            # brackets inside a token count too: "(Riboflavin):" closes what it opened
            depth = max(depth + text.count("(") + text.count("[") - text.count(")") - text.count("]"), 0)
        if blank[i] and "\n" in text:
            starts[i + 1] = True
            continue
        kind = _end_kind(words, spaces, i)
        if kind is None or (kind == "clause" and depth):
            continue
        j = i + 1
        while j < n and words[j] in CLOSERS:
            j += 1
        while j < n and blank[j]:
            j += 1
        if j < n and _starts_sentence(words[j], kind):
            starts[j] = True
    # one array write: setting token.is_sent_start token by token costs O(n) each
    values = numpy.asarray([1 if start else -1 for start in starts], dtype="int32").reshape(-1, 1)
    doc.from_array([SENT_START], values.astype("uint64"))
    return doc
