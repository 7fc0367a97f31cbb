"""The real `spacy train` / `spacy evaluate` path, driven by the shipped config, on a tiny BERT."""
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.cli.evaluate import evaluate
from spacy.cli.train import train
from spacy.tokens import DocBin

from .conftest import TRAIN_DATA, blank_nlp, make_example, short_training_overrides

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def docbins(tiny_encoder, tmp_path_factory):
    nlp = blank_nlp(tiny_encoder, heads=())
    folder = tmp_path_factory.mktemp("corpus")
    docs = [make_example(nlp, *row).reference for row in TRAIN_DATA]
    DocBin(docs=docs, store_user_data=True).to_disk(folder / "train.spacy")
    DocBin(docs=docs[:2], store_user_data=True).to_disk(folder / "dev.spacy")
    return folder


DEFAULT_PIPELINE = ["ddi_sentences", "transformer", "drug_ner", "drug_linker", "dstc_relations"]


@pytest.mark.slow
def test_the_auxiliary_heads_train_when_added_to_the_pipeline(tiny_encoder, docbins, tmp_path):
    """The default leaves sentence_flags out of training; the config's block trains it when
    the pipeline lists it."""
    overrides = short_training_overrides(
        docbins / "train.spacy", docbins / "dev.spacy", tiny_encoder, 2, 2,
        **{"nlp.pipeline": DEFAULT_PIPELINE + ["sentence_flags"]},
    )
    train(ROOT / "configs" / "ddi_mtmg.cfg", tmp_path / "out", overrides=overrides)
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert nlp.pipe_names == DEFAULT_PIPELINE + ["sentence_flags"]
    assert {"enc_f", "pdc_f"} <= set(nlp.meta["performance"])


@pytest.mark.slow
def test_spacy_train_and_evaluate_with_the_default_config(tiny_encoder, docbins, tmp_path, capsys):
    overrides = short_training_overrides(docbins / "train.spacy", docbins / "dev.spacy", tiny_encoder, 6, 3)
    train(ROOT / "configs" / "ddi_mtmg.cfg", tmp_path / "out", overrides=overrides)
    nlp = spacy.load(tmp_path / "out" / "model-best")
    assert nlp.pipe_names == DEFAULT_PIPELINE
    doc = nlp(TRAIN_DATA[0][0])
    assert isinstance(doc._.ddis, list)
    # the linker's table travelled with the pipeline
    assert nlp.get_pipe("drug_linker").vocabulary.link("Ketoconazole", "DRUG").drug_id == "DB01026"
    meta = spacy.load(tmp_path / "out" / "model-last").meta
    for key in ("ents_f", "ddi_strict_f"):
        assert key in meta["performance"]
    scores = evaluate(str(tmp_path / "out" / "model-last"), docbins / "dev.spacy")
    assert {"ents_p", "ents_r", "ents_f", "ents_per_type", "ddi_strict_f", "ddi_strict_per_type"} <= set(scores)
    # spacy evaluate's own table shows the NER scores (they have spaCy's names)
    capsys.readouterr()
    evaluate(str(tmp_path / "out" / "model-last"), docbins / "dev.spacy", silent=False)
    printed = capsys.readouterr().out
    assert "NER P" in printed and "NER F" in printed and "DRUG" in printed


def test_training_on_a_docbin_without_interactions_fails_loudly(tiny_encoder, tmp_path):
    nlp = spacy.blank("en")
    DocBin(docs=[nlp("Aspirin and warfarin.")]).to_disk(tmp_path / "plain.spacy")
    overrides = {
        "paths.train": str(tmp_path / "plain.spacy"),
        "paths.dev": str(tmp_path / "plain.spacy"),
        "components.transformer.model.name": tiny_encoder,
        "training.max_steps": 1,
    }
    with pytest.raises(ValueError, match="plain.spacy: a Doc has no gold interactions"):
        train(ROOT / "configs" / "ddi_mtmg.cfg", tmp_path / "out", overrides=overrides)


@pytest.mark.parametrize("config", ["ddi_mtmg.cfg", "ddi_mtmg_biobert.cfg"])
def test_configs_pass_spacy_debug_config(config):
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "debug", "config", str(ROOT / "configs" / config)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Config is valid" in result.stdout


def test_offline_encoder_resolves_to_the_installed_model():
    from spacy_ddi.encoders import resolve_encoder

    folder = Path(resolve_encoder("all-MiniLM-L6-v2"))
    assert (folder / "config.json").exists() and (folder / "model.safetensors").exists()
    assert resolve_encoder("dmis-lab/biobert-base-cased-v1.1") == "dmis-lab/biobert-base-cased-v1.1"


