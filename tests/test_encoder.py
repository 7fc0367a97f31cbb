"""The encoder architecture's frozen_layers option: frozen weights stay, the rest train."""
import pytest
import spacy
import torch
from thinc.api import Config

from spacy_ddi.text import create_drug_tokenizer
from spacy_ddi.encoders import resolve_encoder

from .conftest import TRANSFORMER_CONFIG, train_examples


@pytest.fixture(scope="module")
def two_layer_encoder(tmp_path_factory):
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = tmp_path_factory.mktemp("two_layer_bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("all-MiniLM-L6-v2"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=512)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def nlp_on(encoder: str, frozen_layers: int):
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    nlp.add_pipe("ddi_sentences")
    config = Config().from_str(TRANSFORMER_CONFIG.format(name=encoder))
    config["model"]["frozen_layers"] = frozen_layers
    nlp.add_pipe("transformer", config=config)
    nlp.add_pipe("drug_ner")
    return nlp


def hf_model(nlp):
    return nlp.get_pipe("transformer").model.layers[0].shims[0]._hfmodel.transformer


def test_frozen_layers_keep_their_weights_and_the_rest_trains(two_layer_encoder):
    nlp = nlp_on(two_layer_encoder, frozen_layers=1)
    examples = train_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    bert = hf_model(nlp)
    before = {name: p.detach().clone() for name, p in bert.named_parameters()}
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    changed = {name for name, p in bert.named_parameters() if not torch.equal(p, before[name])}
    frozen = {name for name in before if name.startswith(("embeddings.", "encoder.layer.0."))}
    assert frozen and not (changed & frozen)
    trainable = {name for name in before if name.startswith("encoder.layer.1.")}
    assert trainable <= changed
    assert all(not p.requires_grad for n, p in bert.named_parameters() if n in frozen)


def test_no_frozen_layers_trains_the_embeddings(two_layer_encoder):
    nlp = nlp_on(two_layer_encoder, frozen_layers=0)
    examples = train_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    bert = hf_model(nlp)
    before = bert.embeddings.word_embeddings.weight.detach().clone()
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    assert not torch.equal(bert.embeddings.word_embeddings.weight, before)


def test_more_frozen_layers_than_the_encoder_has_is_refused(two_layer_encoder):
    nlp = nlp_on(two_layer_encoder, frozen_layers=3)
    examples = train_examples(nlp)
    with pytest.raises(ValueError, match="frozen_layers=3, but the encoder has only 2 layers"):
        nlp.initialize(lambda: examples)
