"""Abbreviations defined in the text: the Schwartz-Hearst algorithm on spaCy tokens.

Schwartz & Hearst (2003), "A simple algorithm for identifying abbreviation definitions in
biomedical text", as scispaCy's ``AbbreviationDetector`` applies it to a Doc:

- candidates are "long form (short form)" and, when the text in parentheses has more than
  two words or is no short form, "short form (long form)";
- a short form has one or two words of 2 to 9 characters, at least half of its characters
  letters, and starts with a letter;
- the long form is searched for among the min(|A| + 5, |A| * 2) words before the parentheses
  (|A| the short form's length in characters);
- the short form's letters and digits are matched right to left in the long form, each at or
  before the previous match, the first one at the start of a word; the long form starts at
  that word.

One change: the match is first tried with every capital letter and digit of the short form at
the start of a word ("proton pump inhibitors (PPIs)" gives "proton pump inhibitors", where the
plain rule stops at "pump inhibitors" because the second P also matches the last letter of
"pump"); when that finds nothing, the plain rule decides.

A definition resolves the short form from the definition to the end of the document, also
with a plural "s" added or taken away ("PPIs" defined, "PPI" later).
"""
from typing import Dict, List, Optional, Tuple

from spacy.tokens import Doc, Span

MAX_SHORT_WORDS = 2
# (short form start char, end char, long form start char, end char)
AbbreviationRecord = Tuple[int, int, int, int]


def short_form_filter(span: Span) -> bool:
    """Whether a span may be a short form: 1-2 words of 2-9 characters, at least half of its
    characters letters, the first a letter."""
    if not 1 <= len(span) <= MAX_SHORT_WORDS or not all(2 <= len(t) < 10 for t in span):
        return False
    text = span.text
    if sum(c.isalpha() for c in text) / len(text) < 0.5:
        return False
    return text[0].isalpha()


def _match_start(long_form: str, short_form: str, strict: bool) -> Optional[int]:
    """The character where the long form starts, or None (Schwartz-Hearst's matching; with
    ``strict``, capital letters and digits of the short form match only at a word start)."""
    long_index = len(long_form) - 1
    short_index = len(short_form) - 1
    while short_index >= 0:
        char = short_form[short_index]
        if not char.isalnum():
            short_index -= 1
            continue
        at_word_start = short_index == 0 or (strict and (char.isupper() or char.isdigit()))
        while long_index >= 0 and (
            long_form[long_index].lower() != char.lower()
            or (at_word_start and long_index > 0 and long_form[long_index - 1].isalnum())
        ):
            long_index -= 1
        if long_index < 0:
            return None
        long_index -= 1
        short_index -= 1
    return long_index + 1


def find_long_form(long_candidate: Span, short_form: Span) -> Optional[Span]:
    """The long form of ``short_form`` at the end of ``long_candidate``, or None."""
    if len(long_candidate) == 0:
        return None
    text = long_candidate.text
    short = short_form.text
    start = _match_start(text, short, strict=True)
    if start is None:
        start = _match_start(text, short, strict=False)
    if start is None:
        return None
    offset = long_candidate.start_char + start
    for token in long_candidate:
        if token.idx + len(token.text) > offset:
            long_form = long_candidate.doc[token.i : long_candidate.end]
            # the long form does not merely repeat the short form
            if long_form.text.lower() == short.lower() or len(long_form.text) <= len(short):
                return None
            return long_form
    return None


def _paired_parentheses(doc: Doc) -> List[Tuple[int, int]]:
    """(open, close) token indexes of parentheses with one to eight tokens inside."""
    pairs = []
    opened: Optional[int] = None
    for token in doc:
        if token.text == "(":
            opened = token.i
        elif token.text == ")" and opened is not None:
            if 1 <= token.i - opened - 1 <= 8:
                pairs.append((opened, token.i))
            opened = None
    return pairs


def definitions(doc: Doc) -> List[Tuple[Span, Span]]:
    """(short form, long form) of each abbreviation the text defines, in text order."""
    found = []
    for opened, closed in _paired_parentheses(doc):
        inside = doc[opened + 1 : closed]
        if opened == 0:
            continue
        if len(inside) > MAX_SHORT_WORDS or not short_form_filter(inside):
            # "short form (long form)": the word before the parenthesis is the short form
            short = doc[opened - 1 : opened]
            if short_form_filter(short):
                long_form = find_long_form(inside, short)
                if long_form is not None and long_form.start == inside.start:
                    found.append((short, long_form))
            continue
        size = len(inside.text)
        max_words = min(size + 5, size * 2)
        sentence_start = doc[opened].sent.start if doc.has_annotation("SENT_START") else 0
        start = max(opened - max_words, sentence_start, 0)
        long_form = find_long_form(doc[start:opened], inside)
        if long_form is not None:
            found.append((inside, long_form))
    return found


def _forms(text: str) -> List[str]:
    """The short form as written and with a plural "s" added or taken away."""
    forms = [text]
    if text.endswith("s") and len(text) > 2 and text[-2].isupper():
        forms.append(text[:-1])
    elif text[-1:].isupper():
        forms.append(text + "s")
    return forms


def abbreviation_records(doc: Doc) -> List[AbbreviationRecord]:
    """Every short form resolved by a definition (the definition's own and the later ones),
    as character offsets of the short form and its long form."""
    found = definitions(doc)
    if not found:
        return []
    records: Dict[Tuple[int, int], AbbreviationRecord] = {}
    seen_short = set()
    for short, long_form in found:
        if short.text in seen_short:
            continue  # a short form defined twice: the first definition holds
        seen_short.add(short.text)
        forms = {tuple(form.split()) for form in _forms(short.text)}
        widths = {len(form) for form in forms}
        for i in range(short.start, len(doc)):
            for width in widths:
                span = doc[i : i + width]
                if tuple(t.text for t in span) in forms and (span.start_char, span.end_char) not in records:
                    if long_form.start <= span.start < long_form.end:
                        continue
                    records[(span.start_char, span.end_char)] = (
                        span.start_char, span.end_char, long_form.start_char, long_form.end_char,
                    )
    return sorted(records.values())
