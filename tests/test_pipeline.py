"""Overfitting, round trips, multiprocessing and bad input for the whole pipeline."""
import pickle

import pytest
import spacy

from spacy_ddi.extensions import positive_ddis

from .conftest import TRAIN_DATA, blank_nlp, overfit, train_examples


def summary(doc):
    return (
        [(e.text, e.label_) for e in doc.ents],
        [(d.subject.text, d.object.text, d.label) for d in doc._.ddis],
    )


def expected(row):
    text, ents, rels = row
    return ents, [r for r in rels if r[2] != "FALSE"]


@pytest.mark.parametrize("decoder", ["crf", "softmax"])
def test_drug_ner_overfits(tiny_encoder, decoder):
    nlp = blank_nlp(tiny_encoder, heads=("drug_ner",), configs={"drug_ner": {"decoder": decoder}})
    first, last = overfit(nlp, train_examples(nlp))
    assert last["drug_ner"] < first["drug_ner"] / 10
    for row in TRAIN_DATA:
        assert summary(nlp(row[0]))[0] == expected(row)[0]


@pytest.mark.parametrize(
    "model_config",
    [{}, {"relative_positions": 8, "context_pooling": True}],
    ids=["paper", "relpos+context"],
)
def test_dstc_relations_overfits_on_given_entities(tiny_encoder, model_config):
    nlp = blank_nlp(
        tiny_encoder, heads=("dstc_relations",), configs={"dstc_relations": {"model": model_config}}
    )
    examples = train_examples(nlp)
    first, last = overfit(nlp, examples)
    assert last["dstc_relations"] < first["dstc_relations"] / 10
    for eg, row in zip(examples, TRAIN_DATA):
        doc = nlp.make_doc(row[0])
        doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in eg.reference.ents]
        for name, proc in nlp.pipeline:
            doc = proc(doc)
        assert summary(doc)[1] == expected(row)[1]
        assert all(0.0 <= d.score <= 1.0 for d in doc._.ddis)


def test_sentence_flags_overfit(tiny_encoder):
    nlp = blank_nlp(tiny_encoder, heads=("sentence_flags",))
    examples = train_examples(nlp)
    first, last = overfit(nlp, examples)
    assert last["sentence_flags"] < first["sentence_flags"]
    for row in TRAIN_DATA:
        sent = list(nlp(row[0]).sents)[0]
        assert sent._.enc == (len(row[1]) > 2)
        assert sent._.pdc == any(r[2] != "FALSE" for r in row[2])


def test_joint_pipeline_learns_everything(trained_nlp):
    for row in TRAIN_DATA:
        assert summary(trained_nlp(row[0])) == expected(row)
    scores = trained_nlp.evaluate(train_examples(trained_nlp))
    assert scores["ents_f"] == 1.0
    assert scores["ddi_strict_f"] == 1.0
    assert scores["enc_f"] == 1.0 and scores["pdc_f"] == 1.0


def test_store_false_adds_false_pairs(trained_nlp):
    dstc = trained_nlp.get_pipe("dstc_relations")
    dstc.cfg["store_false"] = True
    try:
        doc = trained_nlp(TRAIN_DATA[1][0])
    finally:
        dstc.cfg["store_false"] = False
    labels = sorted(d.label for d in doc._.ddis)
    assert labels == ["EFFECT", "FALSE", "FALSE"]
    assert len(positive_ddis(doc)) == 1


def test_round_trips_give_identical_output(trained_nlp, tmp_path):
    texts = [row[0] for row in TRAIN_DATA]
    want = [summary(doc) for doc in trained_nlp.pipe(texts)]
    trained_nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert [summary(doc) for doc in loaded.pipe(texts)] == want
    from_bytes = spacy.util.load_model_from_config(trained_nlp.config)
    from_bytes.from_bytes(trained_nlp.to_bytes())
    assert [summary(doc) for doc in from_bytes.pipe(texts)] == want
    unpickled = pickle.loads(pickle.dumps(trained_nlp))
    assert [summary(doc) for doc in unpickled.pipe(texts)] == want
    scores = [d.score for d in loaded(texts[0])._.ddis]
    assert scores == [d.score for d in trained_nlp(texts[0])._.ddis]


@pytest.mark.timeout(300)  # forked torch workers used to hang here; fail instead of waiting
def test_pipe_with_two_processes_matches_one_by_one(trained_nlp):
    texts = [row[0] for row in TRAIN_DATA] * 3
    want = [summary(trained_nlp(text)) for text in texts]
    got = [summary(doc) for doc in trained_nlp.pipe(texts, n_process=2, batch_size=2)]
    assert got == want


