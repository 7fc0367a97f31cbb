"""spacy-ddi tune and spacy-ddi finetune: package commands with every option in --help, and bad
input refused with a clear error before anything is written."""
import json

import pytest
import spacy
from spacy.tokens import DocBin
from typer.main import get_command
from typer.testing import CliRunner

from spacy_ddi.cli import app
from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY
from spacy_ddi.extensions import install_extensions

from .conftest import TRAIN_DATA, annotated_doc

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("name", ["tune", "finetune"])
def test_help_lists_every_option(name):
    command = get_command(app).commands[name]
    printed = invoke(name, "--help").output
    for param in command.params:
        for option in param.opts:
            if option.startswith("-"):
                assert option in printed, f"{name} --help leaves out {option}"


def team_docs(nlp, rows=TRAIN_DATA[:3], copies=3, ids=True, label=None):
    install_extensions()
    docs = []
    for k in range(copies):
        for j, (text, ents, rels) in enumerate(rows):
            if label:
                ents = [(word, label) for word, _ in ents]
                rels = []
            doc = annotated_doc(nlp, text, ents, rels)
            if ids:
                doc.user_data[DOCUMENT_ID_KEY] = f"team-{len(rows) * k + j}"
            docs.append(doc)
    return docs


def save(docs, path):
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    return path


def test_finetune_refuses_a_base_that_is_not_a_spacy_ddi_pipeline(model_dir, tmp_path):
    blank = tmp_path / "blank"
    spacy.blank("en").to_disk(blank)
    data = save(team_docs(spacy.load(model_dir)), tmp_path / "team.spacy")
    out = tmp_path / "out"
    result = invoke("finetune", blank, data, "-o", out, "--ddi-ratio", "0")
    assert result.exit_code == 1
    assert "has no drug_ner: not a spacy-ddi pipeline" in result.output and str(blank) in result.output
    assert not out.exists()
    result = invoke("tune", tmp_path / "missing", data, "-o", out)
    assert result.exit_code == 1 and "is not a spaCy pipeline that loads" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "kind,expected",
    [
        ("no_ids", "carry no document id"),
        ("no_entities", "has no entities"),
        ("unknown_label", "labels spacy-ddi does not know: mention label 'CHEMICAL'"),
        ("not_a_docbin", "is not a DocBin"),
    ],
)
def test_finetune_and_tune_refuse_data_they_cannot_use_and_write_nothing(model_dir, tmp_path, kind, expected):
    nlp = spacy.load(model_dir)
    path = tmp_path / "team.spacy"
    if kind == "no_ids":
        save(team_docs(nlp, ids=False), path)
    elif kind == "no_entities":
        save(team_docs(nlp, rows=[("No drug is named here.", [], [])]), path)
    elif kind == "unknown_label":
        save(team_docs(nlp, label="CHEMICAL"), path)
    else:
        path.write_text("not a DocBin")
    out = tmp_path / "out"
    result = invoke("finetune", model_dir, path, "-o", out, "--ddi-ratio", "0")
    assert result.exit_code == 1, result.output
    assert expected in result.output and "team.spacy" in result.output
    assert not out.exists()
    if kind in ("no_entities", "not_a_docbin"):  # tune needs entities to choose on, not ids
        result = invoke("tune", model_dir, path, "-o", out)
        assert result.exit_code == 1 and expected in result.output
        assert not out.exists()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_tiny_finetune_and_tune_run_from_the_package(model_dir, tmp_path):
    """The package commands end to end on the tiny pipeline: documents whose every interaction
    was rejected are legitimate (a warning, not a failure); the team's own dev chooses the
    checkpoint; nothing held out, the scores come from --ddi-test; tune chooses on dev and an
    outside set."""
    nlp = spacy.load(model_dir)
    docs = team_docs(nlp)
    for doc in docs:  # every interaction rejected in review: stored as FALSE or not at all
        doc._.ddi_records = []
    data = save(docs, tmp_path / "team.spacy")
    dev = save(team_docs(nlp, copies=1), tmp_path / "dev.spacy")
    out = tmp_path / "finetuned"
    result = invoke("finetune", model_dir, data, "-o", out, "--dev", dev, "--held-out", "0", "--ddi-ratio", "0",
                    "--max-steps", "2", "--ddi-test", dev)
    assert result.exit_code == 0, result.output
    assert "holds no interaction" in result.output
    record = json.loads((out / "finetune.json").read_text())
    assert record["documents"]["held_out"] == [] and len(record["documents"]["train"]) == 9
    assert record["documents"]["dev"] == ["team-0", "team-1", "team-2"]
    assert "held_out" not in record and set(record["ddi_test"]["after"]) >= {"ents_f", "ddi_strict_f"}
    # the dev the checkpoint was chosen on is scored too, base and fine-tuned
    assert set(record["dev"]) == {"before", "after", "after_minus_before"} and "what the checkpoint was chosen on" in result.output
    assert (out / "train.log").read_text().strip()
    tuned = tmp_path / "tuned"
    result = invoke("tune", out / "model-best", dev, "-o", tuned, "--report", tmp_path / "tuning.json",
                    "--outside", dev, "--outside-weight", "0.5")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "tuning.json").read_text())
    assert report["outside_weight"] == 0.5 and "ddi_f_outside" in report["grid"][0]
    assert spacy.load(tuned).get_pipe("drug_ner").cfg["prior_at_inference"] == report["best"]["ner"]


