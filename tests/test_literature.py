"""Literature-aware training and scoring: the MedLine share of dev, MedLine oversampling,
scores by corpus part, bootstrap intervals over documents, calibrated interaction scores."""
import json
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.calibration import apply, check_knots, isotonic_fit, precision_recall, reliability
from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, SOURCE_KEY, doc_source, split_train_dev
from spacy_ddi.formats.ddi_xml import XmlDocument
from spacy_ddi.corpus.reader import create_ddi_corpus_reader
from spacy_ddi.evaluation import document_counts, paired_bootstrap
from spacy_ddi.extensions import records_of
from spacy_ddi.scoring import score_ddi_strict, score_ner_strict

from .conftest import TRAIN_DATA, blank_nlp, make_example, short_training_overrides

ROOT = Path(__file__).parent.parent


def documents(n_drugbank=50, n_medline=20):
    return [XmlDocument(f"DDI-DrugBank.d{k}", "DrugBank", "x", []) for k in range(n_drugbank)] + [
        XmlDocument(f"DDI-MedLine.d{k}", "MedLine", "x", []) for k in range(n_medline)
    ]


def test_dev_holds_a_larger_medline_share_and_a_superset_of_the_smaller_one():
    train, dev = split_train_dev(documents(), 0.1, seed=0, medline_dev_fraction=0.3)
    sources = [d.source for d in dev]
    assert sources.count("DrugBank") == 5 and sources.count("MedLine") == 6
    assert len(train) + len(dev) == 70 and not {d.id for d in train} & {d.id for d in dev}
    _, small = split_train_dev(documents(), 0.1, seed=0)
    assert {d.id for d in small} <= {d.id for d in dev}
    # the DrugBank part is the same whatever the MedLine share
    assert [d.id for d in small if d.source == "DrugBank"] == [d.id for d in dev if d.source == "DrugBank"]
    with pytest.raises(ValueError, match="medline_dev_fraction"):
        split_train_dev(documents(), 0.1, seed=0, medline_dev_fraction=1.5)


def tagged_docs(tiny_encoder, sources=("DrugBank", "MedLine", "MedLine", "DrugBank")):
    nlp = blank_nlp(tiny_encoder, heads=())
    docs = []
    for k, (row, source) in enumerate(zip(TRAIN_DATA, sources)):
        doc = make_example(nlp, *row).reference
        doc.user_data[SOURCE_KEY] = source
        doc.user_data[DOCUMENT_ID_KEY] = f"DDI-{source}.d{k}"
        docs.append(doc)
    return nlp, docs


def test_doc_source_reads_the_stored_part_then_the_document_id(tiny_encoder):
    nlp, docs = tagged_docs(tiny_encoder)
    assert [doc_source(d) for d in docs] == ["DrugBank", "MedLine", "MedLine", "DrugBank"]
    del docs[1].user_data[SOURCE_KEY]
    assert doc_source(docs[1]) == "MedLine"  # from DDI-MedLine.d1
    assert doc_source(nlp.make_doc("not from the corpus")) is None


def test_the_reader_repeats_medline_sentences(tiny_encoder, tmp_path):
    nlp, docs = tagged_docs(tiny_encoder)
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "train.spacy")
    plain = list(create_ddi_corpus_reader(tmp_path / "train.spacy")(nlp))
    assert len(plain) == 4
    repeated = list(create_ddi_corpus_reader(tmp_path / "train.spacy", shuffle=True, medline_repeat=3)(nlp))
    assert len(repeated) == 2 + 2 * 3
    texts = [eg.reference.text for eg in repeated]
    assert texts.count(TRAIN_DATA[1][0]) == 3 and texts.count(TRAIN_DATA[0][0]) == 1
    # each copy has its own predicted doc (training writes to them)
    copies = [eg for eg in repeated if eg.reference.text == TRAIN_DATA[1][0]]
    assert len({id(eg.predicted) for eg in copies}) == 3
    with pytest.raises(ValueError, match="medline_repeat"):
        create_ddi_corpus_reader(tmp_path / "train.spacy", medline_repeat=0)


def test_scorers_give_each_corpus_part(tiny_encoder):
    nlp, docs = tagged_docs(tiny_encoder)
    predicted = [nlp.make_doc(d.text) for d in docs]
    predicted[0] = docs[0]  # a DrugBank sentence predicted right, nothing else predicted
    examples = [Example(p, g) for p, g in zip(predicted, docs)]
    ner, ddi = score_ner_strict(examples), score_ddi_strict(examples)
    assert ner["ents_f_medline"] == 0.0 and ner["ents_r_drugbank"] == 1.0
    assert ddi["ddi_strict_r_drugbank"] == 1.0 and ddi["ddi_strict_r_medline"] == 0.0
    # docs from outside the corpus get no per-part keys
    plain = [Example(nlp.make_doc(d.text), nlp.make_doc(d.text)) for d in docs]
    assert not [k for k in score_ner_strict(plain) if k.endswith(("_medline", "_drugbank"))]


