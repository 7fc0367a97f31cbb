"""ddi_sentences on named cases: where drug-label text ends a sentence and where it does not."""
import pytest
import spacy

from spacy_ddi.text import create_drug_tokenizer
from spacy_ddi.text.sentences import ddi_sentences


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


CASES = {
    "two sentences": (
        "Ketoconazole increases midazolam levels. Aspirin may enhance warfarin.",
        ["Ketoconazole increases midazolam levels.", "Aspirin may enhance warfarin."],
    ),
    "dosage period before lower case": (
        "Take 400 mg. for 3 days with warfarin.", ["Take 400 mg. for 3 days with warfarin."]
    ),
    "abbreviation before a capital": (
        "Avoid inhibitors, e.g. Ketoconazole and itraconazole.",
        ["Avoid inhibitors, e.g. Ketoconazole and itraconazole."],
    ),
    "etc. before a capital ends a sentence": (
        "Inhibitors of 2D6, 3A4, etc.  In vitro studies showed no effect.",
        ["Inhibitors of 2D6, 3A4, etc.", "In vitro studies showed no effect."],
    ),
    "i.v. before lower case does not": (
        "Given 5 mg i.v. ondansetron did not interact.", ["Given 5 mg i.v. ondansetron did not interact."]
    ),
    "St. before a name does not": (
        "Avoid St. John's Wort with warfarin.", ["Avoid St. John's Wort with warfarin."]
    ),
    "etc. in brackets": (
        "Antacids (aluminium, magnesium, etc.) reduce absorption.",
        ["Antacids (aluminium, magnesium, etc.) reduce absorption."],
    ),
    "semicolon and a space ends a clause, as in the corpus": (
        "Phenytoin levels may rise;  therefore, monitor phenytoin.",
        ["Phenytoin levels may rise;", "therefore, monitor phenytoin."],
    ),
    "semicolons without spaces list drugs": (
        "Drugs that enhance TRACRIUM include: enflurane;isoflurane;halothane.",
        ["Drugs that enhance TRACRIUM include: enflurane;isoflurane;halothane."],
    ),
    "semicolon inside brackets": (
        "The dose fell from 40 (20; 60) units with epoetin.",
        ["The dose fell from 40 (20; 60) units with epoetin."],
    ),
    "a bracket closed inside a token": (
        "Interactions for Vitamin B2 (Riboflavin):  Probenecid decreases riboflavin;  requirements may rise.",
        ["Interactions for Vitamin B2 (Riboflavin):  Probenecid decreases riboflavin;", "requirements may rise."],
    ),
    "double period": (
        "Take it with the evening meal.. Phenytoin: altered levels.",
        ["Take it with the evening meal..", "Phenytoin: altered levels."],
    ),
    "period attached to a unit": (
        "The level was 17 micrograms/mL. The steady state was reached.",
        ["The level was 17 micrograms/mL.", "The steady state was reached."],
    ),
    "bullet after a period": (
        "Hypotension may occur . - Antidiabetic drugs: adjust the dose.",
        ["Hypotension may occur .", "- Antidiabetic drugs: adjust the dose."],
    ),
    "bracket after a period": (
        "Monitoring is recommended. (See Clinical Pharmacology.)",
        ["Monitoring is recommended.", "(See Clinical Pharmacology.)"],
    ),
    "newline": ("Warfarin\nAspirin increases bleeding", ["Warfarin\n", "Aspirin increases bleeding"]),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=list(CASES))
def test_ddi_sentences(nlp, text, expected):
    doc = ddi_sentences(nlp.make_doc(text))
    assert [s.text_with_ws.strip(" ") for s in doc.sents] == expected


def test_empty_doc(nlp):
    assert len(ddi_sentences(nlp.make_doc(""))) == 0
