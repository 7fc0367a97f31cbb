"""The heads' options written once: the loss block, a head's own thinc optimizer, one update(),
and parameter averages that are really used for torch models."""
import numpy
import pytest
from spacy.util import registry
from thinc.api import Adam, PyTorchShim, fix_random_seed

from spacy_ddi.layers.averaging import AveragesReadingShim
from spacy_ddi.layers.torch_head import torch_module
from spacy_ddi.losses import LogitAdjustedLoss

from .conftest import TRAIN_DATA, blank_nlp, train_examples

HEAD_OPTIMIZER = {"@optimizers": "Adam.v1", "learn_rate": 0.01, "use_averages": True}


def _train(nlp, examples, optimizer, steps=5):
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer)


def _predict(nlp):
    """Every head's raw output on the training texts, as float arrays."""
    docs = [nlp.make_doc(text) for text, _, _ in TRAIN_DATA]
    for name, pipe in nlp.pipeline:
        docs = [pipe(doc) for doc in docs]
    ner = nlp.get_pipe("drug_ner")
    _, emissions = ner.model.predict(docs)
    return [numpy.asarray(e).copy() for _, e in emissions]


@pytest.mark.parametrize("registry_name", ["@misc", "@losses"])
def test_the_loss_block_is_registered_and_checked(registry_name):
    """A misc block since 1.0; configs and saved pipelines that name it @losses still load."""
    loss = registry.resolve({"x": {registry_name: "spacy-ddi.LogitAdjusted.v1", "weight": 2.0, "tau": 0.5}})["x"]
    assert (loss.weight, loss.tau) == (2.0, 0.5)
    assert loss.training_log_prior(None) is None
    numpy.testing.assert_allclose(loss.training_log_prior([0.0, -1.0]), [0.0, -0.5])
    assert LogitAdjustedLoss(tau=0.0).training_log_prior([0.0, -1.0]) is None  # plain cross-entropy
    with pytest.raises(ValueError, match="tau"):
        LogitAdjustedLoss(tau=-1.0)


def test_the_loss_weight_scales_the_heads_gradient(tiny_encoder):
    grads = {}
    for weight in (1.0, 3.0):
        nlp = blank_nlp(tiny_encoder, heads=("drug_ner",), configs={
            "drug_ner": {"loss": {"@misc": "spacy-ddi.LogitAdjusted.v1", "weight": weight, "tau": 1.0}}})
        examples = train_examples(nlp)
        fix_random_seed(0)
        nlp.initialize(lambda: examples)
        ner = nlp.get_pipe("drug_ner")
        # get_loss takes the padded emissions that begin_update gives (the listener reads the
        # transformer's output stored on the docs)
        docs = [nlp.get_pipe("transformer")(nlp.get_pipe("ddi_sentences")(eg.predicted)) for eg in examples]
        (seg, emissions), _ = ner.model.begin_update(docs)
        loss, d = ner.get_loss(examples, (seg, emissions))
        grads[weight] = (loss, numpy.asarray(d))
    assert grads[1.0][0] == pytest.approx(grads[3.0][0], rel=1e-5)  # the reported loss is unweighted
    numpy.testing.assert_allclose(grads[3.0][1], 3.0 * grads[1.0][1], rtol=1e-4, atol=1e-7)


def test_a_head_with_its_own_optimizer_is_not_stepped_by_the_pipelines(tiny_encoder):
    nlp = blank_nlp(tiny_encoder, heads=("drug_ner", "dstc_relations"),
                    configs={"drug_ner": {"optimizer": HEAD_OPTIMIZER}})
    examples = train_examples(nlp)
    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    ner = nlp.get_pipe("drug_ner")
    assert ner.optimizer is not None and ner.optimizer is not optimizer
    before = [p.detach().clone() for p in torch_module(ner.model).parameters()]
    _train(nlp, examples, optimizer, steps=2)
    after = list(torch_module(ner.model).parameters())
    assert any(not bool((a == b).all()) for a, b in zip(after, before))  # the head learnt
    ner_shim = ner.model.get_ref("torch").shims[0].id
    dstc_shim = nlp.get_pipe("dstc_relations").model.get_ref("torch").shims[0].id
    stepped_by_pipeline = {key[0] for key in optimizer.nr_update}
    stepped_by_head = {key[0] for key in ner.optimizer.nr_update}
    assert ner_shim in stepped_by_head and ner_shim not in stepped_by_pipeline
    assert dstc_shim in stepped_by_pipeline and dstc_shim not in stepped_by_head


def test_torch_shims_read_the_optimizers_averages():
    """thinc's optimizer stores a torch parameter's average under (shim.id, name); the shims
    spacy-ddi builds use it (thinc's own PyTorchShim.use_params looks for other keys)."""
    import torch

    from spacy_ddi.layers.averaging import AveragingPyTorchShim

    module = torch.nn.Linear(2, 2)
    plain, reading = PyTorchShim(module), AveragingPyTorchShim(torch.nn.Linear(2, 2))
    averages = {(shim.id, "weight"): numpy.full((2, 2), 7.0, dtype="float32") for shim in (plain, reading)}
    with plain.use_params(averages):
        assert not bool((plain._model.weight == 7.0).all())  # thinc 8.3: the average is ignored
    original = reading._model.weight.detach().clone()
    with reading.use_params(averages):
        assert bool((reading._model.weight == 7.0).all())
        assert not bool((reading._model.bias == 7.0).all())  # no average: left as it is
    assert torch.equal(reading._model.weight, original)


def test_averages_are_used_for_the_encoder_and_the_heads(tiny_encoder):
    """With use_averages, nlp.use_params(optimizer.averages) (what spacy train evaluates and
    saves) changes the encoder's and every head's weights, the head's own optimizer's
    averages included, and puts the trained weights back after the block."""
    nlp = blank_nlp(tiny_encoder, heads=("drug_ner", "dstc_relations"),
                    configs={"drug_ner": {"optimizer": HEAD_OPTIMIZER}})
    examples = train_examples(nlp)
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01, use_averages=True)
    _train(nlp, examples, optimizer, steps=5)
    shims = [node.shims[0] for name in ("transformer", "drug_ner", "dstc_relations")
             for node in nlp.get_pipe(name).model.walk() if node.shims]
    assert len(shims) == 3 and all(isinstance(shim, AveragesReadingShim) for shim in shims)
    trained = [{k: v.detach().clone() for k, v in shim._model.named_parameters()} for shim in shims]
    raw = _predict(nlp)
    with nlp.use_params(optimizer.averages):
        for shim, weights in zip(shims, trained):
            changed = [k for k, v in shim._model.named_parameters() if not bool((v == weights[k]).all())]
            assert changed, f"no averaged weight in {type(shim).__name__}"
        averaged = _predict(nlp)
    assert any(not numpy.allclose(a, b) for a, b in zip(raw, averaged))
    for shim, weights in zip(shims, trained):
        for k, v in shim._model.named_parameters():
            assert bool((v == weights[k]).all())
    numpy.testing.assert_allclose(numpy.concatenate([r.ravel() for r in _predict(nlp)]),
                                  numpy.concatenate([r.ravel() for r in raw]), rtol=1e-6)
