"""Whole documents: a sentence gets the same answers alone and among neighbours, and the
transformer's length-grouped prediction changes nothing but the speed."""
import numpy
import pytest
from spacy.tokens import Doc

from spacy_ddi.layers.segments import length_groups
from spacy_ddi.layers.sentence_spans import get_sentence_windows

from .conftest import TRAIN_DATA


def sentence_answers(doc: Doc):
    """Per sentence: its entities, interactions (with scores) and flags, in sentence offsets."""
    out = []
    for sent in doc.sents:
        ents = [(e.start_char - sent.start_char, e.end_char - sent.start_char, e.label_) for e in sent.ents]
        ddis = [
            (
                d.subject.start_char - sent.start_char,
                d.object.start_char - sent.start_char,
                d.label,
                d.score,
            )
            for d in doc._.ddis
            if sent.start <= d.subject.start and d.object.end <= sent.end
        ]
        out.append((sent.text, ents, ddis, sent._.enc_prob, sent._.pdc_prob))
    return out


def assert_same_answers(alone, inside):
    text, ents, ddis, enc, pdc = alone
    assert inside[0] == text
    assert inside[1] == ents
    assert [d[:3] for d in inside[2]] == [d[:3] for d in ddis]
    assert numpy.allclose([d[3] for d in inside[2]], [d[3] for d in ddis], atol=1e-4)
    assert inside[3] == pytest.approx(enc, abs=1e-4)
    assert inside[4] == pytest.approx(pdc, abs=1e-4)


@pytest.mark.parametrize("repeats", [1, 2, 5])
def test_sentence_answers_do_not_depend_on_neighbours(trained_nlp, repeats):
    texts = [row[0] for row in TRAIN_DATA]
    alone = [sentence_answers(trained_nlp(text))[0] for text in texts]
    assert any(a[2] for a in alone), "the trained pipeline should find interactions"
    document = " ".join(texts * repeats)
    inside = sentence_answers(trained_nlp(document))
    assert len(inside) == len(texts) * repeats
    for k, answer in enumerate(inside):
        assert_same_answers(alone[k % len(texts)], answer)


def test_long_sentence_is_encoded_in_windows_within_it(trained_nlp):
    """A sentence longer than the window is cut inside itself, never joined to the next."""
    nlp = trained_nlp
    long_sentence = "Ketoconazole increases " + "the plasma " * 50 + "concentration of midazolam."
    doc = nlp.make_doc(long_sentence + " Patients taking lithium should avoid diuretics.")
    doc = nlp.get_pipe("ddi_sentences")(doc)
    sents = list(doc.sents)
    assert len(sents) == 2
    spans = get_sentence_windows([doc], window=64, stride=48)[0]
    assert len(spans) > 2
    assert all(s.end <= sents[0].end or s.start >= sents[1].start for s in spans)
    covered = {i for s in spans for i in range(s.start, s.end)}
    assert covered == set(range(len(doc)))
    second_alone = sentence_answers(nlp("Patients taking lithium should avoid diuretics."))[0]
    assert_same_answers(second_alone, sentence_answers(nlp(doc.text))[1])


def test_length_grouped_prediction_matches_one_padded_batch(trained_nlp):
    nlp = trained_nlp
    model = nlp.get_pipe("transformer").model
    texts = [row[0] for row in TRAIN_DATA] + [" ".join(row[0] for row in TRAIN_DATA)] * 2
    docs = [nlp.get_pipe("ddi_sentences")(nlp.make_doc(t)) for t in texts]
    budget = model.attrs["prediction_batch_wordpieces"]
    assert budget > 0
    try:
        model.attrs["prediction_batch_wordpieces"] = 16  # many small groups
        grouped = model.predict(docs)
        model.attrs["prediction_batch_wordpieces"] = 0
        single = model.predict(docs)
    finally:
        model.attrs["prediction_batch_wordpieces"] = budget
    assert_same_doc_data(grouped.doc_data, single.doc_data)
    # the whole batch's layout, for annotation setters that read it, is the one-batch layout
    mask = single.wordpieces.attention_mask.astype(bool)
    assert grouped.model_output.last_hidden_state.shape == single.model_output.last_hidden_state.shape
    assert numpy.allclose(
        grouped.model_output.last_hidden_state.numpy()[mask],
        single.model_output.last_hidden_state.numpy()[mask],
        atol=1e-5,
    )


