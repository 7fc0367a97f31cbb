"""The one record builder: a processed Doc as a plain, JSON-ready record.

Character offsets refer to the document's text exactly as it was read
(``text[start:end] == mention``). Local and distributed runs build records with this
function only, so they cannot drift apart.
"""
from typing import Dict, List, Optional

from spacy.tokens import Doc, Span

from ..extensions import install_extensions


def span_record(span: Span) -> Dict:
    return {"start": span.start_char, "end": span.end_char, "text": span.text}


def mention_record(span: Span) -> Dict:
    """A drug mention: offsets, text, and what ``drug_linker`` linked it to (``drug_id``,
    ``drug_name``, ``class_id``, ``class_name``, ``drug_classes``, ``long_form``; None without
    a linker or a match)."""
    return {
        **span_record(span), "drug_id": span._.drug_id, "drug_name": span._.drug_name,
        "class_id": span._.class_id, "class_name": span._.class_name, "drug_classes": span._.drug_classes,
        "long_form": span._.long_form,
    }


def doc_record(doc_id: str, doc: Doc, min_score: float = 0.0, fields: Optional[Dict] = None) -> Dict:
    """{id, text, tokens, entities, interactions}: tokens is the number of spaCy tokens;
    entities with start, end, text, drug_id, drug_name, label; interactions with subject and
    object (start, end, text, drug_id, drug_name), label, score and the sentence they come from,
    those scored below ``min_score`` left out; then ``fields``, what the reader knows of the
    document (``sections`` of a MEDLINE or JATS article, ``passages`` of a BioC document)."""
    install_extensions()
    entities: List[Dict] = [{**mention_record(ent), "label": ent.label_} for ent in doc.ents]
    interactions = []
    for ddi in doc._.ddis:
        if not ddi.is_positive or ddi.score < min_score:
            continue
        sentence = ddi.subject.sent if doc.has_annotation("SENT_START") else doc[:]
        interactions.append({
            # span extensions live in doc.user_data under the span's character offsets, so
            # these spans read what drug_linker wrote on the entities
            "subject": mention_record(ddi.subject),
            "object": mention_record(ddi.object),
            "label": ddi.label,
            "score": round(float(ddi.score), 6),
            "sentence": span_record(sentence),
        })
    return {
        "id": doc_id, "text": doc.text, "tokens": len(doc), "entities": entities,
        "interactions": interactions, **(fields or {}),
    }