def test_paired_bootstrap_on_known_counts():
    # two runs of one side, 40 documents, a better than b on every document
    a = {f"d{k}": (2, 2, 3) for k in range(40)}
    b = {f"d{k}": (1, 2, 3) for k in range(40)}
    result = paired_bootstrap([a, a], [b], n_resamples=500)
    assert result["f1_a"] == pytest.approx(0.8) and result["f1_b"] == pytest.approx(0.4)
    assert result["diff"] == pytest.approx(0.4) and result["share_a_better"] == 1.0
    assert result["diff_low"] == pytest.approx(0.4) and result["diff_high"] == pytest.approx(0.4)
    # uneven documents: the interval widens and holds the point estimate
    rng = numpy.random.default_rng(0)
    c = {f"d{k}": (int(t), int(t) + int(rng.integers(0, 3)), int(t) + int(rng.integers(0, 3)))
         for k, t in enumerate(rng.integers(0, 4, size=40))}
    alone = paired_bootstrap([c])
    assert alone["a_low"] < alone["f1_a"] < alone["a_high"]
    with pytest.raises(ValueError, match="same documents"):
        paired_bootstrap([a], [{"other": (1, 1, 1)}])


def test_document_counts_sum_sentences_of_a_document():
    pairs = [({1, 2}, {2, 3}), ({4}, set()), ({5}, {5})]
    assert document_counts(pairs, ["x", "x", "y"]) == {"x": (1, 3, 2), "y": (1, 1, 1)}


def test_isotonic_fit_is_monotone_and_calibrates_its_data():
    rng = numpy.random.default_rng(0)
    scores = rng.uniform(0.3, 1.0, size=2000)
    # right with probability (score - 0.3) / 0.7 x 0.8: overconfident scores
    right = rng.uniform(size=2000) < (scores - 0.3) / 0.7 * 0.8
    knots = isotonic_fit(scores, right)
    xs, ys = check_knots(knots)
    assert numpy.all(numpy.diff(xs) >= 0) and numpy.all(numpy.diff(ys) >= 0)
    before = reliability(scores, right)["ece"]
    after = reliability([apply(knots, s) for s in scores], right)["ece"]
    assert before > 0.1 and after < 0.03
    assert sum(b["n"] for b in reliability(scores, right)["bins"]) == 2000
    rows = precision_recall(scores, right, n_gold=int(right.sum()))
    assert rows[0]["recall"] == 1.0 and rows[-1]["precision"] >= rows[0]["precision"]


@pytest.mark.parametrize("bad", [[[0.5]], [[0.9, 0.1], [0.2, 0.3]], "x", [[0.1, 1.5]]])
def test_malformed_calibration_is_refused(bad):
    with pytest.raises(ValueError, match="calibration"):
        check_knots(bad)


def test_calibration_maps_the_reported_scores_and_is_a_load_time_setting(trained_nlp, tmp_path):
    text = TRAIN_DATA[0][0]
    raw = [d.score for d in trained_nlp(text)._.ddis]
    assert raw
    rel = trained_nlp.get_pipe("dstc_relations")
    config = trained_nlp.get_pipe_config("dstc_relations")
    try:
        # as spacy-ddi tune sets it: in the cfg and in the saved config.cfg
        rel.cfg["calibration"] = config["calibration"] = [[0.0, 0.0], [1.0, 0.5]]
        halved = [d.score for d in trained_nlp(text)._.ddis]
        assert halved == pytest.approx([s / 2 for s in raw], abs=1e-6)
        trained_nlp.to_disk(tmp_path / "model")
    finally:
        rel.cfg["calibration"] = config["calibration"] = None
    loaded = spacy.load(tmp_path / "model")
    assert [d.score for d in loaded(text)._.ddis] == pytest.approx(halved, abs=1e-6)
    plain = spacy.load(tmp_path / "model", config={"components": {"dstc_relations": {"calibration": None}}})
    assert [d.score for d in plain(text)._.ddis] == pytest.approx(raw, abs=1e-6)


