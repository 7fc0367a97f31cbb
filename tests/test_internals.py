"""The internals of thinc and spacy-transformers that spacy-ddi relies on are still there and
behave as assumed; if an upgrade changes one, these tests fail (rather than a pipeline
silently predicting differently), and spacy-ddi's own checks raise an error naming the
installed versions. Also: the one sentence-bounds function behind the heads' segments and
the transformer's spans."""
from importlib import metadata

import pytest
import spacy
import torch
from spacy.util import registry
from spacy_transformers.architectures import create_TransformerModel_v3
from spacy_transformers.data_classes import HFObjects
from spacy_transformers.layers.hf_shim import HFShim
from spacy_transformers.layers.transformer_model import TransformerModel
from spacy_transformers.layers.transformer_model import forward as transformer_forward
from spacy_transformers.layers.trfs2arrays import forward as trfs2arrays_forward
from thinc.api import Adam, Model, PyTorchShim, PyTorchWrapper_v2

from spacy_ddi.encoders import create_offline_transformer_model, length_bucketed_forward
from spacy_ddi.layers import (
    ThincInternalsChanged,
    check_model_forward,
    forward_of,
    installed_versions,
    replace_forward,
)
from spacy_ddi.layers import averaging
from spacy_ddi.layers.averaging import AveragesReadingShim, AveragingHFShim, check_shim_averaging, read_averages
from spacy_ddi.layers.segments import doc_segments, sentence_bounds
from spacy_ddi.layers.sentence_spans import get_sentence_windows, strided_windows
from spacy_ddi.layers.shared_pooling import share_pooling, shared_trfs2arrays_forward

VERSIONS = [f"thinc {metadata.version('thinc')}", f"spacy-transformers {metadata.version('spacy-transformers')}"]


def _forward(model, X, is_train):
    return X, lambda dY: dY


def _listener(pooling="reduce_mean.v1"):
    return registry.resolve({"x": {
        "@architectures": "spacy-transformers.TransformerListener.v1", "grad_factor": 1.0,
        "upstream": "*", "pooling": {"@layers": pooling},
    }})["x"]


# --- thinc: a model's forward is Model._func, set by the public replace_callbacks ------------

def test_thinc_keeps_the_forward_in_the_func_slot():
    assert "_func" in Model.__slots__
    model = Model("probe", _forward)
    assert model._func is _forward


def test_thinc_replace_callbacks_sets_what_call_predict_and_begin_update_run():
    calls = []

    def replacement(model, X, is_train):
        calls.append(is_train)
        return X, lambda dY: dY

    model = Model("probe", _forward)
    init = model.init
    model.replace_callbacks(replacement, init=init)
    assert model._func is replacement and model.init is init
    model(1, is_train=False)
    model.predict(1)
    model.begin_update(1)
    assert calls == [False, False, True]


def test_spacy_ddis_forward_check_passes_on_the_installed_thinc():
    check_model_forward.__wrapped__()  # uncached: runs the probe again


def test_the_forward_check_names_the_versions_when_thinc_changes(monkeypatch):
    monkeypatch.delattr(Model, "replace_callbacks")
    with pytest.raises(ThincInternalsChanged, match="replace_callbacks") as error:
        check_model_forward.__wrapped__()
    assert all(version in str(error.value) for version in VERSIONS)


def test_the_forward_check_catches_a_call_that_no_longer_runs_func(monkeypatch):
    monkeypatch.setattr(Model, "predict", lambda self, X: X)
    with pytest.raises(ThincInternalsChanged, match="do not all run the replaced forward"):
        check_model_forward.__wrapped__()


def test_installed_versions_names_thinc_and_spacy_transformers():
    assert installed_versions() == ", ".join(VERSIONS)


def test_replace_forward_refuses_a_layer_running_another_forward():
    model = Model("transformer", _forward)
    with pytest.raises(ThincInternalsChanged, match="transformer_model.forward") as error:
        replace_forward(model, length_bucketed_forward, expected=transformer_forward)
    assert all(version in str(error.value) for version in VERSIONS)
    assert forward_of(model) is _forward


# --- spacy-transformers: the encoder's forward (replaced by length_bucketed_forward) --------

def test_spacy_transformers_encoder_runs_its_module_forward():
    """length_bucketed_forward reimplements (at prediction) and falls back to (in training)
    spacy_transformers.layers.transformer_model.forward: the model must run that one."""
    model = create_TransformerModel_v3("bert-base-uncased", lambda docs: [], {}, {})
    assert isinstance(model, TransformerModel)
    assert model._func is transformer_forward
    assert type(model.layers[0].shims[0]) is HFShim  # the shim read_averages swaps


def test_the_offline_encoder_runs_the_length_bucketed_forward_and_reads_averages():
    model = create_offline_transformer_model("bert-base-uncased", lambda docs: [], frozen_layers=1)
    assert forward_of(model) is length_bucketed_forward
    assert model.init.func.__name__ == "_init_then_freeze"  # frozen_layers' init kept
    assert type(model.layers[0].shims[0]) is AveragingHFShim


# --- spacy-transformers: the listener's pooling (replaced by shared_trfs2arrays_forward) ----

def test_the_listeners_pooling_layer_is_spacy_transformers_trfs2arrays():
    nodes = [node for node in _listener().walk() if node.name == "trfs2arrays"]
    assert len(nodes) == 1
    assert nodes[0]._func is trfs2arrays_forward
    assert nodes[0].layers[0].name == "reduce_mean"


