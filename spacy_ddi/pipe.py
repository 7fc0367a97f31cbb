"""The base classes of the spacy-ddi components: load-time settings, and a torch head's one
training step, optional optimizer of its own and lazy loading from disk (the loss block:
:mod:`spacy_ddi.losses`; version checks: :mod:`spacy_ddi.versions`; fork hooks:
:mod:`spacy_ddi.fork`)."""
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy
import srsly
from spacy import util
from spacy.pipeline import TrainablePipe
from spacy.training import Example, validate_examples, validate_get_examples
from thinc.api import Config, Optimizer, set_dropout_rate

from .extensions import install_extensions
from .fork import _register_fork_hook
from .layers.logit_adjustment import log_priors
from .layers.shared_pooling import share_pooling
from .losses import LogitAdjustedLoss
from .versions import VERSION_KEY, check_saved_version, spacy_ddi_version

class LoadTimeSettings:
    """Prediction-time settings that a load-time override can change, for every spacy-ddi
    component (the heads and ``drug_linker``).

    They are saved in the component's cfg like the rest; a value given at load time
    (``spacy.load(path, config={"components": {name: {key: value}}})``) that differs from the
    saved pipeline's ``config.cfg`` wins over the saved cfg. A component lists them in
    ``PREDICTION_SETTINGS`` and calls :meth:`_remember_configured` when it is built.
    """

    PREDICTION_SETTINGS: Tuple[str, ...] = ()
    name: str
    cfg: Dict

    def _saved_cfg(self) -> dict:
        """The cfg to save, stamped with the installed spacy-ddi version."""
        return {**self.cfg, VERSION_KEY: spacy_ddi_version()}

    def _remember_configured(self, cfg: dict) -> None:
        self._configured = {key: cfg[key] for key in self.PREDICTION_SETTINGS if key in cfg}

    def _load_cfg(self, cfg: dict, saved_config: Optional[dict] = None) -> None:
        """Take the saved ``cfg`` (after checking the spacy-ddi version that saved it), except
        for prediction-time settings the component was constructed with a value other than its
        saved ``config.cfg`` had (``saved_config``, this component's block): those are
        load-time overrides, and they win."""
        check_saved_version(self.name, cfg)
        overrides = {
            key: value
            for key, value in self._configured.items()
            if saved_config is not None and key in saved_config and saved_config[key] != value
        }
        self.cfg.update(cfg)
        self.cfg.update(overrides)

    def _saved_pipeline_config(self, path: Path) -> Optional[dict]:
        """This component's block of the config.cfg saved beside its folder, if any."""
        config_path = Path(path).parent / "config.cfg"
        if not config_path.exists() or not (Path(path).parent / "meta.json").exists():
            return None  # not a component folder inside a saved pipeline
        config = Config().from_disk(config_path, interpolate=False)
        return config.get("components", {}).get(self.name)


