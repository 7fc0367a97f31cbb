"""The DSTC scorer's pieces: between-token pooling and the prior added at prediction."""
import numpy
import torch

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
