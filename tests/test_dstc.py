"""The DSTC scorer's pieces: between-token pooling and the prior added at prediction."""
import numpy
import torch

from spacy_ddi.losses import LogitAdjustedLoss
from spacy_ddi.relations.pytorch_dstc import TorchDSTC, between_means

from .conftest import TRAIN_DATA, blank_nlp, overfit, train_examples


def test_between_means_pools_the_tokens_between_drug_and_token():
    hidden = torch.arange(12, dtype=torch.float32).reshape(2, 6, 1)  # token i of segment s = 6s+i
    # row 0: drug = token 2 of segment 0; row 1: drug = tokens 0-1 of segment 1
    out = between_means(hidden, torch.tensor([0, 1]), torch.tensor([2, 0]), torch.tensor([3, 2]))
    assert out[..., 0].tolist() == [
        [1.0, 0.0, 0.0, 0.0, 3.0, 3.5],  # before: tokens (i, 2); inside/adjacent: none
        [0.0, 0.0, 0.0, 8.0, 8.5, 9.0],  # after: tokens [2, i)
    ]


def test_scorer_options_change_only_their_parts():
    torch.manual_seed(0)
    paper = TorchDSTC(8, 16, 6, 0.0)
    extended = TorchDSTC(8, 16, 6, 0.0, relative_positions=4, context_pooling=True)
    assert not hasattr(paper, "distance_embedding") and paper.context is None
    assert extended.distance_embedding.num_embeddings == 9
    x = torch.randn(2, 7, 8, requires_grad=True)
    out = extended(x, torch.tensor([0, 1, 1]), torch.tensor([1, 0, 4]), torch.tensor([2, 1, 6]))
    out.sum().backward()
    assert out.shape == (3, 7, 6) and torch.isfinite(x.grad).all()