def test_outputs_that_cannot_be_written_are_refused_before_any_work(model_dir, tmp_path):
    nlp = spacy.load(model_dir)
    data = save(team_docs(nlp), tmp_path / "team.spacy")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    result = invoke("tune", model_dir, data, "-o", a_file)
    assert result.exit_code == 1 and "is a file; give a folder" in result.output
    result = invoke("tune", model_dir, data, "-o", tmp_path / "tuned", "--report", tmp_path)
    assert result.exit_code == 1 and "is a folder; give a file name" in result.output
    assert not (tmp_path / "tuned").exists()
    bad = tmp_path / "bad.spacy"
    bad.write_text("not a DocBin")
    result = invoke("finetune", model_dir, data, "-o", tmp_path / "ft", "--ddi-ratio", "0", "--tune-on", bad)
    assert result.exit_code == 1 and "--tune-on" in result.output and "is not a DocBin" in result.output
    assert not (tmp_path / "ft").exists()


def test_finetune_refuses_a_dev_or_tune_set_that_holds_held_out_documents(model_dir, tmp_path):
    """The held-out documents are never chosen on: a --dev or --tune-on file that holds one of
    them is refused, by name, before anything is written."""
    nlp = spacy.load(model_dir)
    data = save(team_docs(nlp), tmp_path / "team.spacy")  # documents team-0 .. team-8
    leaky = save(team_docs(nlp, copies=3), tmp_path / "leaky.spacy")  # the same ids: the held-out ones among them
    out = tmp_path / "out"
    for option in ("--dev", "--tune-on"):
        result = invoke("finetune", model_dir, data, "-o", out, "--ddi-ratio", "0", option, leaky)
        assert result.exit_code == 1, result.output
        assert f"{option} shares" in result.output and "held-out part (team-" in result.output
        assert not out.exists()


def test_finetune_on_a_gpu_that_is_not_there_is_a_named_error(model_dir, tmp_path):
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    data = save(team_docs(spacy.load(model_dir)), tmp_path / "team.spacy")
    for command in (("finetune", model_dir, data, "-o", tmp_path / "out", "--ddi-ratio", "0"), ("tune", model_dir, data, "-o", tmp_path / "out")):
        result = invoke(*command, "--gpu-id", "0")
        assert result.exit_code == 1 and "--gpu-id 0:" in result.output and "--gpu-id -1" in result.output, result.output
        assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_reuse_training_refuses_a_model_trained_with_other_options(model_dir, tmp_path):
    """--reuse-training scores the earlier model only where OUT/training.json says it was trained
    on the same data with the same options; the record says the training was reused and keeps
    the earlier run's time; the earlier run's training data is not rewritten."""
    nlp = spacy.load(model_dir)
    data = save(team_docs(nlp), tmp_path / "team.spacy")
    out = tmp_path / "ft"
    args = ("finetune", model_dir, data, "-o", out, "--ddi-ratio", "0", "--held-out", "0.3", "--max-steps", "2")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    trained = json.loads((out / "training.json").read_text())
    assert trained["options"]["max_steps"] == 2 and trained["training_seconds"] is not None
    assert json.loads((out / "finetune.json").read_text())["reused_training"] is False
    written = (out / "data" / "train.spacy").stat().st_mtime_ns
    result = invoke(*args[:-2], "--max-steps", "3", "--reuse-training")
    assert result.exit_code == 1 and "trained on other data or options (max_steps: 2 then, 3 now)" in result.output
    result = invoke(*args, "--reuse-training")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "finetune.json").read_text())
    assert record["reused_training"] is True and record["training_seconds"] == trained["training_seconds"]
    assert (out / "data" / "train.spacy").stat().st_mtime_ns == written
    # a dev this small keeps BASE's prediction settings and says why; --refit chooses them on it
    assert record["settings"]["chosen_on"] is None and "fewer than the 100" in record["settings"]["why"]
    assert "Prediction settings and calibration kept from" in result.output and not (out / "model-tuned").exists()
    result = invoke(*args, "--reuse-training", "--refit")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "finetune.json").read_text())
    assert record["settings"] == {"chosen_on": "dev", "why": "--refit", "dev_interactions": record["settings"]["dev_interactions"]}
    assert (out / "model-tuned").is_dir() and "after_tuned" in record["held_out"]
    assert f"the fine-tuned pipeline: {out / 'model-tuned'}" in result.output
    result = invoke(*args, "--reuse-training", "--keep-settings", "--tune-on", data)
    assert result.exit_code == 1 and "give one of them" in result.output
