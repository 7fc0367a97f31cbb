"""pair_relations, the pipelined baseline: pair enumeration, overfitting, round trips, edge cases."""
from pathlib import Path

import pytest
import spacy
import torch
from spacy.cli.train import train
from spacy.tokens import DocBin

from spacy_ddi.extensions import positive_ddis
from spacy_ddi.relations.pair_model import entity_pairs
from spacy_ddi.relations.pytorch_pair import TorchPairClassifier, span_means

from .conftest import TRAIN_DATA, blank_nlp, make_example, overfit, short_training_overrides, train_examples

ROOT = Path(__file__).parent.parent
# small enough to train in seconds
PAIR_CONFIG = {"model": {"hidden_width": 64, "max_pairs": 4096}}


def with_entities(nlp, text, words):
    """Run the pipeline on ``text`` with ``doc.ents`` set to the given (word, label) mentions."""
    doc = nlp.make_doc(text)
    spans, offset = [], 0
    for word, label in words:
        start = text.index(word, offset)
        offset = start + len(word)
        spans.append(doc.char_span(start, offset, label=label))
    doc.ents = spans
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def interactions(doc):
    return [(d.subject.text, d.object.text, d.label) for d in doc._.ddis]


@pytest.fixture(scope="module")
def pair_nlp(tiny_encoder):
    nlp = blank_nlp(tiny_encoder, heads=("pair_relations",), configs={"pair_relations": PAIR_CONFIG})
    losses = overfit(nlp, train_examples(nlp))
    return nlp, losses


def test_entity_pairs_stay_in_one_segment_and_never_overlap():
    segments = [(0, 0, 5), (0, 5, 9), (1, 0, 4)]
    drugs = [[(0, 1), (3, 5), (2, 4), (5, 6), (8, 9), (4, 6)], [(0, 1)]]
    # (4, 6) crosses the segment boundary; (2, 4) overlaps (3, 5): never paired with it
    assert entity_pairs(segments, drugs).tolist() == [
        [0, 0, 1, 2, 4], [0, 0, 1, 3, 5], [1, 0, 1, 3, 4],
    ]
    assert entity_pairs(segments, [[], []]).shape == (0, 5)


def test_pair_representation_pools_spans_and_the_tokens_between():
    hidden = torch.arange(6, dtype=torch.float32).reshape(1, 6, 1)
    cumulative = torch.cat([hidden.new_zeros(1, 1, 1), hidden.cumsum(1)], 1)
    means = span_means(cumulative, torch.tensor([0, 0, 0]), torch.tensor([1, 2, 3]), torch.tensor([3, 2, 6]))
    assert means[:, 0].tolist() == [1.5, 0.0, 4.0]  # tokens 1-2; empty span; tokens 3-5
    torch.manual_seed(0)
    module = TorchPairClassifier(8, 16, 5, 0.0, max_distance=4)
    x = torch.randn(2, 7, 8, requires_grad=True)
    out = module(x, *(torch.tensor(v) for v in ([0, 1], [0, 0], [1, 2], [1, 6], [3, 7])))
    out.sum().backward()
    assert out.shape == (2, 5) and torch.isfinite(x.grad).all()


def test_pair_relations_overfits_on_given_entities(pair_nlp):
    nlp, (first, last) = pair_nlp
    assert last["pair_relations"] < first["pair_relations"] / 10
    assert [interactions(with_entities(nlp, text, ents)) for text, ents, _ in TRAIN_DATA] == [
        [("Ketoconazole", "midazolam", "MECHANISM")],
        [("Aspirin", "warfarin", "EFFECT")],
        [("lithium", "diuretics", "ADVISE")],
        [],
    ]
    doc = with_entities(nlp, *TRAIN_DATA[1][:2])
    assert all(0.5 < d.score <= 1.0 for d in doc._.ddis)
    pipe = nlp.get_pipe("pair_relations")
    pipe.cfg["store_false"] = True
    try:
        doc = with_entities(nlp, *TRAIN_DATA[1][:2])
    finally:
        pipe.cfg["store_false"] = False
    assert sorted(d.label for d in doc._.ddis) == ["EFFECT", "FALSE", "FALSE"]
    assert len(positive_ddis(doc)) == 1


