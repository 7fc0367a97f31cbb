"""MEDLINE/PubMed XML as NCBI publishes it: one ``PubmedArticle`` is a document of its title, a
blank line and its abstract's sections."""
from typing import Dict, List, Tuple

from .jats import inline_text


def medline_document(article) -> Tuple[str, List[Dict]]:
    """(text, sections): the title, a blank line, then the abstract's sections in order
    (``LABEL: text``), inline markup read as rendered; sections as for JATS
    (``jats.jats_document``): the title and the abstract (depth 0) and each labelled
    abstract section (depth 1, ``heading`` its label, ``type`` its NlmCategory)."""
    node = article.find(".//ArticleTitle")
    title = inline_text(node) if node is not None else ""
    sections = [{"part": "title", "heading": "", "type": None, "depth": 0, "start": 0, "end": len(title)}] if title else []
    text = title
    labelled = []
    for node in article.findall(".//Abstract/AbstractText"):
        body = inline_text(node)
        label = node.get("Label")
        if body:
            text += ("\n\n" if not labelled and text else "\n" if labelled else "")
            start = len(text)
            text += f"{label}: {body}" if label else body
            labelled.append({"part": "abstract", "heading": label or "", "type": node.get("NlmCategory"), "depth": 1, "start": start, "end": len(text)})
    if labelled:
        sections.append({"part": "abstract", "heading": "", "type": None, "depth": 0, "start": labelled[0]["start"], "end": len(text)})
        sections.extend(entry for entry in labelled if entry["heading"])
    return text, sections


def medline_text(article) -> str:
    """Title, a blank line, then the abstract's sections in order (``LABEL: text``)."""
    return medline_document(article)[0]
