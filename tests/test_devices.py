"""Every head's torch work runs on the device of its module and inputs.

This machine has no GPU, so PyTorch's ``meta`` device stands in for one: an operation that
meets a tensor made on the CPU (``torch.arange(n)`` without ``device=``) raises there, as it
would on a GPU. Each head's torch module runs its forward, loss, backward and decoding with
the module and inputs on ``meta`` (the methods the components call; the components' own
conversions, xp2torch/torch2xp with the module's device, are not run here: a meta tensor
holds no data to convert back).
"""
import pytest
import torch

from spacy_ddi.flags.pytorch_sentence_flags import TorchSentenceFlags
from spacy_ddi.ner.drug_ner_component import allowed_transitions, bio_tags
from spacy_ddi.ner.pytorch_crf_tagger import TorchCRFTagger
from spacy_ddi.relations.pytorch_dstc import TorchDSTC
from spacy_ddi.relations.pytorch_pair import TorchPairClassifier

META = torch.device("meta")
WIDTH = 8


def meta_tokens(n_segments=2, n_tokens=6):
    return torch.empty(n_segments, n_tokens, WIDTH, device=META, requires_grad=True)


def ints(*values):
    return torch.tensor(values, dtype=torch.int64).to(META)


def test_drug_ner_runs_on_the_module_device():
    tags = bio_tags(["DRUG", "BRAND"])
    module = TorchCRFTagger(WIDTH, 16, len(tags), 0.1).to(META)
    tokens = meta_tokens()
    emissions = module(tokens)
    assert emissions.device == META
    lengths, gold = ints(6, 3), torch.zeros(2, 6, dtype=torch.int64, device=META)
    loss = module.negative_log_likelihood(emissions, gold, lengths)
    loss.backward()
    assert tokens.grad.device == META
    module.token_cross_entropy(module(tokens), gold, lengths).backward()
    allowed, start = (torch.as_tensor(a).to(META) for a in allowed_transitions(tags))
    assert module.viterbi(emissions.detach(), lengths, allowed, start).device == META
    assert module.argmax_tags(emissions.detach(), lengths).device == META


def test_sentence_flags_run_on_the_module_device():
    module = TorchSentenceFlags(WIDTH, 2, 0.1).to(META)
    tokens = meta_tokens()
    logits = module(tokens, ints(6, 3))
    assert logits.shape == (2, 2, 2) and logits.device == META
    logits.sum().backward()
    assert tokens.grad.device == META


@pytest.mark.parametrize("options", [{}, {"relative_positions": 4, "context_pooling": True}])
def test_dstc_runs_on_the_module_device(options):
    module = TorchDSTC(WIDTH, 16, 6, 0.1, **options).to(META)
    tokens = meta_tokens()
    scores = module(tokens, ints(0, 0, 1), ints(0, 3, 1), ints(1, 5, 2))
    assert scores.shape == (3, 6, 6) and scores.device == META
    scores.sum().backward()
    assert tokens.grad.device == META


def test_pair_classifier_runs_on_the_module_device():
    module = TorchPairClassifier(WIDTH, 16, 5, 0.1, 8).to(META)
    tokens = meta_tokens()
    scores = module(tokens, ints(0, 1), ints(0, 0), ints(1, 1), ints(3, 2), ints(4, 3))
    assert scores.shape == (2, 5) and scores.device == META
    scores.sum().backward()
    assert tokens.grad.device == META


def test_crf_likelihood_is_pytorch_crfs():
    torch.manual_seed(0)
    module = TorchCRFTagger(WIDTH, 16, 5, 0.0)
    for param in module.crf.parameters():
        torch.nn.init.normal_(param)
    emissions = torch.randn(3, 7, 5)
    tags = torch.randint(0, 5, (3, 7))
    lengths = torch.tensor([7, 4, 1])
    mask = torch.arange(7).unsqueeze(0) < lengths.unsqueeze(1)
    expected = -module.crf(emissions, tags, mask=mask, reduction="sum")
    assert module.negative_log_likelihood(emissions, tags, lengths).item() == pytest.approx(expected.item(), rel=1e-5)
