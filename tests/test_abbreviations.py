"""Schwartz-Hearst abbreviation definitions: the paper's examples, its rules, real abstract
sentences, and the linker's use of long forms."""
import pytest
import spacy

from spacy_ddi.linking.abbreviations import abbreviation_records, definitions, short_form_filter


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def pairs(nlp, text):
    return [(short.text, long_form.text) for short, long_form in definitions(nlp(text))]


@pytest.mark.parametrize("text,expected", [
    # Schwartz & Hearst (2003), the examples of the paper
    ("We studied the heat shock transcription factor (HSF) in yeast.", ("HSF", "heat shock transcription factor")),
    ("a Gcn5-related N-acetyltransferase (GNAT) family", ("GNAT", "Gcn5-related N-acetyltransferase")),
    ("the cyclin-dependent kinase inhibitor (CKI) p27", ("CKI", "cyclin-dependent kinase inhibitor")),
    # real abstract sentences
    ("Proton pump inhibitors (PPIs) may reduce the antiplatelet effect of clopidogrel.", ("PPIs", "Proton pump inhibitors")),
    ("Use of nonsteroidal anti-inflammatory drugs (NSAIDs) with warfarin raises bleeding risk.",
     ("NSAIDs", "nonsteroidal anti-inflammatory drugs")),
    ("Selective serotonin reuptake inhibitors (SSRIs) inhibit CYP2D6.", ("SSRIs", "Selective serotonin reuptake inhibitors")),
    ("Patients on 5-fluorouracil (5-FU) and leucovorin were studied.", None),  # the short form starts with a digit
])
def test_long_form_in_front(nlp, text, expected):
    assert pairs(nlp, text) == ([expected] if expected else [])


def test_short_form_in_front_of_a_long_form_in_parentheses(nlp):
    assert pairs(nlp, "Patients took PPI (proton pump inhibitors therapy) daily.") == [("PPI", "proton pump inhibitors therapy")]
    # two words in parentheses are a short form candidate, not a long form
    assert pairs(nlp, "Patients took omeprazole (twice daily).") == []


def test_first_character_must_start_a_word(nlp):
    # the H of HSF is in "shock" but not at a word start: no long form within reach
    assert pairs(nlp, "the shock factor (HSF) was seen") == []


def test_long_form_is_at_most_min_a_plus_5_a_times_2_words(nlp):
    # |A| = 2: at most 4 words before the parenthesis
    assert pairs(nlp, "alpha one two three beta (AB)") == []
    assert pairs(nlp, "alpha two beta (AB)") == [("AB", "alpha two beta")]


def test_short_form_filter(nlp):
    def ok(text):
        return short_form_filter(nlp(text)[:])

    assert ok("PPIs") and ok("CYP 3A4") and ok("HSF")
    assert not ok("5FU")  # starts with a digit
    assert not ok("x")  # one character
    assert not ok("averyverylongword")  # 10 characters or more
    assert not ok("a b c")  # three words
    assert not ok("A1234")  # fewer than half letters


def test_later_short_forms_and_plural_are_resolved(nlp):
    text = "PPIs were avoided. Proton pump inhibitors (PPIs) interact. A PPI and two PPIs later."
    doc = nlp(text)
    found = [(text[s:e], text[ls:le]) for s, e, ls, le in abbreviation_records(doc)]
    # the definition's own short form and the later ones; not the one before the definition
    assert found == [("PPIs", "Proton pump inhibitors"), ("PPI", "Proton pump inhibitors"), ("PPIs", "Proton pump inhibitors")]


def test_no_parentheses_no_work(nlp):
    assert abbreviation_records(nlp("Warfarin and aspirin.")) == []
    assert abbreviation_records(nlp("")) == []


def test_linker_links_short_forms_through_their_long_forms():
    nlp = spacy.blank("en")
    nlp.add_pipe("drug_linker")
    nlp.initialize()
    text = "Proton pump inhibitors (PPIs) and the TZDs (thiazolidinediones) interact; PPIs such as omeprazole do."
    doc = nlp.make_doc(text)
    spans, at = [], 0
    for mention, label in [("Proton pump inhibitors", "GROUP"), ("PPIs", "GROUP"), ("TZDs", "GROUP"),
                           ("thiazolidinediones", "GROUP"), ("PPIs", "GROUP"), ("omeprazole", "DRUG")]:
        at = text.index(mention, at)
        spans.append((at, at + len(mention), label))
        at += len(mention)
    doc.ents = [doc.char_span(a, b, label) for a, b, label in spans]
    doc = nlp(doc)
    got = [(e.text, e._.class_id, e._.long_form) for e in doc.ents]
    assert got[0] == ("Proton pump inhibitors", "D054328", None)
    assert got[1] == ("PPIs", "D054328", "Proton pump inhibitors")
    assert got[4] == ("PPIs", "D054328", "Proton pump inhibitors")
    assert [(s.text, l.text) for s, l in doc._.abbreviations][0] == ("PPIs", "Proton pump inhibitors")
    # a short form before its long form: "TZDs (thiazolidinediones)"
    assert doc.ents[2]._.long_form == "thiazolidinediones"
    # omeprazole: a PPI by the vocabulary; the document says so too (same class, listed once)
    assert doc.ents[5]._.drug_classes == [{"id": "D054328", "name": "Proton Pump Inhibitors", "source": "vocabulary"}]
    off = spacy.blank("en")
    off.add_pipe("drug_linker", config={"abbreviations": False})
    off.get_pipe("drug_linker")._vocabulary = nlp.get_pipe("drug_linker").vocabulary
    again = off.make_doc(doc.text)
    again.ents = [again.char_span(a, b, label) for a, b, label in spans]
    assert [e._.long_form for e in off(again).ents] == [None] * 6
