"""drug_ner: BIO drug NER with a linear-chain CRF on the shared encoder; writes doc.ents."""
import re
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import numpy
import torch
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer, torch2xp, xp2torch

from ..extensions import ENTITY_LABELS
from ..layers.torch_head import torch_device, torch_module
from ..losses import LogitAdjustedLoss
from ..pipe import LISTENER_CONFIG, PRIOR_HEAD_DEFAULTS, PriorHeadPipe

DEFAULT_NER_MODEL = """
[model]
@architectures = "spacy-ddi.CRFTagger.v1"
hidden_width = 256
dropout = 0.1
""" + LISTENER_CONFIG


@Language.factory(
    "drug_ner",
    assigns=["doc.ents"],
    default_config={
        "model": Config().from_str(DEFAULT_NER_MODEL)["model"],
        **PRIOR_HEAD_DEFAULTS,
        "decoder": "crf",
        "join_attached": False,
        "scorer": {"@scorers": "spacy-ddi.ner_scorer.v1"},
    },
    default_score_weights={"ents_f": 0.5, "ents_p": 0.0, "ents_r": 0.0},
)
def make_drug_ner(
    nlp: Language,
    name: str,
    model: Model,
    loss: LogitAdjustedLoss,
    optimizer: Optional[Optimizer],
    prior_at_inference: float,
    decoder: str,
    join_attached: bool,
    scorer: Optional[Callable],
) -> "DrugNER":
    return DrugNER(
        nlp.vocab, model, name, loss=loss, optimizer=optimizer,
        prior_at_inference=prior_at_inference, decoder=decoder, join_attached=join_attached,
        scorer=scorer,
    )


# what may follow a drug name with no space between and still belong to it: a number or a
# bracketed number ("dmPGE2", "InsP(3)")
ATTACHED_SUFFIX = re.compile(r"\d+|\(\d+\)")
# what may come before a drug name with no space between and still belong to it: the first
# locants of a chemical name ("1," of "1,3-difluoro-2-propanol", "16," of
# "16,16-dimethylprostaglandin E2", "2,2'," ...), or a bracketed stereo descriptor and its
# hyphen ("(-)-", "(+)-", "(R)-", "(2S,3R)-")
ATTACHED_PREFIX = re.compile(r"(?:\d+'*,)+|\((?:[+\-±]|\d*[RSEZ](?:,\d*[RSEZ])*)\)-")


def join_attached_spans(doc: Doc, spans: List[Span]) -> List[Span]:
    """Entities as a chemical name's pieces become one: two entities with no token and no space
    between them merge ("1," + "3-difluoro-2-propanol", "Na" + "Flu"), taking the label of the
    longer piece; an entity followed, with no space, by a number or a bracketed number takes it
    in ("dmPGE" + "2", "InsP" + "(3)"); an entity preceded, with no space, by the first locants
    of a chemical name or a bracketed stereo descriptor takes them in ("1," +
    "3-difluoro-2-propanol", "(-)-" + "erythro-fluorocitrate"). A citation mark written without
    a space ("aspirin(12)") is taken in too: spacy-ddi tune keeps the setting only where dev
    says it helps."""
    merged: List[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        last = merged[-1] if merged else None
        if last is not None and last.end == span.start and not doc[last.end - 1].whitespace_:
            label = last.label_ if len(last) >= len(span) else span.label_
            merged[-1] = Span(doc, last.start, span.end, label=label)
        else:
            merged.append(span)
    joined = []
    for k, span in enumerate(merged):
        limit = merged[k + 1].start if k + 1 < len(merged) else len(doc)
        end, best = span.end, span.end
        while end < limit and not doc[end - 1].whitespace_:
            end += 1
            if ATTACHED_SUFFIX.fullmatch(doc[span.end:end].text):
                best = end
        floor = joined[-1].end if joined else 0
        start, first = span.start, span.start
        while start > floor and not doc[start - 1].whitespace_:
            start -= 1
            if ATTACHED_PREFIX.fullmatch(doc[start:span.start].text):
                first = start
        if (first, best) != (span.start, span.end):
            span = Span(doc, first, best, label=span.label_)
        joined.append(span)
    return joined


def bio_tags(labels: Sequence[str]) -> List[str]:
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]