def test_convert_cli_reports_a_missing_corpus(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "spacy_ddi", "convert", str(tmp_path / "missing.zip"), str(tmp_path / "out")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "missing.zip" in result.stderr


@pytest.mark.slow
def test_gpu_cpu_agreement_script_runs_on_the_cpu(docbins, tmp_path):
    """scripts/gpu_cpu_agreement.py, the prepared GPU check, end to end with --device cpu (so it
    cannot rot on machines without a GPU): trains, saves, predicts twice, compares."""
    out = tmp_path / "gpu_check.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gpu_cpu_agreement.py"), str(docbins / "train.spacy"),
         str(docbins / "train.spacy"), "--device", "cpu", "--steps", "3", "--n-train", "4",
         "--output", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    import json

    record = json.loads(out.read_text())
    assert record["agree"] and record["training"]["steps_per_second"] > 0
    assert record["predict_cpu"]["words"] > 0
    assert "agree on 4 texts" in result.stdout


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_finetune_continues_a_pipeline_on_new_documents_and_scores_before_and_after(tiny_encoder, docbins, tmp_path):
    """spacy-ddi finetune: whole documents held out, never trained on; every component sourced
    from the base; scores before and after on the held-out part and on a second test set."""
    import json

    from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY

    overrides = short_training_overrides(docbins / "train.spacy", docbins / "dev.spacy", tiny_encoder, 2, 2)
    train(ROOT / "configs" / "ddi_mtmg.cfg", tmp_path / "base", overrides=overrides)
    nlp = blank_nlp(tiny_encoder, heads=())
    team = []
    for k in range(3):  # three copies of the data as documents team-0 .. team-8
        for j, row in enumerate(TRAIN_DATA[:3]):
            doc = make_example(nlp, *row).reference
            doc.user_data[DOCUMENT_ID_KEY] = f"team-{3 * k + j}"
            team.append(doc)
    DocBin(docs=team, store_user_data=True).to_disk(tmp_path / "team.spacy")
    out = tmp_path / "finetuned"
    result = subprocess.run(
        [sys.executable, "-m", "spacy_ddi", "finetune", str(tmp_path / "base" / "model-last"),
         str(tmp_path / "team.spacy"), "-o", str(out), "--ddi", str(docbins / "train.spacy"), "--max-steps", "2",
         "--held-out", "0.3", "--ddi-test", str(docbins / "dev.spacy")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((out / "finetune.json").read_text())
    split = record["documents"]
    assert len(split["held_out"]) == 3 and len(split["dev"]) == 1 and len(split["train"]) == 5
    assert not set(split["held_out"]) & (set(split["train"]) | set(split["dev"]))
    # the training set: the team's 5 documents' sentences plus as many DDI sentences (ratio 1)
    # as the DDI file holds, up to 5
    assert record["sentences"] == {"train": 5, "ddi_mixed_in": min(5, len(TRAIN_DATA)), "dev": 1, "held_out": 3}
    for part in ("held_out", "ddi_test"):
        assert set(record[part]["before"]) == set(record[part]["after"]) >= {"ents_f", "ddi_strict_f", "ddi_gold_entities_f"}
        assert record[part]["after_minus_before"]["ddi"]["documents"] >= 1
    config = spacy.util.load_config(out / "config.cfg")
    assert all(config["components"][name]["source"] == str(tmp_path / "base" / "model-last") for name in config["nlp"]["pipeline"])
    assert spacy.load(out / "model-best").pipe_names == DEFAULT_PIPELINE
    # again without training, the prediction settings chosen again on a dev set: scored too
    result = subprocess.run(
        [sys.executable, "-m", "spacy_ddi", "finetune", str(tmp_path / "base" / "model-last"),
         str(tmp_path / "team.spacy"), "-o", str(out), "--ddi", str(docbins / "train.spacy"), "--held-out", "0.3",
         "--max-steps", "2", "--reuse-training", "--tune-on", str(docbins / "dev.spacy")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Fine-tuning for" not in result.stdout
    record = json.loads((out / "finetune.json").read_text())
    assert record["training_seconds"] is not None  # the earlier run's
    assert (out / "model-tuned").exists() and set(record["held_out"]["after_tuned"]) >= {"ents_f", "ddi_strict_f"}
    # a split that leaves nothing to train on is refused, naming the data
    DocBin(docs=team[:2], store_user_data=True).to_disk(tmp_path / "two.spacy")
    result = subprocess.run(
        [sys.executable, "-m", "spacy_ddi", "finetune", str(tmp_path / "base" / "model-last"),
         str(tmp_path / "two.spacy"), "-o", str(tmp_path / "x"), "--ddi", str(docbins / "train.spacy")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 1 and "two.spacy" in result.stderr and not (tmp_path / "x").exists()
