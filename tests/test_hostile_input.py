"""Hostile and odd input through a trained (tiny) pipeline: each case returns a valid Doc with
the text unchanged, entities inside it and no interaction across sentences."""
import resource

import pytest

DRUGS = ["Ketoconazole", "midazolam", "lithium", "warfarin", "Aspirin"]


def long_text():
    sentence = "Ketoconazole increases the plasma concentration of midazolam in most patients. "
    return (sentence * (100_000 // len(sentence) + 1))[:100_000]


CASES = {
    "empty": "",
    "whitespace": " \t\n \n  ",
    "one character": "a",
    "one drug": "Aspirin",
    "100,000 characters": long_text(),
    "5,000 tokens without punctuation": " ".join(
        DRUGS[k % 5] if k % 250 == 0 else "and" for k in range(5_000)
    ),
    "2,000 drug mentions": " ".join(
        f"{DRUGS[k % 5]} increases {DRUGS[(k + 1) % 5]} levels." for k in range(1_000)
    ),
    "right-to-left": "\u05d0\u05e1\u05e4\u05d9\u05e8\u05d9\u05df \u05de\u05d2\u05d1\u05d9\u05e8 "
    "\u05d5\u05e8\u05e4\u05e8\u05d9\u05df. \u0627\u0644\u0623\u0633\u0628\u0631\u064a\u0646 "
    "\u064a\u0632\u064a\u062f \u0627\u0644\u0648\u0627\u0631\u0641\u0627\u0631\u064a\u0646.",
    "zero-width and combining": "Aspi\u200brin incre\u0301ases war\u200dfarin\ufeff levels "
    "with li\u0308thium.",
    "emoji": "Aspirin \U0001f48a increases warfarin \U0001fa78 levels \U0001f9ea\U0001f9ec.",
    "control characters": "Aspirin\x07 increases\x1b[31m warfarin\x0b levels\x0c.\r\nLithium\x7f too.",
    "NUL bytes": "Aspirin\x00 increases\x00\x00 warfarin levels.\x00",
    "HTML": '<p>Aspirin <b>increases</b> <a href="x.htm#w">warfarin</a> levels.</p>'
    "<script>alert(1)</script><br/>&lt;Lithium&gt; &amp; diuretics.",
    "non-English": "Le k\u00e9toconazole augmente la concentration plasmatique du midazolam. "
    "Aspirin verst\u00e4rkt die Wirkung von Warfarin. \u670d\u7528\u534e\u6cd5\u6797\u65f6"
    "\u907f\u514d\u963f\u53f8\u5339\u6797\u3002",
}


def check_valid(doc, text):
    assert doc.text == text
    assert all(0 <= e.start < e.end <= len(doc) for e in doc.ents)
    sentences = list(doc.sents) if len(doc) else []
    for ddi in doc._.ddis:
        assert ddi.subject.end <= ddi.object.start
        assert ddi.subject.sent == ddi.object.sent, f"{ddi!r} runs across sentences"
        assert 0.0 <= ddi.score <= 1.0
    for sent in sentences:
        assert sent._.enc_prob is not None and sent._.pdc_prob is not None


@pytest.mark.timeout(600)
@pytest.mark.parametrize("text", CASES.values(), ids=list(CASES))
def test_hostile_input_gives_a_valid_doc(trained_nlp, text):
    check_valid(trained_nlp(text), text)


@pytest.mark.timeout(600)
def test_hostile_input_through_pipe_in_one_batch(trained_nlp):
    texts = list(CASES.values())
    for doc, text in zip(trained_nlp.pipe(texts, batch_size=len(texts)), texts):
        check_valid(doc, text)
    # resident memory stays bounded (this process holds the test session as well)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mib < 6 * 1024, f"peak RSS {peak_mib:.0f} MiB"


def test_a_sentence_with_too_many_mentions_is_skipped_with_a_warning(trained_nlp):
    text = "Patients taking lithium should avoid diuretics. " + " and ".join(DRUGS * 3) + " interact."
    dstc = trained_nlp.get_pipe("dstc_relations")
    dstc.cfg["max_sentence_mentions"] = 10
    dstc.cfg["store_false"] = True
    try:
        doc = trained_nlp.make_doc(text)
        doc.ents = [doc.char_span(t.idx, t.idx + len(t), label="DRUG") for t in doc if t.text in DRUGS + ["diuretics"]]
        for name in ("ddi_sentences", "transformer"):
            doc = trained_nlp.get_pipe(name)(doc)
        with pytest.warns(UserWarning, match=r"has 15 entities, more than max_sentence_mentions=10"):
            doc = dstc(doc)
    finally:
        dstc.cfg["max_sentence_mentions"] = 500
        dstc.cfg["store_false"] = False
    first = list(doc.sents)[0]
    assert doc._.ddis and all(d.object.end <= first.end for d in doc._.ddis)