def allowed_transitions(tags: Sequence[str]) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """BIO validity: I-X only after B-X or I-X, and never first."""
    n = len(tags)
    allowed = numpy.ones((n, n), dtype=bool)
    start = numpy.ones((n,), dtype=bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            start[j] = False
            for i, prev in enumerate(tags):
                allowed[i, j] = prev[2:] == tag[2:] and prev != "O"
    return allowed, start


class DrugNER(PriorHeadPipe):
    """Drug NER as BIO tagging with a CRF (paper section 3.4.1, DNER).

    loss: the ``spacy-ddi.LogitAdjusted.v1`` block: train on emissions shifted by
    tau * log(tag prior), the logit-adjusted loss; prediction uses the unshifted emissions plus
    prior_at_inference * log(tag prior) (0, the default, is the paper's rule).
    optimizer: the head's own optimizer, or None for the pipeline's.
    decoder: "crf" (the paper's: CRF likelihood, BIO-constrained Viterbi) or "softmax" (an
    ablation: per-token cross-entropy and argmax; an I- tag that does not continue an entity
    of its type is dropped). The CRF's transitions exist in both, unused by "softmax".
    join_attached: a prediction setting (``spacy-ddi tune`` chooses it on dev): join
    entities that are pieces of one chemical name (:func:`join_attached_spans`); the corpus'
    tokenizer splits names such as "1,3-difluoro-2-propanol" or "NaFlu" into tokens that the
    tagger labels as separate entities.
    """

    PREDICTION_SETTINGS = ("prior_at_inference", "join_attached")

    DECODERS = ("crf", "softmax")

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "drug_ner",
        *,
        loss: Optional[LogitAdjustedLoss] = None,
        optimizer: Optional[Optimizer] = None,
        prior_at_inference: float = 0.0,
        decoder: str = "crf",
        join_attached: bool = False,
        scorer: Optional[Callable] = None,
    ) -> None:
        if decoder not in self.DECODERS:
            raise ValueError(f"[{name}] decoder must be one of {self.DECODERS}, not {decoder!r}")
        super().__init__(
            vocab, model, name, labels=[], loss=loss, optimizer=optimizer,
            prior_at_inference=prior_at_inference, scorer=scorer, decoder=decoder,
            join_attached=join_attached,
        )

    @property
    def tags(self) -> List[str]:
        return bio_tags(self.labels)

    def add_label(self, label: str) -> int:
        if label in self.cfg["labels"]:
            return 0
        if self.model.has_ref("torch"):
            raise ValueError(f"[{self.name}] Cannot add label {label!r} after initialization")
        self.cfg["labels"].append(label)
        return 1

    def _set_model_dims(self) -> None:
        self.model.set_dim("nO", len(self.tags))

    def _initialize_labels(self, get_examples, labels) -> None:
        """The labels given, or those of the training data (the corpus' types first)."""
        if labels is None:
            found = {ent.label_ for eg in get_examples() for ent in eg.reference.ents}
            labels = [l for l in ENTITY_LABELS if l in found] + sorted(found - set(ENTITY_LABELS))
        for label in labels:
            self.add_label(label)
        if not self.labels:
            raise ValueError(f"[{self.name}] No entity labels in the training data")
        self._tag_index = {t: i for i, t in enumerate(self.tags)}

    def _n_classes(self) -> int:
        return len(self.tags)

    def _class_counts(self, example: Example) -> numpy.ndarray:
        counts = numpy.zeros((len(self.tags),))
        for tag in self._gold_tags(example):
            counts[self._tag_index.get(tag, 0)] += 1
        return counts

    def _gold_tags(self, example: Example) -> List[str]:
        tags = []
        for biluo in example.get_aligned_ner():
            if biluo in (None, "-", "", "O") or biluo[2:] not in self.cfg["labels"]:
                tags.append("O")
            elif biluo[0] in "BU":
                tags.append("B-" + biluo[2:])
            else:
                tags.append("I-" + biluo[2:])
        return tags

    def predict(self, docs: Iterable[Doc]):
        """(segments, best tags of each segment), decoded group by group on the module's
        device (Viterbi, or argmax with the softmax decoder)."""
        docs = list(docs)
        segments, groups = self.model.predict(docs)
        ops = self.model.ops
        module, device = torch_module(self.model), torch_device(self.model)
        allowed, start = allowed_transitions(self.tags)
        allowed = torch.as_tensor(allowed, device=device)  # small bool masks: no DLPack
        start = torch.as_tensor(start, device=device)
        prior = self.inference_log_prior()
        prior = None if prior is None else xp2torch(ops.asarray1f(prior), device=device)
        best_tags: List[numpy.ndarray] = [None] * len(segments)
        for index, emissions in groups:
            lengths = numpy.asarray([segments[k][2] - segments[k][1] for k in index], dtype="int64")
            em = xp2torch(emissions, device=device)
            if prior is not None:
                em = em + prior
            lengths_t = xp2torch(ops.asarray(lengths), device=device)
            if self.cfg.get("decoder", "crf") == "softmax":
                best = module.argmax_tags(em, lengths_t)
            else:
                best = module.viterbi(em, lengths_t, allowed, start)
            best = ops.to_numpy(torch2xp(best))
            for row, k in enumerate(index):
                best_tags[k] = best[row, : lengths[row]]
        return segments, best_tags

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        docs = list(docs)
        segments, best = predictions
        tags = self.tags
        spans: List[List[Span]] = [[] for _ in docs]
        for row, (i, start, end) in enumerate(segments):
            doc = docs[i]
            ent_start, ent_label = None, None
            for offset in range(end - start + 1):
                tag = tags[best[row][offset]] if offset < end - start else "O"
                if ent_start is not None and not (tag.startswith("I-") and tag[2:] == ent_label):
                    spans[i].append(Span(doc, start + ent_start, start + offset, label=ent_label))
                    ent_start = None
                if tag.startswith("B-"):
                    ent_start, ent_label = offset, tag[2:]
        join = bool(self.cfg.get("join_attached"))
        for doc, doc_spans in zip(docs, spans):
            doc.ents = join_attached_spans(doc, doc_spans) if join else doc_spans

    def get_loss(self, examples, predictions):
        """CRF negative log-likelihood on the (logit-adjusted) emissions, and its gradient."""
        segments, emissions = predictions
        ops = self.model.ops
        if not segments:
            return 0.0, ops.alloc3f(*emissions.shape)
        tag_index = {t: i for i, t in enumerate(self.tags)}
        gold = [[tag_index[t] for t in self._gold_tags(eg)] for eg in examples]
        n_seg, max_len, _ = emissions.shape
        tags = numpy.zeros((n_seg, max_len), dtype="int64")
        for row, (i, start, end) in enumerate(segments):
            tags[row, : end - start] = gold[i][start:end]
        lengths = numpy.asarray([end - start for _, start, end in segments], dtype="int64")
        module, device = torch_module(self.model), torch_device(self.model)
        em = xp2torch(emissions, requires_grad=True, device=device)
        prior = self.training_log_prior()
        adjusted = em if prior is None else em + xp2torch(ops.asarray1f(prior), device=device)
        tags_t = xp2torch(ops.asarray(tags), device=device)
        lengths_t = xp2torch(ops.asarray(lengths), device=device)
        if self.cfg.get("decoder", "crf") == "softmax":
            nll = module.token_cross_entropy(adjusted, tags_t, lengths_t) / n_seg
        else:
            nll = module.negative_log_likelihood(adjusted, tags_t, lengths_t) / n_seg
        (nll * self.loss.weight).backward()
        return float(nll.item()), ops.asarray3f(torch2xp(em.grad))
