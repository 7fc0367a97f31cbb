"""project.yml and its helper scripts: the workflow is well formed; bad input stops clearly."""
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import spacy_ddi
from weasel.util import load_project_config

ROOT = Path(__file__).resolve().parent.parent


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """project.yml loaded from a copy (weasel creates its directories where it loads)."""
    folder = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "project.yml", folder / "project.yml")
    return load_project_config(folder)


def test_workflow_all_runs_every_step_in_order(project):
    commands = {cmd["name"] for cmd in project["commands"]}
    assert project["workflows"]["all"] == [
        "corpus", "convert", "yardstick", "train", "tune", "evaluate", "report", "package", "install", "visualize",
    ]
    # outside "all": the tests, the linker's figures (they need a hand check of a sample) and
    # its MeSH table (rebuilt from a download), the
    # seed repeats (two more trainings), the comparisons, benchmarks, the GPU check, and
    # fine-tuning on a team's own data (and its measured scenario)
    outside = {
        "test", "linking-coverage", "mesh-table", "linking-outside", "calibration-floor", "linker-speed", "train-seeds", "compare", "atlas", "compare-predictions", "speed", "extract-speed",
        "extract-flush", "ray-lost-node",
        "picture", "review-pictures", "corpus-doc", "gpu-wheels", "gpu-check", "finetune", "team-scenario",
        "yardstick-select", "yardstick-agreement", "curves", "gate-report", "assertion-check", "precision-report", "genre-scenario",
        "onnx-benchmark", "cost-levers", "genre-curve", "curve-runs",
    }
    assert set(project["workflows"]["all"]) | outside == commands


def test_scripts_holds_only_what_project_commands_run(project):
    run = {word for cmd in project["commands"] for line in cmd["script"] for word in line.split()}
    for script in (ROOT / "scripts").glob("*.py"):
        assert f"scripts/{script.name}" in run, f"scripts/{script.name} is not run by a project command"


def test_commands_reference_existing_scripts_and_configs(project):
    for cmd in project["commands"]:
        for line in cmd["script"]:
            for word in line.split():
                if word.startswith(("scripts/", "configs/")):
                    assert (ROOT / word).exists(), f"{cmd['name']}: {word} is missing"


def test_package_and_train_use_the_variables(project):
    commands = {cmd["name"]: cmd for cmd in project["commands"]}
    assert "--gpu-id -1" in " ".join(commands["train"]["script"])
    # the model package carries the version of the spacy-ddi it needs (saved pipelines load
    # only with that minor version)
    assert commands["package"]["outputs"] == [f"packages/dist/en_ddi_mtmg-{spacy_ddi.__version__}-py3-none-any.whl"]
    assert project["assets"][0]["checksum"] == project["vars"]["corpus_md5"]


def test_skippable_commands_declare_outputs(project):
    for cmd in project["commands"]:
        # checks that write nothing: they run every time they are asked for
        if cmd["name"] not in ("install", "test", "compare-predictions"):
            assert cmd.get("outputs"), f"{cmd['name']} would rerun every time"


@pytest.fixture
def corpus_zip(tmp_path):
    path = tmp_path / "local.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("DDICorpus/Train/DrugBank/a.xml", "<document id='a'/>")
    return path, hashlib.md5(path.read_bytes()).hexdigest()


def fetch(tmp_path, local, md5):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fetch_corpus.py"), "--local", str(local),
         "--url", "http://localhost:9/DDICorpus-2013.zip", "--md5", md5,
         "--out", str(tmp_path / "assets" / "DDICorpus-2013.zip")],
        capture_output=True, text=True,
    )


def test_fetch_copies_the_local_copy_then_keeps_it(tmp_path, corpus_zip):
    local, md5 = corpus_zip
    first = fetch(tmp_path, local, md5)
    assert first.returncode == 0, first.stderr
    assert "Copied" in first.stdout
    assert (tmp_path / "assets" / "DDICorpus-2013.zip").read_bytes() == local.read_bytes()
    assert "already there" in fetch(tmp_path, local, md5).stdout


def test_fetch_without_local_copy_or_network_says_what_to_do(tmp_path, corpus_zip):
    _, md5 = corpus_zip
    result = fetch(tmp_path, tmp_path / "missing.zip", md5)
    assert result.returncode == 1
    assert f"The corpus is not at {tmp_path / 'missing.zip'}" in result.stderr
    assert "--vars.local_corpus=" in result.stderr
    assert not (tmp_path / "assets" / "DDICorpus-2013.zip").exists()


def test_fetch_rejects_a_wrong_checksum(tmp_path, corpus_zip):
    local, _ = corpus_zip
    result = fetch(tmp_path, local, "0" * 32)
    assert result.returncode == 1
    assert f"{local} has md5" in result.stderr
    assert "not the published DDICorpus-2013.zip" in result.stderr


def test_fetch_rejects_a_file_that_is_not_a_zip(tmp_path):
    page = tmp_path / "page.zip"
    page.write_text("<html>Not Found</html>")
    result = fetch(tmp_path, page, hashlib.md5(page.read_bytes()).hexdigest())
    assert result.returncode == 1
    assert f"{page} is not a zip archive" in result.stderr


def test_require_device_passes_on_cpu_and_explains_a_missing_gpu():
    import torch

    script = [sys.executable, str(ROOT / "scripts" / "require_device.py"), "--gpu-id"]
    assert subprocess.run(script + ["-1"], capture_output=True).returncode == 0
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = subprocess.run(script + ["0"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "asked to use GPU 0" in result.stderr and "sees no CUDA GPU" in result.stderr


def test_metrics_table_has_a_row_per_type():
    metrics_table = load_script("metrics_table")
    scores = {"p": 0.5, "r": 0.25, "f": 1 / 3}
    ner = {"ner_strict_p": 0.5, "ner_strict_r": 0.5, "ner_strict_f": 0.5,
           "ner_strict_per_type": {t: scores for t in metrics_table.TYPES_NER}}
    ddi = {"ddi_strict_p": 0.5, "ddi_strict_r": 0.5, "ddi_strict_f": 0.5,
           "ddi_strict_per_type": {t: scores for t in metrics_table.TYPES_DDI}}
    result = {"model": "m", "date": "today",
              "strict": {"ner_ddi_test": ner, "ner_drugner_test": ner, "ddi": ddi},
              "gold_entities": {"ddi": ddi}}
    text = metrics_table.render(json.loads(json.dumps(result)))
    for label in metrics_table.TYPES_NER + metrics_table.TYPES_DDI:
        assert f"| {label} | 0.500 | 0.250 | 0.333 | 0.500 | 0.250 | 0.333 |" in text
    assert text.count("| all (micro) | 0.500 | 0.500 | 0.500 |") == 2


def test_seeds_script_skips_seeds_already_evaluated(tmp_path):
    (tmp_path / "benchmarks" / "runs").mkdir(parents=True)
    (tmp_path / "benchmarks" / "runs" / "run_seed1.json").write_text("{}")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "seeds.py"), "run", "configs/x.cfg", "--seeds", "1"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0 and "run_seed1: benchmarks/runs/run_seed1.json exists, skipped" in result.stdout