def test_doc_round_trip_keeps_interactions(trained_nlp):
    from spacy.tokens import Doc, DocBin

    doc = trained_nlp(TRAIN_DATA[0][0])
    again = Doc(trained_nlp.vocab).from_bytes(doc.to_bytes())
    assert summary(again) == summary(doc)
    bin_doc = list(DocBin(docs=[doc], store_user_data=True).get_docs(trained_nlp.vocab))[0]
    assert summary(bin_doc) == summary(doc)
    assert list(bin_doc.sents)[0]._.pdc_prob == list(doc.sents)[0]._.pdc_prob


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n", "No drugs here at all.", "Take aspirin.", "Paracétamol et ibuprofène: 服用注意 🙂 ∑≠ \u200b."],
)
def test_odd_input_returns_a_valid_doc(trained_nlp, text):
    doc = trained_nlp(text)
    assert doc.text == text
    for ddi in doc._.ddis:
        assert ddi.subject.end <= ddi.object.start


def test_one_drug_has_no_interaction(trained_nlp):
    doc = trained_nlp("Ketoconazole was given.")
    assert doc._.ddis == [] or all(d.subject != d.object for d in doc._.ddis)


def test_many_drug_mentions(trained_nlp):
    text = "Ketoconazole increases " + ", ".join(["midazolam"] * 300) + " levels."
    doc = trained_nlp(text)
    assert len(doc.ents) >= 2
    sentence_of = {t.i: t.sent.start for t in doc}
    for ddi in doc._.ddis:
        assert sentence_of[ddi.subject.start] == sentence_of[ddi.object.start]


def test_long_document_and_no_cross_sentence_relations(trained_nlp):
    text = " ".join(
        ["Ketoconazole increases the plasma concentration of midazolam."]
        + ["Patients taking lithium should avoid diuretics."] * 2000
    )
    assert len(text) > 90_000
    doc = trained_nlp(text)
    assert len(list(doc.sents)) == 2001
    assert len(doc._.ddis) > 0
    for ddi in doc._.ddis:
        assert ddi.subject.sent == ddi.object.sent


def test_multi_sentence_doc_pairs_only_drugs_of_one_sentence(trained_nlp):
    text = TRAIN_DATA[1][0] + " " + TRAIN_DATA[2][0]
    doc = trained_nlp.make_doc(text)
    words = [("Aspirin", "BRAND"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP"), ("lithium", "DRUG"), ("diuretics", "GROUP")]
    doc.ents = [doc.char_span(text.index(w), text.index(w) + len(w), label=l) for w, l in words]
    dstc = trained_nlp.get_pipe("dstc_relations")
    dstc.cfg["store_false"] = True
    try:
        for name, proc in trained_nlp.pipeline:
            if name != "drug_ner":
                doc = proc(doc)
    finally:
        dstc.cfg["store_false"] = False
    assert len(list(doc.sents)) == 2
    # every within-sentence pair is read once (3 + 1), none across the sentence boundary
    assert sorted((d.subject.text, d.object.text) for d in doc._.ddis) == [
        ("Aspirin", "NSAIDs"), ("Aspirin", "warfarin"), ("lithium", "diuretics"), ("warfarin", "NSAIDs"),
    ]


def test_unknown_ner_decoder_is_refused_by_name(tiny_encoder):
    with pytest.raises(ValueError, match=r"\[drug_ner\] decoder must be one of \('crf', 'softmax'\), not 'beam'"):
        blank_nlp(tiny_encoder, heads=("drug_ner",), configs={"drug_ner": {"decoder": "beam"}})


def test_load_time_settings_win_over_the_saved_ones(trained_nlp, tmp_path):
    """spacy.load(path, config=...) sets prediction-time settings; without an override the
    saved values hold, including a cfg value set by hand before saving."""
    path = tmp_path / "pipeline"
    dstc = trained_nlp.get_pipe("dstc_relations")
    dstc.cfg["same_name_rule"] = True  # set by hand, not in the config: must survive saving
    try:
        trained_nlp.to_disk(path)
    finally:
        dstc.cfg["same_name_rule"] = False
    plain = spacy.load(path)
    assert plain.get_pipe("dstc_relations").cfg["store_false"] is False
    assert plain.get_pipe("dstc_relations").cfg["same_name_rule"] is True
    overrides = {
        "dstc_relations": {
            "store_false": True, "symmetric_reading": True, "prior_at_inference": 0.5,
            "model": {"max_rows_tokens": 1000},
        },
        "drug_ner": {"prior_at_inference": 0.25},
    }
    loaded = spacy.load(path, config={"components": overrides})
    cfg = loaded.get_pipe("dstc_relations").cfg
    assert (cfg["store_false"], cfg["symmetric_reading"], cfg["prior_at_inference"]) == (True, True, 0.5)
    assert cfg["same_name_rule"] is True
    assert loaded.get_pipe("drug_ner").cfg["prior_at_inference"] == 0.25
    assert loaded.get_pipe("dstc_relations").model.attrs["max_rows_tokens"] == 1000
    assert plain.get_pipe("dstc_relations").model.attrs["max_rows_tokens"] == 16384
    labels = sorted(d.label for d in loaded(TRAIN_DATA[1][0])._.ddis)
    assert "FALSE" in labels
