"""The one record builder: a processed Doc as a plain, JSON-ready record.

Character offsets refer to the document's text exactly as it was read
(``text[start:end] == mention``). Local and distributed runs build records with this
function only, so they cannot drift apart.
"""
from typing import Dict, List

from spacy.tokens import Doc, Span

from ..extensions import install_extensions


def span_record(span: Span) -> Dict:
    return {"start": span.start_char, "end": span.end_char, "text": span.text}


def doc_record(doc_id: str, doc: Doc) -> Dict:
    """{id, text, tokens, entities, interactions}: tokens is the number of spaCy tokens; entities with start, end, text, label; interactions
    with subject and object (start, end, text), label, score and the sentence they come from."""
    install_extensions()
    entities: List[Dict] = [{**span_record(ent), "label": ent.label_} for ent in doc.ents]
    interactions = []
    for ddi in doc._.ddis:
        if not ddi.is_positive:
            continue
        sentence = ddi.subject.sent if doc.has_annotation("SENT_START") else doc[:]
        interactions.append({
            "subject": span_record(ddi.subject),
            "object": span_record(ddi.object),
            "label": ddi.label,
            "score": round(float(ddi.score), 6),
            "sentence": span_record(sentence),
        })
    return {
        "id": doc_id, "text": doc.text, "tokens": len(doc), "entities": entities,
        "interactions": interactions,
    }
