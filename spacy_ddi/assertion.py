"""How a sentence asserts an interaction: ``affirmed``, ``negated`` or ``speculated``.

``assertion_of(subject, object)`` reads the clause that holds both mentions: from the last
clause boundary before the first mention to the first one after the second (``;``, ``:``, and
"but", "whereas", "while", "although", "however", "yet"; a clause opened by "although", "when",
"if"... ends at its comma), so that in "Rifampin decreased the AUC of amprenavir, but amprenavir
had no effect on rifampin" the first pair is affirmed and the second negated. Where a boundary
lies between the two mentions, the later mention's clause is read. In that clause:

- a negation cue ("no", "not", "nor", "neither", "none", "n't", "failed to", "unaffected",
  "unchanged", "unaltered", "lack of", "non-significant") makes it ``negated``, except in
  advice that presumes the interaction ("should not be given with", "must not", "do not use",
  "not recommended", "contraindicated") and in "not only", "whether or not", "cannot be
  excluded / ruled out";
- otherwise a speculation cue ("may", "might", "could", "possibly", "potential", "likely",
  "suggest", "whether", "unknown", "unclear", "remains to be", "appears to", "hypothesis",
  "cannot be excluded", a question mark) makes it ``speculated``;
- otherwise it is ``affirmed``.

The rules are cue rules scoped to the clause, as NegEx and its successors are: negspacy marks
entities, not pairs, and has no hedging, so it does not fit. They never change an
interaction's label; ``dstc_relations`` and ``pair_relations`` can also leave negated pairs out
(``negated = "drop"``, a prediction setting that ``spacy-ddi tune`` chooses on dev).
Measured against hand-annotated sets in ``benchmarks/annotated/assertion`` (docs/calibration.md).
"""
import re
from typing import List, Tuple

from spacy.tokens import Span

AFFIRMED, NEGATED, SPECULATED = "affirmed", "negated", "speculated"
ASSERTIONS = (AFFIRMED, NEGATED, SPECULATED)

BOUNDARY_WORDS = frozenset({"but", "whereas", "while", "although", "though", "however", "yet"})
# a clause opened by one of these ends at its comma ("Although X was given with Y, Z did not ...")
SUBORDINATORS = frozenset({"although", "though", "while", "whereas", "when", "if", "because", "since", "as", "after", "before"})
BOUNDARY_PUNCT = frozenset({";", ":"})

_NEGATION = re.compile(
    r"\b(?:no|not|nor|neither|none|cannot|failed to|fails to|fail to|unaffected|unchanged|unaltered|"
    r"lack of|lacked|non-?significant(?:ly)?|insignificant(?:ly)?|did not|does not|do not|was not|were not|"
    r"is not|are not|has not|have not|had not)\b|n't\b",
    re.I,
)
# negation words that presume the interaction (advice) or do not negate it
_NOT_NEGATION = re.compile(
    r"\b(?:should not|must not|need not|do not (?:use|give|take|administer|combine|exceed|co-?administer)|"
    r"not (?:be )?(?:recommended|advised|given|used|administered|co-?administered|combined|taken|exceed)|"
    r"not only|whether or not|no longer|cannot be (?:excluded|ruled out)|not be (?:excluded|ruled out))\b",
    re.I,
)
# "X, but not Z, increased Y": an aside that negates Z alone
_ASIDE = re.compile(r"\bbut not\b[^,;]*(?:,|$)", re.I)
_SPECULATION = re.compile(
    r"\b(?:may|might|could|possibl[ey]|potential(?:ly)?|perhaps|likely|probabl[ey]|presumabl[ey]|"
    r"suggest(?:s|ed|ing)?|whether|unknown|unclear|remains? to be|appears? to|appeared to|seems? to|"
    r"hypothes[ie]s|hypothesi[sz]ed?|speculat\w*|putative|suspected|cannot be excluded|"
    r"cannot be ruled out|be excluded|investigated? (?:if|whether))\b|\?",
    re.I,
)


def clause_bounds(subject: Span, obj: Span) -> Tuple[int, int]:
    """Token offsets (start, end) of the clause holding both mentions, within their sentence."""
    doc = subject.doc
    first, last = (subject, obj) if subject.start <= obj.start else (obj, subject)
    sent_start = first.sent.start if doc.has_annotation("SENT_START") else 0
    sent_end = last.sent.end if doc.has_annotation("SENT_START") else len(doc)
    start = sent_start
    for i in range(first.start - 1, sent_start - 1, -1):
        if _is_boundary(doc, i, sent_start):
            start = i + 1
            break
    # a boundary between the mentions: the statement is the later mention's clause ("X had no
    # effect on A, although it decreased the B of Y": X-Y is read from "it decreased ... Y")
    for i in range(last.start - 1, first.end - 1, -1):
        if _is_boundary(doc, i, sent_start):
            start = i + 1
            break
    subordinate = doc[start].lower_ in SUBORDINATORS or (start > sent_start and doc[start - 1].lower_ in SUBORDINATORS)
    end = sent_end
    for i in range(last.end, sent_end):
        if _is_boundary(doc, i, sent_start) or (doc[i].text == "," and subordinate):
            end = i
            break
    return start, end


def _is_boundary(doc, i: int, sent_start: int) -> bool:
    """Whether token ``i`` starts a new clause: ";", ":", "but" (not "but not", "but also": an
    aside), "whereas", "while", "although", "though"; "however" only after a stop or a
    semicolon ("X did not, however, affect Y" is one clause); "yet" only after a comma."""
    token = doc[i]
    lower = token.lower_
    if token.text in BOUNDARY_PUNCT:
        return True
    if lower == "but":
        return not (i + 1 < len(doc) and doc[i + 1].lower_ in ("not", "also"))
    if lower == "however":
        return i == sent_start or doc[i - 1].text in (";", ".")
    if lower == "yet":
        return i > sent_start and doc[i - 1].text == ","
    return lower in BOUNDARY_WORDS


def cues(subject: Span, obj: Span) -> Tuple[List[str], List[str]]:
    """(negation cues, speculation cues) found in the pair's clause (for explanations)."""
    start, end = clause_bounds(subject, obj)
    doc = subject.doc
    text = doc[start:end].text if end > start else ""
    # the mentions' own words are not cues ("Non-steroidal", "no-reflow")
    for mention in (subject, obj):
        if start <= mention.start and mention.end <= end:
            offset = mention.start_char - doc[start].idx
            text = text[:offset] + " " * len(mention.text) + text[offset + len(mention.text):]
    masked = _NOT_NEGATION.sub(lambda m: " " * len(m.group(0)), text)
    # an aside "but not Z," negates Z only: it negates the pair only when a mention is inside it
    clause_start = doc[start].idx if end > start else 0
    for aside in _ASIDE.finditer(masked):
        a, b = aside.start() + clause_start, aside.end() + clause_start
        if not any(a <= mention.start_char < b for mention in (subject, obj)):
            masked = masked[:aside.start()] + " " * (aside.end() - aside.start()) + masked[aside.end():]
    negations = [m.group(0) for m in _NEGATION.finditer(masked)]
    speculations = [m.group(0) for m in _SPECULATION.finditer(text)]
    return negations, speculations


def assertion_of(subject: Span, obj: Span) -> str:
    """``affirmed``, ``negated`` or ``speculated``: how the pair's clause asserts it."""
    negations, speculations = cues(subject, obj)
    if negations:
        return NEGATED
    if speculations:
        return SPECULATED
    return AFFIRMED