class TorchHeadPipe(LoadTimeSettings, TrainablePipe):
    """A TrainablePipe whose model is built by ``build_torch_head``.

    The torch module's input width and output size live in ``self.cfg`` so the model can be
    rebuilt before its weights are loaded, without any training data.

    optimizer: the head's own thinc optimizer (a block such as ``[components.drug_ner.optimizer]``
    with ``@optimizers = "Adam.v1"``), used instead of the pipeline's ``[training.optimizer]``
    for this head's weights, e.g. so the heads learn at 1e-3 while the encoder needs a far
    smaller rate; None (the default): the pipeline's optimizer. With ``use_averages``, the
    head's averages are used wherever spaCy uses the pipeline's (evaluation during training,
    the saved pipeline). Like spaCy's own optimizer state, it is not saved with the pipeline.

    Subclasses give the model's training input (:meth:`training_input`) and the loss
    (``get_loss``); :meth:`update` is written once, here.
    """

    # Attributes of the model's top layer that only bound memory at prediction: the saved
    # model would restore its own value, so the value of the config that built the pipeline
    # (and so a load-time override) is put back after loading.
    PREDICTION_MODEL_ATTRS: Tuple[str, ...] = ()

    def __init__(
        self, vocab, model, name: str, *, optimizer: Optional[Optimizer] = None,
        scorer: Optional[Callable] = None, **cfg,
    ) -> None:
        self.vocab = vocab
        self.model = share_pooling(model)  # heads on one transformer pool its output once
        self.name = name
        self.scorer = scorer
        self.optimizer = optimizer
        self.cfg: Dict = dict(cfg)
        self._remember_configured(cfg)
        _register_fork_hook()

    def training_input(self, examples: List[Example]) -> Tuple[Any, dict]:
        """The model's input for ``examples`` in training, and the keyword arguments that
        ``get_loss`` takes besides the examples and the outputs (override)."""
        return [eg.predicted for eg in examples], {}

    def update(self, examples, *, drop=0.0, sgd=None, losses=None):
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        validate_examples(examples, f"{type(self).__name__}.update")
        set_dropout_rate(self.model, drop)
        X, loss_kwargs = self.training_input(examples)
        outputs, backprop = self.model.begin_update(X)
        loss, d_outputs = self.get_loss(examples, outputs, **loss_kwargs)
        # Always backprop, even with zeros (a batch with nothing to learn from): the shared
        # encoder only updates from the last listener's callback.
        backprop(d_outputs)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def finish_update(self, sgd) -> None:
        """Update the head's weights with its own optimizer if it has one, else with ``sgd``."""
        if self.optimizer is None:
            return super().finish_update(sgd)
        self.model.finish_update(self.optimizer)
        self.optimizer.step_schedules()

    def use_params(self, params: dict):
        """Use ``params`` (the pipeline optimizer's averages), and the head's own
        optimizer's averages when it has them, for the duration of the block (a generator,
        as spaCy's ``Language.use_params`` drives it)."""
        own = self.optimizer.averages if self.optimizer is not None else None
        with self.model.use_params({**(params or {}), **own} if own else params):
            yield

    def _store_dims(self) -> None:
        self.cfg["nI"] = self.model.get_dim("nI")

    def _build_for_loading(self) -> None:
        if self.model.has_ref("torch"):
            return
        if "nI" not in self.cfg:
            raise ValueError(
                f"[{self.name}] The saved pipeline has no 'nI' in its cfg: it was not "
                "initialized before it was saved, or it was saved by another version."
            )
        self._set_model_dims()
        self.model.set_dim("nI", self.cfg["nI"])
        self.model.initialize()

    def _set_model_dims(self) -> None:
        """Set dims derived from labels before the model is built (override)."""

    def _configured_model_attrs(self) -> dict:
        return {k: self.model.attrs[k] for k in self.PREDICTION_MODEL_ATTRS if k in self.model.attrs}

    def to_bytes(self, *, exclude=tuple()):
        serialize = {
            "cfg": lambda: srsly.json_dumps(self._saved_cfg()),
            "model": lambda: self.model.to_bytes(),
        }
        return util.to_bytes(serialize, exclude)

    def from_bytes(self, bytes_data, *, exclude=tuple()):
        def load_model(b):
            self._build_for_loading()
            configured = self._configured_model_attrs()
            self.model.from_bytes(b)
            self.model.attrs.update(configured)

        deserialize = {
            "cfg": lambda b: self._load_cfg(srsly.json_loads(b)),
            "model": load_model,
        }
        util.from_bytes(bytes_data, deserialize, exclude)
        return self

    def to_disk(self, path, *, exclude=tuple()):
        serialize = {
            "cfg": lambda p: srsly.write_json(p, self._saved_cfg()),
            "model": lambda p: self.model.to_disk(p),
        }
        util.to_disk(path, serialize, exclude)

    def from_disk(self, path, *, exclude=tuple()):
        def load_model(p):
            self._build_for_loading()
            configured = self._configured_model_attrs()
            self.model.from_disk(p)
            self.model.attrs.update(configured)

        deserialize = {
            "cfg": lambda p: self._load_cfg(srsly.read_json(p), self._saved_pipeline_config(path)),
            "model": load_model,
        }
        util.from_disk(Path(path), deserialize, exclude)
        return self

    def __call__(self, doc):
        install_extensions()
        return super().__call__(doc)

    def pipe(self, stream, *, batch_size=128):
        install_extensions()
        yield from super().pipe(stream, batch_size=batch_size)


