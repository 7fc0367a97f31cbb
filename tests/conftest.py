"""Fixtures: a tiny BERT built in the test session (no download) and small pipelines on it."""
import shutil

import pytest
import spacy
from spacy.training import Example
from thinc.api import Config

import spacy_ddi
from spacy_ddi.text import create_drug_tokenizer
from spacy_ddi.encoders import resolve_encoder
from spacy_ddi.extensions import Interaction

TRANSFORMER_CONFIG = """
[model]
@architectures = "spacy-ddi.OfflineTransformerModel.v1"
name = "{name}"
tokenizer_config = {{"use_fast": true}}

[model.get_spans]
@span_getters = "spacy-ddi.sentence_windows.v1"
window = 64
stride = 48
"""

# (text, entities as (text, label), interactions as (subject, object, label))
TRAIN_DATA = [
    (
        "Ketoconazole increases the plasma concentration of midazolam.",
        [("Ketoconazole", "DRUG"), ("midazolam", "DRUG")],
        [("Ketoconazole", "midazolam", "MECHANISM")],
    ),
    (
        "Aspirin may enhance the anticoagulant effect of warfarin in NSAIDs users.",
        [("Aspirin", "BRAND"), ("warfarin", "DRUG"), ("NSAIDs", "GROUP")],
        [("Aspirin", "warfarin", "EFFECT"), ("Aspirin", "NSAIDs", "FALSE"), ("warfarin", "NSAIDs", "FALSE")],
    ),
    (
        "Patients taking lithium should avoid diuretics.",
        [("lithium", "DRUG"), ("diuretics", "GROUP")],
        [("lithium", "diuretics", "ADVISE")],
    ),
    (
        "No interactions were seen with placebo tablets.",
        [],
        [],
    ),
]


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory):
    """A 1-layer, 32-wide BERT with the MiniLM vocabulary, saved to a temporary folder."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("all-MiniLM-L6-v2"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def blank_nlp(
    tiny_encoder: str, heads=("drug_ner", "dstc_relations", "sentence_flags"), configs=None
):
    """A pipeline on the tiny encoder; ``configs`` maps a head to its config overrides."""
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    nlp.add_pipe("ddi_sentences")
    nlp.add_pipe("transformer", config=Config().from_str(TRANSFORMER_CONFIG.format(name=tiny_encoder)))
    for head in heads:
        nlp.add_pipe(head, config=(configs or {}).get(head, {}))
    return nlp


def short_training_overrides(train, dev, encoder: str, max_steps: int, eval_frequency: int, **more) -> dict:
    """``spacy train`` overrides for a few steps of a shipped config on the tiny encoder."""
    return {
        "paths.train": str(train),
        "paths.dev": str(dev),
        "components.transformer.model.name": encoder,
        "training.max_steps": max_steps,
        "training.eval_frequency": eval_frequency,
        "training.optimizer.learn_rate.warmup_steps": 1,
        **more,
    }


def annotated_doc(nlp, text, ents, rels):
    """A Doc of ``text`` with entities (word, label) and interactions (subject, object, label)."""
    doc = nlp.make_doc(text)
    spans = {}
    for word, label in ents:
        start = text.index(word)
        spans[word] = doc.char_span(start, start + len(word), label=label)
    doc.ents = list(spans.values())
    doc._.ddis = [Interaction(spans[a], spans[b], label) for a, b, label in rels]
    return doc


def make_example(nlp, text, ents, rels) -> Example:
    return Example(nlp.make_doc(text), annotated_doc(nlp, text, ents, rels))


def train_examples(nlp):
    return [make_example(nlp, *row) for row in TRAIN_DATA]


def overfit(nlp, examples, n_iter=80):
    """Train until the data are learnt; return the first and last loss of each component."""
    from thinc.api import fix_random_seed

    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    first = last = None
    for _ in range(n_iter):
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        first = first or dict(losses)
        last = losses
    return first, last


@pytest.fixture(scope="session")
def trained_nlp(tiny_encoder):
    """The full pipeline overfitted on TRAIN_DATA, with drug_linker (shared by the round-trip tests)."""
    nlp = blank_nlp(tiny_encoder, heads=("drug_ner", "drug_linker", "dstc_relations", "sentence_flags"))
    overfit(nlp, train_examples(nlp))
    return nlp


@pytest.fixture(scope="session")
def model_dir(trained_nlp, tmp_path_factory):
    """``trained_nlp`` saved to a folder, for the commands that load a pipeline by path."""
    path = tmp_path_factory.mktemp("model") / "pipeline"
    trained_nlp.to_disk(path)
    return path


def find_chromium():
    """The path of a Chromium-family browser for the browser tests, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None