def assert_same_doc_data(grouped, single):
    """Each doc's wordpieces, their vectors and the pooled token vectors agree; the grouped
    data is padded to the doc's own longest span only."""
    from spacy_transformers.layers.trfs2arrays import trfs2arrays
    from thinc.api import reduce_mean

    pool = trfs2arrays(reduce_mean(), 1.0)
    assert len(grouped) == len(single)
    for x, y in zip(grouped, single):
        lengths = y.wordpieces.attention_mask.astype("int64").sum(axis=1)
        assert x.model_output.last_hidden_state.shape[1] == lengths.max()
        for j, n in enumerate(lengths):
            assert (x.wordpieces.input_ids[j, :n] == y.wordpieces.input_ids[j, :n]).all()
            assert numpy.allclose(
                x.model_output.last_hidden_state[j, :n], y.model_output.last_hidden_state[j, :n], atol=1e-5
            )
        assert x.align.lengths.tolist() == y.align.lengths.tolist()
        (px,), _ = pool([x], is_train=False)
        (py,), _ = pool([y], is_train=False)
        assert px.shape == py.shape and numpy.allclose(px, py, atol=1e-5)


def test_literal_pad_tokens_are_encoded(trained_nlp):
    """A "[PAD]" in the text is a pad wordpiece the attention mask keeps: grouped prediction
    must encode it like one padded batch does."""
    nlp = trained_nlp
    model = nlp.get_pipe("transformer").model
    docs = [nlp.get_pipe("ddi_sentences")(nlp.make_doc(t)) for t in
            ["aspirin [PAD] [PAD] warfarin increases bleeding", "Lithium and diuretics interact strongly today."]]
    budget = model.attrs["prediction_batch_wordpieces"]
    try:
        model.attrs["prediction_batch_wordpieces"] = 8
        grouped = model.predict(docs).doc_data
        model.attrs["prediction_batch_wordpieces"] = 0
        single = model.predict(docs).doc_data
    finally:
        model.attrs["prediction_batch_wordpieces"] = budget
    assert_same_doc_data(grouped, single)


def test_rows_of_a_big_sentence_are_split_over_chunks():
    from spacy_ddi.relations.dstc_model import _row_chunks

    segments = [(0, 0, 1000), (1, 0, 10)]
    rows = numpy.asarray([(0, k, k + 1) for k in range(50)] + [(1, 0, 1), (1, 2, 3)])
    chunks = _row_chunks(rows, segments, budget=16384)
    assert sorted(int(r) for c in chunks for r in c) == list(range(52))
    longest = {0: 1000, 1: 10}
    for chunk in chunks:
        assert len(chunk) * max(longest[int(rows[r, 0])] for r in chunk) <= 16384


def test_pipe_keeps_input_order(trained_nlp):
    texts = [row[0] for row in TRAIN_DATA]
    mixed = [texts[0], " ".join(texts * 3), texts[2], " ".join(texts), texts[1]]
    one_by_one = [trained_nlp(t) for t in mixed]
    piped = list(trained_nlp.pipe(mixed, batch_size=5))
    for a, b in zip(one_by_one, piped):
        assert a.text == b.text
        assert [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents]
        assert [r[:5] for r in a._.ddi_records] == [r[:5] for r in b._.ddi_records]


def test_length_groups():
    lengths = numpy.asarray([5, 30, 7, 6, 100, 8])
    groups = length_groups(lengths, budget=24)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for g in groups:
        assert len(g) == 1 or len(g) * lengths[g].max() <= 24
    assert [list(g) for g in groups] == [[0, 3, 2], [5], [1], [4]]


