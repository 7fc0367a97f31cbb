"""A saved pipeline records the spacy-ddi version; an incompatible one fails to load, clearly."""
from pathlib import Path

import pytest
import spacy
import srsly

import spacy_ddi
from spacy_ddi.versions import VERSION_KEY, check_saved_version

from .conftest import blank_nlp, train_examples


@pytest.fixture(scope="module")
def saved_pipeline(tiny_encoder, tmp_path_factory):
    """An initialized (untrained) drug_ner pipeline on disk."""
    nlp = blank_nlp(tiny_encoder, heads=("drug_ner",))
    nlp.initialize(lambda: train_examples(nlp))
    path = tmp_path_factory.mktemp("versions") / "pipeline"
    nlp.to_disk(path)
    return nlp, path


def set_saved_version(path, version):
    cfg_path = path / "drug_ner" / "cfg"
    cfg = srsly.read_json(cfg_path)
    if version is None:
        cfg.pop(VERSION_KEY, None)
    else:
        cfg[VERSION_KEY] = version
    srsly.write_json(cfg_path, cfg)


def test_saved_cfg_carries_the_version(saved_pipeline):
    nlp, path = saved_pipeline
    assert srsly.read_json(path / "drug_ner" / "cfg")[VERSION_KEY] == spacy_ddi.__version__
    data = srsly.msgpack_loads(nlp.get_pipe("drug_ner").to_bytes(exclude=["model"]))
    assert srsly.json_loads(data["cfg"])[VERSION_KEY] == spacy_ddi.__version__


@pytest.mark.parametrize("version", [None, spacy_ddi.__version__])
def test_same_version_or_no_stamp_loads(saved_pipeline, tmp_path, version):
    _, path = saved_pipeline
    copy = tmp_path / "pipeline"
    spacy.load(path).to_disk(copy)
    set_saved_version(copy, version)
    assert spacy.load(copy).pipe_names == ["ddi_sentences", "transformer", "drug_ner"]


def test_other_minor_version_fails_to_load_with_a_clear_message(saved_pipeline, tmp_path):
    _, path = saved_pipeline
    copy = tmp_path / "pipeline"
    spacy.load(path).to_disk(copy)
    set_saved_version(copy, "9.4.2")
    with pytest.raises(ValueError) as err:
        spacy.load(copy)
    message = str(err.value)
    assert "[drug_ner]" in message
    assert "saved by spacy-ddi 9.4.2" in message
    assert f"spacy-ddi {spacy_ddi.__version__} is installed" in message
    assert "pip install 'spacy-ddi>=9.4.2,<9.5.0'" in message


@pytest.mark.parametrize("saved", ["0.2.2", "1.0.0"])
def test_1_1_loads_pipelines_saved_by_1_0_and_0_2(saved_pipeline, tmp_path, saved):
    """1.0 changed no saved component (it added prediction settings with defaults); 1.1 moved
    modules, not what a component saves: en_ddi_mtmg as 1.0 packaged it loads."""
    _, path = saved_pipeline
    copy = tmp_path / "pipeline"
    spacy.load(path).to_disk(copy)
    set_saved_version(copy, saved)
    assert spacy.load(copy).pipe_names == ["ddi_sentences", "transformer", "drug_ner"]
    with pytest.raises(ValueError, match="saved by spacy-ddi 0.1.0"):
        check_saved_version("drug_ner", {VERSION_KEY: "0.1.0"})


def test_from_bytes_checks_the_version_too(saved_pipeline):
    nlp, _ = saved_pipeline
    ner = nlp.get_pipe("drug_ner")
    data = srsly.msgpack_loads(ner.to_bytes())
    data["cfg"] = srsly.json_dumps({**srsly.json_loads(data["cfg"]), VERSION_KEY: "0.0.1"})
    with pytest.raises(ValueError, match="saved by spacy-ddi 0.0.1"):
        ner.from_bytes(srsly.msgpack_dumps(data))


def test_patch_releases_are_compatible():
    major, minor, _ = spacy_ddi.__version__.split(".")
    check_saved_version("drug_ner", {VERSION_KEY: f"{major}.{minor}.99"})
    check_saved_version("drug_ner", {})


def test_the_version_lives_in_one_place():
    """setup.py reads spacy_ddi.__version__; the installed distribution says the same."""
    from importlib.metadata import version

    import spacy_ddi

    setup_py = (Path(__file__).parent.parent / "setup.py").read_text()
    assert '__version__ = "' in setup_py and 'version="0' not in setup_py
    assert version("spacy-ddi") == spacy_ddi.__version__


def test_relation_component_is_found_by_type(tiny_encoder):
    from spacy_ddi.relations.base import relation_component

    nlp = blank_nlp(tiny_encoder, heads=("drug_ner",))
    assert relation_component(nlp) is None
    nlp.add_pipe("dstc_relations", name="my_relations")
    assert relation_component(nlp) == "my_relations"