def test_prior_at_inference_adds_weighted_log_priors(tiny_encoder):
    nlp = blank_nlp(tiny_encoder, heads=("dstc_relations",))
    overfit(nlp, train_examples(nlp), n_iter=5)
    dstc = nlp.get_pipe("dstc_relations")
    doc = nlp(TRAIN_DATA[0][0])
    doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in train_examples(nlp)[0].reference.ents]
    _, rows, plain = dstc.predict([doc])
    assert len(rows) == len(doc.ents) >= 2
    dstc.cfg["prior_at_inference"] = 0.75
    _, _, shifted = dstc.predict([doc])
    expected = numpy.log(plain) + 0.75 * numpy.asarray(dstc.cfg["log_priors"])
    expected = numpy.exp(expected - expected.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    numpy.testing.assert_allclose(shifted, expected, rtol=1e-4, atol=1e-6)
    assert not numpy.allclose(shifted, plain)


def test_o_token_weight_zero_trains_only_on_the_other_drugs_tokens(tiny_encoder):
    """o_token_weight = 0: the loss is the mean cross-entropy over the cells of the other
    drugs' tokens and no gradient reaches an O cell; 1 (the paper) counts every token."""
    nlp = blank_nlp(tiny_encoder, heads=("dstc_relations",))
    examples = train_examples(nlp)
    nlp.initialize(lambda: examples)
    dstc = nlp.get_pipe("dstc_relations")
    dstc.loss = LogitAdjustedLoss(tau=0.0)  # plain cross-entropy, so it can be recomputed here
    for eg in examples:
        eg.predicted.ents = [eg.predicted.char_span(e.start_char, e.end_char, e.label_) for e in eg.reference.ents]
    segments, rows, by_row = dstc.model.predict(([eg.predicted for eg in examples], [[(e.start, e.end) for e in eg.predicted.ents] for eg in examples]))
    # prediction gives one (T_segment, labels) array per row; the loss takes them padded
    scores = numpy.zeros((len(rows), max(len(r) for r in by_row), len(dstc.labels)), dtype="float32")
    for r, row_scores in enumerate(by_row):
        scores[r, : len(row_scores)] = row_scores
    outputs = (segments, rows, scores)
    # targets: recompute the gold token labels of each row by hand from TRAIN_DATA
    label = {name: i for i, name in enumerate(dstc.labels)}
    entity_cells, o_cells = [], []
    for r, (seg, d_start, d_end) in enumerate(rows):
        i, start, end = segments[seg]
        ref = examples[i].reference
        gold = {frozenset(((d.subject.start, d.subject.end), (d.object.start, d.object.end))): d.label for d in ref._.ddis}
        spans = [(e.start, e.end) for e in ref.ents]
        drug = (start + int(d_start), start + int(d_end))
        for t in range(end - start):
            other = next((s for s in spans if s != drug and s[0] <= start + t < s[1]), None)
            if other is None:
                o_cells.append((r, t, label["O"]))
            else:
                entity_cells.append((r, t, label[gold.get(frozenset((drug, other)), "FALSE")]))
    assert entity_cells and len(o_cells) > len(entity_cells)
    log_probs = scores - numpy.log(numpy.exp(scores).sum(-1, keepdims=True))

    def mean_ce(cells):
        return -numpy.mean([log_probs[r, t, y] for r, t, y in cells])

    dstc.cfg["o_token_weight"] = 0.0
    loss, d_scores = dstc.get_loss(examples, outputs)
    assert abs(loss - mean_ce(entity_cells)) < 1e-4
    assert all(not d_scores[r, t].any() for r, t, _ in o_cells)
    assert all(d_scores[r, t].any() for r, t, _ in entity_cells)
    dstc.cfg["o_token_weight"] = 1.0
    loss, d_scores = dstc.get_loss(examples, outputs)
    assert abs(loss - mean_ce(entity_cells + o_cells)) < 1e-4
    assert all(d_scores[r, t].any() for r, t, _ in o_cells)


def test_o_token_weight_outside_unit_interval_is_refused(tiny_encoder):
    import pytest

    nlp = blank_nlp(tiny_encoder, heads=())
    with pytest.raises(ValueError, match="o_token_weight"):
        nlp.add_pipe("dstc_relations", config={"o_token_weight": 2.0})


def test_scoring_only_some_tokens_equals_the_full_scores_there():
    torch.manual_seed(0)
    module = TorchDSTC(12, 16, 5, 0.0, relative_positions=3, context_pooling=True).eval()
    tokens = torch.randn(2, 9, 12)
    row_segment = torch.tensor([0, 0, 1, 1])
    start, end = torch.tensor([0, 4, 2, 6]), torch.tensor([2, 5, 3, 9])
    with torch.no_grad():
        full = module(tokens, row_segment, start, end)  # (4, 9, 5)
        positions = torch.tensor([[0, 1, 4, 4], [0, 1, 4, 4], [2, 6, 7, 8], [2, 6, 7, 8]])
        some = module(tokens, row_segment, start, end, positions)  # (4, 4, 5)
    expected = full[torch.arange(4).unsqueeze(1), positions]
    assert some.shape == (4, 4, 5)
    assert torch.allclose(some, expected, atol=1e-5)


def test_entity_types_scored_at_some_tokens_equal_the_full_scores_there():
    torch.manual_seed(0)
    module = TorchDSTC(12, 16, 5, 0.0, relative_positions=3, context_pooling=True, n_entity_types=6).eval()
    tokens = torch.randn(2, 9, 12)
    row_segment = torch.tensor([0, 0, 1])
    start, end = torch.tensor([0, 4, 2]), torch.tensor([2, 5, 3])
    types = torch.tensor([[1, 1, 0, 0, 3, 0, 0, 0, 0], [0, 0, 2, 0, 0, 0, 0, 0, 0]])
    row_types = torch.tensor([1, 3, 2])
    with torch.no_grad():
        full = module(tokens, row_segment, start, end, None, types, row_types)
        positions = torch.tensor([[0, 1, 4], [0, 1, 4], [2, 2, 2]])
        some = module(tokens, row_segment, start, end, positions, types, row_types)
        # the types change the scores
        untyped = module(tokens, row_segment, start, end, None, torch.zeros_like(types), torch.zeros_like(row_types))
    assert torch.allclose(some, full[torch.arange(3).unsqueeze(1), positions], atol=1e-5)
    assert not torch.allclose(full, untyped)


def test_dstc_with_entity_types_learns_and_round_trips(tiny_encoder, tmp_path):
    import spacy

    nlp = blank_nlp(tiny_encoder, heads=("drug_ner", "dstc_relations"), configs={"dstc_relations": {"model": {"entity_types": True}}})
    examples = train_examples(nlp)
    first, last = overfit(nlp, examples, n_iter=80)
    assert last["dstc_relations"] < first["dstc_relations"] / 5
    module = nlp.get_pipe("dstc_relations").model.get_ref("torch").shims[0]._model
    assert module.n_entity_types == 6
    texts = [text for text, _, _ in TRAIN_DATA]
    expected = [[(d.subject.text, d.object.text, d.label) for d in doc._.ddis if d.is_positive] for doc in nlp.pipe(texts)]
    gold = [[(a, b, label) for a, b, label in rels if label != "FALSE"] for _, _, rels in TRAIN_DATA]
    assert expected == gold
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert [[(d.subject.text, d.object.text, d.label) for d in doc._.ddis if d.is_positive] for doc in loaded.pipe(texts)] == expected