@pytest.mark.slow
def test_tune_evaluate_and_compare_by_source(tiny_encoder, tmp_path):
    """The project's tune, evaluate and compare commands on a tiny model: the MedLine part is
    chosen by, scored and compared, with intervals, and the calibration is fitted."""
    nlp, docs = tagged_docs(tiny_encoder)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("train", "dev", "test", "test_ner"):
        DocBin(docs=docs, store_user_data=True).to_disk(corpus / f"{name}.spacy")
    from spacy.cli.train import train

    overrides = short_training_overrides(corpus / "train.spacy", corpus / "dev.spacy", tiny_encoder, 4, 2)
    overrides["corpora.train.medline_repeat"] = 2
    train(ROOT / "configs" / "ddi_mtmg.cfg", tmp_path / "out", overrides=overrides)

    def run(*args):
        done = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("-m", "spacy_ddi", "tune", tmp_path / "out" / "model-best", corpus / "dev.spacy", "-o", tmp_path / "tuned",
        "--report", tmp_path / "tuning.json")
    tuning = json.loads((tmp_path / "tuning.json").read_text())
    assert "ddi_f_medline" in tuning["grid"][0] and "calibration" in tuning["best"]
    printed = run("scripts/evaluate.py", tmp_path / "tuned", corpus, tmp_path / "eval.json",
                  "--predictions", tmp_path / "pred", "--yardstick", corpus / "dev.spacy")
    assert "MedLine part: NER F1" in printed and "Yardstick (" in printed
    yardstick = json.loads((tmp_path / "eval.json").read_text())["yardstick"]
    assert set(yardstick["intervals"]) == {"ner", "ddi", "ddi_untyped"} and yardstick["gold_interactions"] >= 2
    assert yardstick["intervals"]["ddi_untyped"]["f"] >= yardstick["intervals"]["ddi"]["f"]
    assert (tmp_path / "pred" / "yardstick.spacy").exists()
    record = json.loads((tmp_path / "eval.json").read_text())
    assert {"ents_f_medline", "ents_f_drugbank"} <= set(record["strict"]["ner_ddi_test"])
    assert "ddi_strict_f_medline" in record["document_mode"]["ddi_test"]["ddi"]
    assert set(record["by_source_intervals"]["ddi"]) == {"DrugBank", "MedLine"}
    assert "MedLine" in record["calibration"]
    run("scripts/compare_runs.py", corpus / "test.spacy", tmp_path / "cmp.json",
        "--a", tmp_path / "pred" / "test.spacy", "--b", tmp_path / "tuned")
    run("scripts/error_atlas.py", tmp_path / "tuned", corpus / "dev.spacy", tmp_path / "atlas.json",
        "--markdown", tmp_path / "atlas.md")
    atlas = json.loads((tmp_path / "atlas.json").read_text())
    gold_medline = 2  # the MedLine sentences of tagged_docs hold two interactions
    assert atlas["true_positives"] + sum(k["fn"] for k in atlas["kinds"].values()) == gold_medline
    assert (tmp_path / "atlas.md").read_text().startswith("# Interaction errors on the MedLine part")
    compared = json.loads((tmp_path / "cmp.json").read_text())["scores"]
    assert set(compared) == {"ner", "ddi", "ddi_gold_entities"}
    assert compared["ddi"]["MedLine"]["documents"] == 2


def test_pieces_of_a_chemical_name_become_one_entity(tiny_encoder):
    from spacy.tokens import Span

    from spacy_ddi.ner.drug_ner_component import join_attached_spans

    nlp = blank_nlp(tiny_encoder, heads=())
    doc = nlp.make_doc("Both 1,3-difluoro-2-propanol and NaFlu raised InsP(3) and dmPGE2, unlike aspirin 2 mg.")
    index = {t.text: t.i for t in reversed(doc)}  # first occurrence of each token
    # the drug tokenizer cuts these names into tokens; the tagger labelled pieces of them
    assert [t.text for t in doc[1:10]] == ["1", ",", "3", "-", "difluoro", "-", "2", "-", "propanol"]
    pieces = [
        Span(doc, 1, 3, label="DRUG_N"),  # "1,"
        Span(doc, 3, 10, label="DRUG_N"),  # "3-difluoro-2-propanol"
        Span(doc, index["Na"], index["Na"] + 1, label="DRUG"),
        Span(doc, index["Flu"], index["Flu"] + 1, label="DRUG"),
        Span(doc, index["InsP"], index["InsP"] + 1, label="DRUG_N"),
        Span(doc, index["dmPGE"], index["dmPGE"] + 1, label="DRUG_N"),
        Span(doc, index["aspirin"], index["aspirin"] + 1, label="DRUG"),
    ]
    joined = [(s.text, s.label_) for s in join_attached_spans(doc, pieces)]
    assert joined == [
        ("1,3-difluoro-2-propanol", "DRUG_N"), ("NaFlu", "DRUG"), ("InsP(3)", "DRUG_N"),
        ("dmPGE2", "DRUG_N"), ("aspirin", "DRUG"),  # "aspirin 2": a space, so no number taken in
    ]
    # entities with a token between them stay apart
    apart = nlp.make_doc("aspirin/warfarin")
    spans = [Span(apart, 0, 1, label="DRUG"), Span(apart, 2, 3, label="DRUG")]
    assert [s.text for s in join_attached_spans(apart, spans)] == ["aspirin", "warfarin"]