def test_share_pooling_replaces_only_weightless_poolings():
    shared = share_pooling(_listener())
    node = next(node for node in shared.walk() if node.name == "trfs2arrays")
    assert forward_of(node) is shared_trfs2arrays_forward
    share_pooling(shared)  # a second call leaves it as it is
    assert forward_of(node) is shared_trfs2arrays_forward
    weighted = _listener().walk()
    trfs2arrays = next(node for node in weighted if node.name == "trfs2arrays")
    trfs2arrays._layers[0] = Model("weighted", _forward, params={"W": None})
    share_pooling(trfs2arrays)
    assert forward_of(trfs2arrays) is trfs2arrays_forward


# --- averaging: the shims' classes and the optimizer's keys ---------------------------------

def test_the_hf_shim_is_a_pytorch_shim_with_its_finish_update():
    assert HFShim.__module__ == "spacy_transformers.layers.hf_shim"
    assert issubclass(HFShim, PyTorchShim)
    assert HFShim.finish_update is PyTorchShim.finish_update


def test_thincs_optimizer_keeps_a_torch_averages_under_shim_id_and_name():
    module = torch.nn.Linear(2, 2)
    shim = PyTorchShim(module, device=torch.device("cpu"))
    assert shim._model is module
    for param in module.parameters():
        param.grad = torch.ones_like(param)
    optimizer = Adam(0.01, use_averages=True)
    shim.finish_update(optimizer)
    assert set(optimizer.averages) == {(shim.id, "weight"), (shim.id, "bias")}


def test_thincs_model_use_params_enters_its_shims():
    entered = []

    class Recording(PyTorchShim):
        def use_params(self, params):
            entered.append(params)
            return super().use_params(params)

    shim = Recording(torch.nn.Linear(1, 1), device=torch.device("cpu"))
    with Model("probe", _forward, shims=[shim]).use_params({"x": 1}):
        pass
    assert entered == [{"x": 1}]


def test_read_averages_swaps_exactly_the_expected_shim_classes():
    wrapper = PyTorchWrapper_v2(torch.nn.Linear(2, 2))
    assert type(wrapper.shims[0]) is PyTorchShim
    read_averages(wrapper)
    assert isinstance(wrapper.shims[0], AveragesReadingShim)
    hf_shim = HFShim(HFObjects(None, None, None, {}, {}), grad_scaler_config={})
    read_averages(Model("hf", _forward, shims=[hf_shim]))
    assert type(hf_shim) is AveragingHFShim


def test_spacy_ddis_averaging_check_passes_on_the_installed_versions():
    check_shim_averaging.__wrapped__()


def test_the_averaging_check_names_the_versions_when_the_optimizer_keys_change(monkeypatch):
    def finish_update(self, optimizer):
        for name, param in self._model.named_parameters():
            optimizer((f"pytorch_{self.id}", name), param.data.numpy(), param.grad.numpy())

    monkeypatch.setattr(PyTorchShim, "finish_update", finish_update)
    monkeypatch.setattr(averaging.HFShim, "finish_update", finish_update)
    with pytest.raises(ThincInternalsChanged, match="finish_update|not \\(shim.id, name\\)") as error:
        check_shim_averaging.__wrapped__()
    assert all(version in str(error.value) for version in VERSIONS)


def test_the_averaging_check_catches_another_hf_shim_class(monkeypatch):
    class NotAShim:
        pass

    monkeypatch.setattr(averaging, "HFShim", NotAShim)
    with pytest.raises(ThincInternalsChanged, match="not a thinc PyTorchShim"):
        check_shim_averaging.__wrapped__()


# --- one sentence-bounds function ------------------------------------------------------------

def _docs():
    nlp = spacy.blank("en")
    plain = nlp("Aspirin and warfarin interact.")  # no sentence boundaries
    split = nlp("Aspirin and warfarin interact. Lithium too. " + " ".join(["x"] * 30))
    for token in split:
        token.is_sent_start = token.i in (0, 5, 8)
    return [plain, nlp(""), split]


def test_segments_and_transformer_spans_share_one_sentence_bounds_function():
    from spacy_ddi.layers import sentence_spans

    assert sentence_spans.sentence_bounds is sentence_bounds
    plain, empty, split = _docs()
    assert sentence_bounds(plain) == [(0, len(plain))]
    assert sentence_bounds(empty) == []
    assert sentence_bounds(split) == [(0, 5), (5, 8), (8, len(split))]
    assert doc_segments([plain, empty, split]) == [(0, 0, len(plain))] + [
        (2, start, end) for start, end in sentence_bounds(split)
    ]


def test_sentence_windows_follow_the_sentence_bounds():
    docs = _docs()
    spans = get_sentence_windows(docs, window=16, stride=12)
    for doc, doc_spans in zip(docs, spans):
        expected = [w for start, end in sentence_bounds(doc) for w in strided_windows(start, end, 16, 12)]
        assert [(span.start, span.end) for span in doc_spans] == expected
    assert [(s.start, s.end) for s in spans[2]] == [(0, 5), (5, 8), (8, 24), (20, 36), (32, 38)]


def test_the_sentence_windows_span_getter_keeps_its_name_and_entry_point():
    from spacy_ddi.layers.sentence_spans import configure_sentence_windows

    getter = registry.resolve({"x": {"@span_getters": "spacy-ddi.sentence_windows.v1", "window": 16, "stride": 12}})["x"]
    docs = _docs()
    assert getter(docs) == get_sentence_windows(docs, window=16, stride=12)
    points = [ep for ep in metadata.entry_points(group="spacy_span_getters") if ep.name == "spacy-ddi.sentence_windows.v1"]
    assert [ep.value for ep in points] == ["spacy_ddi.layers.sentence_spans:configure_sentence_windows"]
    assert points[0].load() is configure_sentence_windows
    assert registry.span_getters.get("spacy-ddi.sentence_windows.v1") is configure_sentence_windows
