"""Interaction.assertion: negated and hedged findings marked, from the clause that holds both
drugs; records, tables, aggregate and the drawing carry it; the relation head can drop negated
pairs (a prediction setting)."""
import pytest
import spacy

from spacy_ddi.assertion import assertion_of, clause_bounds
from spacy_ddi.text import create_drug_tokenizer, ddi_sentences


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


def pair(nlp, text, a, b, nth_a=0, nth_b=0):
    doc = ddi_sentences(nlp.make_doc(text))

    def span(word, nth):
        at = -1
        for _ in range(nth + 1):
            at = text.index(word, at + 1)
        return doc.char_span(at, at + len(word))

    return span(a, nth_a), span(b, nth_b)


RIFAMPIN = "Rifampin significantly decreased the AUC of amprenavir by 82%, but amprenavir had no effect on rifampin pharmacokinetics."


@pytest.mark.parametrize("text, a, b, nth_a, nth_b, expected", [
    # the three cases a curator reported
    ("Neither dose of pentoxifylline significantly decreased the dipyridamole-induced hyperemia.", "pentoxifylline", "dipyridamole", 0, 0, "negated"),
    ("It is unknown whether fluconazole affects the clearance of tacrolimus.", "fluconazole", "tacrolimus", 0, 0, "speculated"),
    (RIFAMPIN, "Rifampin", "amprenavir", 0, 0, "affirmed"),
    (RIFAMPIN, "amprenavir", "rifampin", 1, 0, "negated"),
    ("Ketoconazole may increase the plasma concentration of midazolam.", "Ketoconazole", "midazolam", 0, 0, "speculated"),
    ("Ketoconazole increased the plasma concentration of midazolam.", "Ketoconazole", "midazolam", 0, 0, "affirmed"),
    # advice presumes the interaction; "not only" does not negate
    ("Lithium should not be given with diuretics.", "Lithium", "diuretics", 0, 0, "affirmed"),
    ("Cimetidine not only raised theophylline levels but also prolonged its half-life.", "Cimetidine", "theophylline", 0, 0, "affirmed"),
    # an aside negates what is inside it only; "however" and "yet" inside a clause are not boundaries
    ("Ketoconazole, but not fluconazole, increased the AUC of midazolam.", "Ketoconazole", "midazolam", 0, 0, "affirmed"),
    ("Ketoconazole, but not fluconazole, increased the AUC of midazolam.", "fluconazole", "midazolam", 0, 0, "negated"),
    ("Warfarin has not yet been shown to affect digoxin levels.", "Warfarin", "digoxin", 0, 0, "negated"),
    ("Warfarin did not, however, affect digoxin levels.", "Warfarin", "digoxin", 0, 0, "negated"),
    # a clause opened by "although" ends at its comma
    ("Although cholestyramine lowered fluvastatin levels, this regimen did not reduce efficacy.", "cholestyramine", "fluvastatin", 0, 0, "affirmed"),
])
def test_assertion_of_a_pair(nlp, text, a, b, nth_a, nth_b, expected):
    subject, obj = pair(nlp, text, a, b, nth_a, nth_b)
    assert assertion_of(subject, obj) == expected


def test_the_clause_of_a_pair_split_by_but_is_the_later_mentions(nlp):
    subject, obj = pair(nlp, RIFAMPIN, "amprenavir", "rifampin", 1, 0)
    start, end = clause_bounds(subject, obj)
    assert subject.doc[start:end].text.startswith("amprenavir had no effect")


def test_interactions_records_and_drawings_carry_the_assertion(trained_nlp):
    from spacy_ddi import Interaction
    from spacy_ddi.extract.tables import interaction_rows
    from spacy_ddi.records import SCHEMA_VERSION, doc_record

    doc = trained_nlp("Ketoconazole may increase the plasma concentration of midazolam.")
    a, b = doc.ents[0], doc.ents[1]
    doc._.ddis = [Interaction(a, b, "MECHANISM", 0.9)]
    assert doc._.ddis[0].assertion == "speculated"
    record = doc_record("d", doc)
    assert record["schema"] == SCHEMA_VERSION and record["interactions"][0]["assertion"] == "speculated"
    assert next(interaction_rows(record))["assertion"] == "speculated"
    assert doc_record("d", doc, affirmed_only=True)["interactions"] == []
    markup = __import__("spacy_ddi").render(doc, jupyter=False)
    assert "MECHANISM (hedged)" in markup


def test_the_relation_head_can_drop_negated_pairs(trained_nlp):
    text = "Ketoconazole had no effect on the plasma concentration of midazolam."
    rel = trained_nlp.get_pipe("dstc_relations")
    doc = trained_nlp.make_doc(text)
    for name, pipe in trained_nlp.pipeline:
        if name == "dstc_relations":
            break
        doc = pipe(doc)
    from spacy_ddi.extensions import InteractionRecord

    ents = list(doc.ents)
    record = InteractionRecord(ents[0].start, ents[0].end, ents[1].start, ents[1].end, "MECHANISM", 0.9)
    try:
        rel.cfg["negated"] = "keep"
        rel._write_records([doc], [[record.stored()]])
        assert [d.assertion for d in doc._.ddis] == ["negated"]
        rel.cfg["negated"] = "drop"
        rel._write_records([doc], [[record.stored()]])
        assert doc._.ddis == []
        with pytest.raises(ValueError, match="negated is 'keep'"):
            rel.cfg["negated"] = "sometimes"
            rel._write_records([doc], [[record.stored()]])
    finally:
        rel.cfg["negated"] = "keep"
