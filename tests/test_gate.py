"""extract --only-candidate-sentences: the gate's possible mentions, records of gated runs on
both engines (the same entities and interactions as a full run in the sentences kept), and a
resume that would mix gated and ungated output refused."""
import json

import pytest
import spacy
from typer.testing import CliRunner

from spacy_ddi.cli import app
from spacy_ddi.extract.gate import CandidateGate
from spacy_ddi.extract.readers import Item
from spacy_ddi.extract.runner import extract
from spacy_ddi.text import create_drug_tokenizer, ddi_sentences

from .conftest import TRAIN_DATA


@pytest.fixture(scope="module")
def gate():
    return CandidateGate(["ketoconazole", "midazolam", "warfarin", "proton pump inhibitors", "lithium"])


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


@pytest.mark.parametrize("text, count", [
    ("Ketoconazole increases the plasma concentration of midazolam.", 2),
    ("Patients were enrolled in 2001 and followed for RESULTS.", 0),
    ("Warfarin was given alone.", 1),
    ("Proton pump inhibitors raise the levels of SB-203580.", 2),  # a class of words, a research code
    ("Beta-blockers may blunt the effect of tolbutamide.", 2),  # a class noun, an INN stem
    ("SSRIs and TCAs should not be combined.", 2),  # capitals that are not common abbreviations
    ("The AUC and the 95% CI were given by HPLC.", 0),  # capitals of methods and statistics
])
def test_possible_mentions(gate, nlp, text, count):
    doc = nlp.make_doc(text)
    assert len(gate.mentions(doc[:])) == count, [doc[a:b].text for a, b in gate.mentions(doc[:])]


def test_an_abbreviation_the_document_defines_counts_wherever_it_appears(gate, nlp):
    doc = ddi_sentences(nlp.make_doc("Proton pump inhibitors (PPIs) were studied. PPIs raised warfarin levels."))
    sentences = gate.sentences(doc)
    assert [keep for _, keep in sentences] == [True, True]
    assert "PPIs" in gate.defined_abbreviations(doc) and "PPI" in gate.defined_abbreviations(doc)


TEXT = (
    "Patients were enrolled in 2001 and followed for two years. "
    + TRAIN_DATA[0][0] + " The study ended in 2004. " + TRAIN_DATA[1][0]
)


def test_a_gated_record_has_the_full_runs_results_in_the_sentences_it_kept(trained_nlp, tmp_path):
    full, gated = tmp_path / "full.jsonl", tmp_path / "gated.jsonl"
    items = [Item("d1", TEXT)]
    extract(trained_nlp, items, full)
    gate = CandidateGate.from_vocabulary()
    extract(trained_nlp, items, gated, gate=gate)
    one, two = (json.loads(p.read_text()) for p in (full, gated))
    assert two["text"] == one["text"] and two["tokens"] == one["tokens"]
    assert two["gate"]["sentences"] == 4 and two["gate"]["encoded"] == 2
    skipped = [TEXT[s:e] for s, e in two["gate"]["not_encoded"]]
    assert skipped == ["Patients were enrolled in 2001 and followed for two years.", "The study ended in 2004."]

    def kept(items, key):
        return [i for i in items if not any(s <= i[key] < e for s, e in two["gate"]["not_encoded"])]

    assert two["entities"] == kept(one["entities"], "start")
    assert two["interactions"] == [i for i in one["interactions"] if i in two["interactions"]]
    assert [(i["subject"]["start"], i["object"]["start"], i["label"]) for i in two["interactions"]] == [
        (i["subject"]["start"], i["object"]["start"], i["label"]) for i in one["interactions"]
    ]
    for ent in two["entities"]:
        assert TEXT[ent["start"]:ent["end"]] == ent["text"]


def test_the_ray_actor_gates_as_the_local_runner_does(trained_nlp, tmp_path):
    import numpy

    from spacy_ddi.extract.ray import PipelineActor

    out = tmp_path / "o.jsonl"
    gate = CandidateGate.from_vocabulary()
    extract(trained_nlp, [Item("d1", TEXT), Item("d2", TRAIN_DATA[2][0])], out, gate=gate)
    actor = PipelineActor.__new__(PipelineActor)  # __init__ would load a model by name
    actor.nlp, actor.id_column, actor.text_column, actor.gate = trained_nlp, "id", "text", gate
    result = actor({"id": numpy.array(["d1", "d2"]), "text": numpy.array([TEXT, TRAIN_DATA[2][0]], dtype=object)})
    local = [json.loads(line) for line in out.read_text().splitlines()]
    assert [json.loads(r) for r in result["record"]] == local


def test_resume_refuses_to_mix_gated_and_ungated_output(model_dir, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "d1", "text": TEXT}) + "\n")
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "--only-candidate-sentences", "-q"])
    assert result.exit_code == 0, result.output
    before = out.read_text()
    result = runner.invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "--resume", "-q"])
    assert result.exit_code == 2 and "would mix gated and ungated records" in result.output
    assert out.read_text() == before
    result = runner.invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "--resume", "--only-candidate-sentences", "-q"])
    assert result.exit_code == 0 and "1 skipped" in result.output


def test_the_gate_needs_the_pipelines_own_sentence_splitter():
    from spacy_ddi.extract.gate import gate_for

    with pytest.raises(ValueError, match="needs a pipeline that splits sentences with ddi_sentences"):
        gate_for(spacy.blank("en"))