# The default encoder of every head's model: a listener to the pipeline's transformer (each
# component's default model config ends with it).
LISTENER_CONFIG = """
[model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.tok2vec.pooling]
@layers = "reduce_mean.v1"
"""

# What every head trained with the logit-adjusted loss adds to its factory's default config.
PRIOR_HEAD_DEFAULTS = {
    "loss": {"@misc": "spacy-ddi.LogitAdjusted.v1", "weight": 1.0, "tau": 1.0},
    "optimizer": None,
    "prior_at_inference": 0.0,
}


class PriorHeadPipe(TorchHeadPipe):
    """A head over a label set trained with the logit-adjusted loss (drug_ner,
    dstc_relations, pair_relations). Their shared options:

    loss: a :class:`LogitAdjustedLoss` (the ``loss`` block); the log class priors are counted
    on the training data at ``initialize`` (``cfg["log_priors"]``).
    optimizer: the head's own optimizer or None (see :class:`TorchHeadPipe`).
    prior_at_inference: add this multiple of the log priors to the scores at prediction time
    (kept in ``cfg``; a prediction-time setting).
    """

    PREDICTION_SETTINGS = ("prior_at_inference",)

    def __init__(
        self,
        vocab,
        model,
        name: str,
        *,
        labels: Sequence[str],
        loss: Optional[LogitAdjustedLoss] = None,
        optimizer: Optional[Optimizer] = None,
        prior_at_inference: float = 0.0,
        scorer: Optional[Callable] = None,
        **cfg,
    ) -> None:
        super().__init__(
            vocab, model, name, optimizer=optimizer, scorer=scorer, labels=list(labels),
            prior_at_inference=prior_at_inference, **cfg, log_priors=None,
        )
        self.loss = loss if loss is not None else LogitAdjustedLoss()

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def label_data(self):
        return list(self.labels)

    @property
    def _label_index(self) -> Dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    # -- initialize: one sequence for every head; each head says how to count its classes

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp=None, labels: Optional[Sequence[str]] = None) -> None:
        """Set the labels, count the class priors on the training data (``cfg["log_priors"]``),
        size the model's output and initialize it on a sample of 10 docs."""
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        self._initialize_labels(get_examples, labels)
        counts = numpy.zeros((self._n_classes(),))
        sample = []
        for eg in get_examples():
            counts += self._class_counts(eg)
            if len(sample) < 10:
                sample.append(eg.predicted)
        self.cfg["log_priors"] = log_priors(counts)
        self._set_model_dims()
        self.model.initialize(X=self._initialize_input(sample))
        self._store_dims()

    def _initialize_labels(self, get_examples, labels: Optional[Sequence[str]]) -> None:
        """Take or check the labels given to ``initialize`` (a head with fixed labels refuses others)."""

    def _n_classes(self) -> int:
        return len(self.labels)

    def _class_counts(self, example: Example) -> numpy.ndarray:
        """How often each class is a gold target in ``example`` (for the class priors)."""
        raise NotImplementedError

    def _initialize_input(self, sample: List):
        return sample

    def training_log_prior(self) -> Optional[numpy.ndarray]:
        """tau x log priors to add to the scores in training, or None (no adjustment)."""
        return self.loss.training_log_prior(self.cfg["log_priors"])

    def inference_log_prior(self) -> Optional[numpy.ndarray]:
        """prior_at_inference x log priors to add to the scores at prediction, or None."""
        if not self.cfg.get("prior_at_inference") or self.cfg["log_priors"] is None:
            return None
        return self.cfg["prior_at_inference"] * numpy.asarray(self.cfg["log_priors"], dtype="float32")
