"""The drug-name lexicon feature of drug_ner: tags, training, saving, loading without the package."""
import pytest
import spacy

from spacy_ddi.linking import vocabulary as vocabulary_module
from spacy_ddi.linking.lexicon import BEGIN, INSIDE, OUTSIDE, lexicon_names, lexicon_tags
from spacy_ddi.linking.vocabulary import VocabularyError

from .conftest import blank_nlp, overfit, train_examples


def test_names_fit_for_matching():
    assert lexicon_names(["Warfarin  Sodium", "a", "12", "5-FU", "warfarin sodium"]) == ["5-fu", "warfarin sodium"]


def test_tags_take_the_longest_name_left_to_right():
    nlp = spacy.blank("en")
    doc = nlp("Warfarin sodium and beta blockers, not warfarin-like drugs.")
    names = frozenset({"warfarin", "warfarin sodium", "beta blockers", "drugs"})
    tags = list(lexicon_tags(doc, names))
    assert tags == [BEGIN, INSIDE, OUTSIDE, BEGIN, INSIDE, OUTSIDE, OUTSIDE, BEGIN, OUTSIDE, OUTSIDE, BEGIN, OUTSIDE]
    assert list(lexicon_tags(nlp(""), names)) == []


@pytest.mark.slow
def test_ner_with_the_lexicon_learns_saves_and_loads_without_the_package(tiny_encoder, tmp_path, monkeypatch):
    nlp = blank_nlp(tiny_encoder, heads=("drug_ner",), configs={"drug_ner": {"model": {"lexicon_width": 8}}})
    examples = train_examples(nlp)
    first, last = overfit(nlp, examples, n_iter=60)
    assert last["drug_ner"] < first["drug_ner"] / 10
    model = nlp.get_pipe("drug_ner").model
    assert model.attrs["lexicon_width"] == 8 and "ketoconazole" in model.attrs["lexicon"]
    texts = [eg.reference.text for eg in examples]
    expected = [[(e.text, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    assert expected == [[(e.text, e.label_) for e in eg.reference.ents] for eg in examples]
    nlp.to_disk(tmp_path / "nlp")

    def no_package():
        raise VocabularyError("not installed")

    monkeypatch.setattr(vocabulary_module, "dictionary_path", no_package)
    loaded = spacy.load(tmp_path / "nlp")
    assert [[(e.text, e.label_) for e in doc.ents] for doc in loaded.pipe(texts)] == expected
