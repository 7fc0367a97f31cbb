"""Calibration by genre: the abstracts' shift, doc._.genre, records and extract's --genre."""
import json

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ddi.calibration import check_shift, fit_shift, reliability, shift_of, shifted
from spacy_ddi.cli import app
from spacy_ddi.evaluation import docs_with_genre, genre_of_gold
from spacy_ddi.extract.readers import bioc_genre

from .conftest import TRAIN_DATA

TEXT = TRAIN_DATA[0][0]


def test_fit_shift_calibrates_overconfident_scores_and_holds_on_a_hundred_and_fifty():
    rng = numpy.random.default_rng(0)
    scores = rng.uniform(0.2, 0.9, size=150)
    right = rng.uniform(size=150) < scores * 0.55  # abstracts: right less often than the score says
    a, b = fit_shift(scores, right)
    assert b < 0
    before = reliability(scores, right)["ece"]
    after = reliability([shifted(s, (a, b)) for s in scores], right)["ece"]
    assert before > 0.15 and after < before / 2
    # calibrated scores stay where they are: the ridge keeps the shift near none
    calibrated = rng.uniform(size=150) < scores
    a0, b0 = fit_shift(scores, calibrated)
    assert abs(a0 - 1) < 0.35 and abs(b0) < 0.35
    with pytest.raises(ValueError, match="no interactions"):
        fit_shift([], [])


@pytest.mark.parametrize("bad", ["x", {"poem": [1, 0]}, {"abstract": [1]}, {"abstract": [-1, 0]}, {"abstract": ["a", 0]}])
def test_a_malformed_genre_shift_is_refused(bad):
    with pytest.raises(ValueError, match="genre_shift"):
        check_shift(bad)


def test_an_article_takes_the_abstracts_shift_unless_it_has_its_own():
    shifts = {"abstract": (1.0, -1.0)}
    assert shift_of(shifts, "article") == (1.0, -1.0) and shift_of(shifts, "label") is None
    assert shift_of({**shifts, "article": (1.0, 0.5)}, "article") == (1.0, 0.5)
    assert shift_of(None, "abstract") is None


@pytest.fixture
def nlp(model_dir):
    return spacy.load(model_dir)


def scores_of(nlp, genre=None):
    doc = nlp.make_doc(TEXT)
    doc._.genre = genre
    doc = nlp(doc)
    return doc._.genre, [d.score for d in doc._.ddis if d.is_positive]


def test_the_shift_applies_by_the_docs_genre_and_the_default_genre(nlp, tmp_path):
    rel = nlp.get_pipe("dstc_relations")
    _, raw = scores_of(nlp, "label")
    assert raw, "the tiny pipeline should report an interaction, or this compares nothing"
    rel.cfg["genre_shift"] = nlp.get_pipe_config("dstc_relations")["genre_shift"] = {"abstract": [1.0, -2.0]}
    # the shift is fitted on calibrated scores: without the map it does not apply
    assert scores_of(nlp, "abstract")[1] == pytest.approx(raw)
    rel.cfg["calibration"] = nlp.get_pipe_config("dstc_relations")["calibration"] = [[0.0, 0.0], [1.0, 1.0]]
    genre, label = scores_of(nlp, "label")
    assert genre == "label" and label == pytest.approx(raw)
    lower = [shifted(s, (1.0, -2.0)) for s in raw]
    assert scores_of(nlp, "abstract")[1] == pytest.approx(lower) and scores_of(nlp, "article")[1] == pytest.approx(lower)
    genre, default = scores_of(nlp)  # no genre: the component's default, written to the doc
    assert genre == "abstract" and default == pytest.approx(lower)
    rel.cfg["genre"] = "label"
    assert scores_of(nlp) == ("label", pytest.approx(raw))
    with pytest.raises(ValueError, match="genre is one of abstract, article, label, not 'poem'"):
        scores_of(nlp, "poem")
    nlp.get_pipe_config("dstc_relations")["genre"] = "label"
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert scores_of(loaded, "abstract")[1] == pytest.approx(lower)
    unshifted = spacy.load(tmp_path / "model", config={"components": {"dstc_relations": {"genre_shift": None}}})
    assert scores_of(unshifted, "abstract")[1] == pytest.approx(raw)
    raw_scores = spacy.load(tmp_path / "model", config={"components": {"dstc_relations": {"calibration": None}}})
    assert scores_of(raw_scores, "abstract")[1] == pytest.approx(raw)


def test_a_pipeline_saved_without_the_settings_loads_with_no_shift(nlp, tmp_path):
    """A 1.0 pipeline's config has neither genre_shift nor genre: its scores do not change."""
    _, before = scores_of(nlp, "abstract")
    nlp.to_disk(tmp_path / "model")
    config = (tmp_path / "model" / "config.cfg").read_text()
    stripped = "\n".join(line for line in config.splitlines() if not line.startswith(("genre_shift =", "genre =")))
    (tmp_path / "model" / "config.cfg").write_text(stripped)
    assert scores_of(spacy.load(tmp_path / "model"), "abstract")[1] == pytest.approx(before)


