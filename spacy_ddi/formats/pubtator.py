"""PubTator text: ``PMID|t|title`` and ``PMID|a|abstract`` lines, with annotation lines between
blocks. A document's text is its title, a line break and its abstract, so PubTator's offsets
hold. (Its annotations, for training data: :mod:`spacy_ddi.formats.annotated`.)"""
import re
from typing import Iterator, Optional, Tuple

PUBTATOR_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")
# between a PubTator title and its abstract: one character, so the offsets of PubTator's
# annotation lines (the abstract starts at len(title) + 1) index the text
PUBTATOR_SEPARATOR = "\n"


def is_pubtator(text: str) -> bool:
    """Whether a .txt file's text (or its start) is PubTator: its first line is PMID|t|... ."""
    return bool(PUBTATOR_LINE.match(text.lstrip("\ufeff").split("\n", 1)[0]))


def pubtator_lines(text: str) -> Iterator[Tuple[int, str]]:
    """(line number, line) of PubTator text, split at line feeds only (a U+2028, form feed or
    other character that ``str.splitlines`` breaks at is text of its line), ``\\r`` dropped."""
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.rstrip("\r")


def pubtator_title_or_abstract(line: str) -> Optional[Tuple[str, str, str]]:
    """(PMID, "t" or "a", text) of a ``PMID|t|title`` or ``PMID|a|abstract`` line, else None."""
    found = PUBTATOR_LINE.match(line)
    return found.groups() if found else None


def pubtator_text(title: Optional[str], abstract: Optional[str]) -> str:
    """A PubTator document's text: the title, a line break and the abstract (the title alone
    when the abstract is missing or empty), so PubTator's annotation offsets hold."""
    title = title or ""
    return f"{title}{PUBTATOR_SEPARATOR}{abstract}" if abstract else title