def test_round_trips_give_identical_ddis(pair_nlp, tmp_path):
    nlp, _ = pair_nlp

    def outputs(pipeline):
        return [
            [(d.subject.start, d.object.start, d.label, d.score) for d in with_entities(pipeline, t, e)._.ddis]
            for t, e, _ in TRAIN_DATA
        ]

    want = outputs(nlp)
    assert any(want)
    nlp.to_disk(tmp_path / "pipeline")
    assert outputs(spacy.load(tmp_path / "pipeline")) == want
    from_bytes = spacy.util.load_model_from_config(nlp.config)
    from_bytes.from_bytes(nlp.to_bytes())
    assert outputs(from_bytes) == want


def test_docs_with_no_or_one_entity_have_no_interactions(pair_nlp):
    nlp, _ = pair_nlp
    assert with_entities(nlp, "", [])._.ddis == []
    assert with_entities(nlp, "No drugs here at all.", [])._.ddis == []
    assert with_entities(nlp, "Ketoconazole was given.", [("Ketoconazole", "DRUG")])._.ddis == []
    docs = [nlp.make_doc(t) for t in ("", "Take aspirin.", TRAIN_DATA[0][0])]
    docs[1].ents = [docs[1].char_span(5, 12, label="DRUG")]
    docs = list(nlp.pipe(docs))
    assert [d._.ddis for d in docs[:2]] == [[], []]


def test_update_without_pairs_still_backprops_into_the_encoder(pair_nlp):
    nlp, _ = pair_nlp
    listener = nlp.get_pipe("transformer").listeners[-1]
    losses = nlp.update([make_example(nlp, *TRAIN_DATA[3])], sgd=False)
    assert losses["pair_relations"] == 0.0
    # the listener clears the transformer's callback once the (zero) gradient is handed back
    assert listener._backprop is None


def test_many_mentions_are_scored_in_bounded_chunks(pair_nlp):
    nlp, _ = pair_nlp
    pipe = nlp.get_pipe("pair_relations")
    text = "Ketoconazole increases " + ", ".join(["midazolam"] * 299) + " levels."
    words = [("Ketoconazole", "DRUG")] + [("midazolam", "DRUG")] * 299
    sizes = []
    hook = pipe.model.get_ref("torch").shims[0]._model.classifier.register_forward_hook(
        lambda module, args, out: sizes.append(len(out))
    )
    pipe.cfg["store_false"] = True
    try:
        doc = with_entities(nlp, text, words)
    finally:
        pipe.cfg["store_false"] = False
        hook.remove()
    assert len(doc.ents) == 300 and len(list(doc.sents)) == 1
    assert len(doc._.ddis) == 300 * 299 // 2  # every pair of the sentence, read once
    assert sum(sizes) == len(doc._.ddis) and max(sizes) <= PAIR_CONFIG["model"]["max_pairs"]
    assert all(d.subject.end <= d.object.start for d in doc._.ddis)


@pytest.mark.slow
def test_spacy_train_with_the_baseline_config(tiny_encoder, tmp_path):
    nlp = blank_nlp(tiny_encoder, heads=())
    docs = [make_example(nlp, *row).reference for row in TRAIN_DATA]
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "train.spacy")
    overrides = short_training_overrides(tmp_path / "train.spacy", tmp_path / "train.spacy", tiny_encoder, 4, 2)
    train(ROOT / "configs" / "baseline_pairwise.cfg", tmp_path / "out", overrides=overrides)
    trained = spacy.load(tmp_path / "out" / "model-last")
    assert trained.pipe_names == ["ddi_sentences", "transformer", "drug_ner", "drug_linker", "pair_relations"]
    assert "ddi_strict_f" in trained.meta["performance"]
    assert isinstance(trained(TRAIN_DATA[0][0])._.ddis, list)


@pytest.mark.parametrize("head", ["pair_relations", "dstc_relations"])
def test_same_name_rule_reads_pairs_of_one_name_as_false(tiny_encoder, head):
    nlp = blank_nlp(tiny_encoder, heads=(head,))
    rel = nlp.get_pipe(head)
    doc = nlp.make_doc("Warfarin with aspirin is riskier than warfarin alone.")
    records = [[0, 1, 2, 3, "EFFECT", 0.9], [0, 1, 6, 7, "EFFECT", 0.8], [2, 3, 6, 7, "FALSE", 0.7]]
    rel._write_records([doc], [[list(r) for r in records]])
    assert doc._.ddi_records == records  # off by default
    rel.cfg["same_name_rule"] = True
    rel._write_records([doc], [[list(r) for r in records]])
    assert doc._.ddi_records == [records[0], records[2]]
    rel.cfg["store_false"] = True
    rel._write_records([doc], [[list(r) for r in records]])
    assert doc._.ddi_records == [records[0], [0, 1, 6, 7, "FALSE", 1.0], records[2]]