def test_evaluation_gives_each_gold_doc_its_parts_genre(nlp):
    from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY

    label, abstract, other = nlp.make_doc("a"), nlp.make_doc("b"), nlp.make_doc("c")
    label.user_data[DOCUMENT_ID_KEY] = "DDI-DrugBank.d1"
    abstract.user_data[DOCUMENT_ID_KEY] = "DDI-MedLine.d1"
    assert [genre_of_gold(d) for d in (label, abstract, other)] == ["label", "abstract", "abstract"]
    docs = docs_with_genre(nlp, [label, abstract], texts=["x y", "z"])
    assert [d.text for d in docs] == ["x y", "z"] and [d._.genre for d in docs] == ["label", "abstract"]


def test_bioc_genre_reads_the_passage_types():
    assert bioc_genre([{"type": "title", "section_type": None}, {"type": "abstract", "section_type": None}]) == "abstract"
    assert bioc_genre([{"type": "title", "section_type": "TITLE"}, {"type": "paragraph", "section_type": "INTRO"}]) == "article"


def test_extract_records_the_genre_from_the_format_or_the_option(model_dir, tmp_path):
    runner = CliRunner()
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"id": "d1", "text": TEXT}) + "\n")
    pubtator = tmp_path / "in.txt"
    pubtator.write_text(f"123|t|{TEXT}\n123|a|Lithium.\n\n")
    expected = {("in.jsonl", None): "abstract", ("in.jsonl", "label"): "label", ("in.txt", "label"): "abstract"}
    for (name, genre), wanted in expected.items():
        out = tmp_path / f"{name}.{genre}.jsonl"
        args = ["extract", str(model_dir), str(tmp_path / name), "-o", str(out), "-q"] + (["--genre", genre] if genre else [])
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["genre"] for r in records] == [wanted], (name, genre)
    # a pipeline with an abstracts' shift: the genre reaches the docs (gated: each sentence's)
    shifted_model = tmp_path / "shifted"
    nlp = spacy.load(model_dir)
    for key, value in (("calibration", [[0.0, 0.0], [1.0, 1.0]]), ("genre_shift", {"abstract": [1.0, -2.0]})):
        nlp.get_pipe("dstc_relations").cfg[key] = nlp.get_pipe_config("dstc_relations")[key] = value
    nlp.to_disk(shifted_model)
    scores = {}
    for genre in ("label", "abstract"):
        for gated in (False, True):
            out = tmp_path / f"shifted.{genre}.{gated}.jsonl"
            args = ["extract", str(shifted_model), str(jsonl), "-o", str(out), "--genre", genre, "-q"]
            result = runner.invoke(app, args + (["--only-candidate-sentences"] if gated else []))
            assert result.exit_code == 0, result.output
            record = json.loads(out.read_text())
            assert record["genre"] == genre
            scores[genre, gated] = [i["score"] for i in record["interactions"]]
    assert scores["label", False] and scores["label", True] == pytest.approx(scores["label", False])
    lower = [round(shifted(s, (1.0, -2.0)), 6) for s in scores["label", False]]
    assert scores["abstract", False] == pytest.approx(lower, abs=1e-5) and scores["abstract", True] == pytest.approx(lower, abs=1e-5)
    result = runner.invoke(app, ["extract", str(model_dir), str(jsonl), "-o", str(tmp_path / "x.jsonl"), "--genre", "poem", "-q"])
    assert result.exit_code == 2 and "--genre is one of abstract, article, label, not 'poem'" in result.output


def test_fit_calibration_fits_the_abstracts_shift_on_dev_abstracts_and_the_outside_set(nlp, monkeypatch):
    """The map on dev, the shift on dev's MedLine docs and the docs after n_dev; none where the
    abstract interactions are fewer than MIN_SHIFT_INTERACTIONS."""
    from spacy.training import Example

    from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY
    from spacy_ddi.training import tune as tune_module

    from .conftest import make_example

    gold = []
    for k, (row, source) in enumerate(zip(TRAIN_DATA * 3, ["DrugBank", "MedLine", "MedLine", "DrugBank"] * 3)):
        doc = make_example(nlp, *row).reference
        doc.user_data[DOCUMENT_ID_KEY] = f"DDI-{source}.d{k}" if k < 8 else f"outside.d{k}"
        gold.append(doc)
    rel, ner = nlp.get_pipe("dstc_relations"), nlp.get_pipe("drug_ner")
    with nlp.select_pipes(disable=["drug_ner", "drug_linker", "dstc_relations", "sentence_flags"]):
        encoded = list(nlp.pipe(docs_with_genre(nlp, gold)))
    record = tune_module.fit_calibration(nlp, rel, ner, encoded, gold, 8, echo=lambda _: None)
    assert record["knots"] and record["genre_shift"] is None and rel.cfg["genre_shift"] is None
    expected = sum(
        len([d for d in p._.ddis if d.is_positive])
        for p, g in zip(rel.pipe([nlp.get_pipe("drug_linker")(d) for d in ner.pipe(encoded)]), gold)
        if not g.user_data[DOCUMENT_ID_KEY].startswith("DDI-DrugBank")
    )
    assert record["abstract_interactions"] == expected > 0
    monkeypatch.setattr(tune_module, "MIN_SHIFT_INTERACTIONS", 1)
    record = tune_module.fit_calibration(nlp, rel, ner, encoded, gold, 8, echo=lambda _: None)
    assert record["genre_shift"]["abstract"] == rel.cfg["genre_shift"]["abstract"]
    assert nlp.get_pipe_config("dstc_relations")["genre_shift"] == rel.cfg["genre_shift"]
    assert "ece_after_in_sample" in record["abstract"]