def test_a_700_token_sentence_loses_nothing(trained_nlp):
    """Every pair of drugs in a long sentence is scored, no entity is cut, every sentence
    has its flags (the heads used to cut sentences at 256 tokens)."""
    nlp = trained_nlp
    words = []
    drugs = ["Ketoconazole", "midazolam", "lithium", "warfarin", "Aspirin"]
    for k in range(700):
        words.append(drugs[k // 140] if k % 140 == 70 else "and")
    text = " ".join(words) + ". Patients taking lithium should avoid diuretics."
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(t.idx, t.idx + len(t), label="DRUG") for t in doc if t.text in drugs + ["diuretics"]]
    dstc = nlp.get_pipe("dstc_relations")
    dstc.cfg["store_false"] = True
    try:
        for name in ("ddi_sentences", "transformer", "dstc_relations", "sentence_flags"):
            doc = nlp.get_pipe(name)(doc)
    finally:
        dstc.cfg["store_false"] = False
    sents = list(doc.sents)
    assert len(sents) == 2 and len(sents[0]) > 700
    pairs = {(d.subject.text, d.object.text) for d in doc._.ddis}
    in_long = [e.text for e in doc.ents if e.end <= sents[0].end]
    assert len(in_long) == 5
    assert pairs >= {(a, b) for i, a in enumerate(in_long) for b in in_long[i + 1 :]}
    assert all(d.subject.sent == d.object.sent for d in doc._.ddis)
    assert all(s._.enc_prob is not None and s._.pdc_prob is not None for s in sents)


def test_heads_pool_the_transformer_output_once(trained_nlp, monkeypatch):
    from spacy_transformers.layers.trfs2arrays import forward as pooling_forward

    import spacy_ddi.layers.shared_pooling as shared

    nodes = [
        node for _, proc in trained_nlp.pipeline if hasattr(proc, "model") and hasattr(proc.model, "walk")
        for node in proc.model.walk() if node.name == "trfs2arrays"
    ]
    assert len(nodes) >= 2 and all(node._func is shared.shared_trfs2arrays_forward for node in nodes)
    calls = []

    def counting(function):
        def counted(trf_datas, *args):
            calls.append(len(trf_datas))
            return function(trf_datas, *args)
        return counted

    monkeypatch.setattr(shared, "mean_pool", counting(shared.mean_pool))
    monkeypatch.setattr(shared, "trfs2arrays_forward", lambda model, datas, is_train: counting(
        lambda d: pooling_forward(model, d, is_train))(datas))
    doc = trained_nlp(" ".join(row[0] for row in TRAIN_DATA))
    assert calls == [1], "the heads should pool each doc's transformer output once"
    cached = getattr(doc._.trf_data, shared.CACHE_ATTRIBUTE)["reduce_mean"]
    fresh, _ = pooling_forward(nodes[0], [doc._.trf_data], False)
    numpy.testing.assert_allclose(cached, fresh[0], rtol=1e-6, atol=1e-7)


def test_mean_pool_equals_spacy_transformers_pooling(trained_nlp):
    """The CPU fast path gives trfs2arrays' reduce_mean: tokens without wordpieces (spaces)
    get zeros, an empty doc an empty array, docs of one and several sentences alike."""
    from spacy_transformers.layers.trfs2arrays import forward as pooling_forward

    from spacy_ddi.layers.shared_pooling import mean_pool

    nlp = trained_nlp
    texts = [row[0] for row in TRAIN_DATA] + [" ".join(row[0] for row in TRAIN_DATA), "a  \n\n  b", ""]
    docs = list(nlp.pipe(texts, disable=[n for n in nlp.pipe_names if n not in ("ddi_sentences", "transformer")]))
    node = next(n for n in nlp.get_pipe("drug_ner").model.walk() if n.name == "trfs2arrays")
    datas = [doc._.trf_data for doc in docs]
    ours = mean_pool(datas, node.ops)
    theirs, _ = pooling_forward(node, datas, False)
    assert len(ours) == len(docs)
    for doc, a, b in zip(docs, ours, theirs):
        assert a.shape[0] == len(doc) and a.dtype == b.dtype
        if len(doc):
            numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    spaces = [t.i for t in docs[-2] if not len(docs[-2]._.trf_data.align[t.i].data)]
    assert spaces and not ours[-2][spaces].any()


def test_tokenize_gives_spacy_transformers_wordpieces(trained_nlp):
    from spacy_transformers.layers.transformer_model import huggingface_tokenize

    from spacy_ddi.encoders import tokenize

    tokenizer = trained_nlp.get_pipe("transformer").model.tokenizer
    texts = [row[0] for row in TRAIN_DATA] + ["aspirin [PAD] warfarin", "Ça coûte 5 µg/kg."]
    ours, theirs = tokenize(tokenizer, texts), huggingface_tokenize(tokenizer, texts)
    assert ours["input_texts"] == theirs["input_texts"]
    for key in ("input_ids", "attention_mask", "offset_mapping"):
        assert (ours[key] == theirs[key]).all()