def test_a_chemical_name_takes_in_its_first_locants_and_stereo_descriptor(tiny_encoder):
    """The tagger often starts a chemical name after its first locant ("1," of
    "1,3-difluoroacetone") or its bracketed descriptor; joined, the name is whole. A number
    with a space after its comma, or one that belongs to the entity before, stays out."""
    from spacy.tokens import Span

    from spacy_ddi.ner.drug_ner_component import join_attached_spans

    nlp = blank_nlp(tiny_encoder, heads=())
    text = "1,3-difluoroacetone, 16,16-dimethylprostaglandin E2, (-)-erythro-fluorocitrate, (2S,3R)-x-amine and 1, 3-y-ol"
    doc = nlp.make_doc(text)

    def starting(word, end_word):
        start = text.index(word)
        end = text.index(end_word, start) + len(end_word)
        return doc.char_span(start, end, label="DRUG_N", alignment_mode="strict")

    pieces = [
        starting("3-difluoroacetone", "difluoroacetone"),
        starting("16-dimethyl", "E2"),
        starting("erythro", "fluorocitrate"),
        starting("x-amine", "amine"),
        starting("3-y-ol", "ol"),
    ]
    assert None not in pieces
    assert [s.text for s in join_attached_spans(doc, pieces)] == [
        "1,3-difluoroacetone", "16,16-dimethylprostaglandin E2", "(-)-erythro-fluorocitrate",
        "(2S,3R)-x-amine", "3-y-ol",  # "1, 3-y-ol": a space after the comma
    ]


def test_join_attached_is_a_prediction_setting(trained_nlp):
    ner = trained_nlp.get_pipe("drug_ner")
    assert ner.cfg["join_attached"] is False
    assert "join_attached" in ner.PREDICTION_SETTINGS


def test_the_genre_scenario_sets_abstracts_apart_from_a_label_text_base(tiny_encoder, model_dir, tmp_path):
    """scripts/genre_scenario.py: the base sees only DrugBank documents; the team's abstracts
    come back through BRAT with their mentions and interactions; sizes nest; the ceiling is
    DrugBank Train plus the team's."""
    nlp, docs = tagged_docs(tiny_encoder, sources=("DrugBank", "MedLine", "MedLine", "MedLine"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, part in (("train", docs), ("dev", docs[:1]), ("test", docs)):  # dev: a DrugBank document
        DocBin(docs=part, store_user_data=True).to_disk(corpus / f"{name}.spacy")
    out = tmp_path / "genre"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "genre_scenario.py"), str(corpus), str(out),
                           "--team-dev", "1", "--sizes", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads((out / "scenario.json").read_text())
    parts = record["parts"]
    assert parts["team_dev"]["documents"] == 1 and parts["team_1"]["documents"] == 1 and parts["team_all"]["documents"] == 2
    assert set(parts["team_1"]["ids"]) <= set(parts["team_all"]["ids"]) and not set(parts["team_dev"]["ids"]) & set(parts["team_all"]["ids"])

    def load(name):
        return list(DocBin().from_disk(out / f"{name}.spacy").get_docs(nlp.vocab))

    assert {doc_source(d) for d in load("base_train")} == {"DrugBank"} and load("base_dev")
    team = load("team_all")
    assert {doc_source(d) for d in team} == {"MedLine"} and sum(len(d.ents) for d in team) == sum(len(d.ents) for d in docs[1:] if d.user_data[DOCUMENT_ID_KEY] in set(parts["team_all"]["ids"]))
    gold = {d.text: len(records_of(d)) for d in docs}
    assert all(len(records_of(d)) == gold[d.text] for d in team)  # the interactions came back through BRAT
    assert len(load("ceiling_all")) == len(load("base_train")) + len(team)
    # review order: the pool's documents queued by the base's highest uncertainty, and random draws
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "review_order.py"), str(model_dir), str(out),
                           "--n", "1", "--draws", "1,2", "--record", str(tmp_path / "order.json")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    order = json.loads((tmp_path / "order.json").read_text())
    values = [q["uncertainty"] for q in order["queue"]]
    assert order["pool"] == 2 and values == sorted(values, reverse=True) and all(v <= 1 for v in values)
    assert order["chosen"]["uncertain"] == [order["queue"][0]["id"]]
    assert set(order["chosen"]) == {"uncertain", "random_s1", "random_s2"}
    chosen = load("team_uncertain_1")
    assert {d.user_data[DOCUMENT_ID_KEY] for d in chosen} == set(order["chosen"]["uncertain"]) and load("team_random_1_s2")
