"""Evaluate a trained spacy-ddi pipeline on the test sets under each protocol; write JSON.

    python scripts/evaluate.py training/ddi_mtmg/model-tuned corpus benchmarks/ddi_mtmg.json --predictions metrics/predictions/ddi_mtmg

Protocols (each labelled in the output):
- strict: NER exact span + type, on the DDI test set and the DrugNER test set; DDI end to end
  (both spans exact, unordered, type exact) on all DDI test sentences.
- gold_entities: DDI with doc.ents set from the gold annotation (NER not involved).
- paper_lenient: the MTMG paper's protocol as its public code implements it: NER scored per
  token (a token counts when its gold and predicted entity type agree, O tokens excluded), DDI
  scored at gold entity positions, sentences with fewer than two gold drugs dropped.
- document_mode: strict NER and DDI again, with each test document's sentences joined by one
  space into one text (what a user gives the pipeline), the predictions mapped back to the
  corpus sentences; with how often the sentence splitter merged or split corpus sentences and
  how many predictions ran across corpus sentences (each counts as a false positive).
Also: words per second of nlp.pipe over the DDI test set, sentence by sentence and as documents.

With --predictions DIR, the predicted docs are kept for scripts/report.py (confusion matrix,
error analysis): DIR/test.spacy (end to end), DIR/test_ner.spacy and DIR/test_gold_entities.spacy
(gold entities given; FALSE pairs kept too).
"""
import json
import sys
import time
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.evaluation import join_documents, score_document_mode
from spacy_ddi.relations.base import relation_component
from spacy_ddi.scoring import score_ddi_strict, score_ner_strict


def load_docs(nlp, path: Path):
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def predict(nlp, texts, batch_size=None):
    """nlp.pipe over texts with the pipeline's own batch size unless one is given; (docs, seconds)."""
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    seconds = time.perf_counter() - start
    return docs, seconds


def save_docs(docs, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)


def with_gold_entities(nlp, gold_docs):
    """Run the pipeline without its NER step on docs whose entities are the gold ones, with
    FALSE pairs kept on the docs (the scorers ignore them); the pipeline is left as it was."""
    docs = []
    for gold in gold_docs:
        doc = nlp.make_doc(gold.text)
        doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_, alignment_mode="expand") for e in gold.ents]
        docs.append(doc)
    relations = relation_component(nlp)
    cfg = nlp.get_pipe(relations).cfg if relations is not None else {}
    store_false = cfg.get("store_false")
    try:
        if relations is not None:
            cfg["store_false"] = True
        with nlp.select_pipes(disable=[name for name in ("drug_ner", "ner") if name in nlp.pipe_names]):
            return list(nlp.pipe(docs))
    finally:
        if relations is not None:
            cfg["store_false"] = store_false


def document_mode(nlp, sentences, conditions: str = "", sentence_predictions=None):
    """Strict scores of the pipeline on the documents the corpus sentences come from (with
    ``sentence_predictions``, the pipeline's output on each sentence alone, also how many
    sentences whose boundaries the splitter kept got the same predictions both ways)."""
    documents = join_documents(sentences)
    pred, seconds = predict(nlp, [d.text for d in documents])
    scores = score_document_mode(documents, pred, sentence_predictions)
    words = sum(len(d) for d in pred)
    scores["speed"] = {
        "words": words, "seconds": seconds, "words_per_second": words / seconds,
        "conditions": conditions,
    }
    return scores


def token_level_ner(examples):
    """The paper code's NER score: per token, entity type only, O tokens excluded."""
    tp = n_pred = n_gold = 0
    for eg in examples:
        gold = {t.idx: t.ent_type_ for t in eg.reference if t.ent_type_}
        pred = {t.idx: t.ent_type_ for t in eg.predicted if t.ent_type_}
        n_gold += len(gold)
        n_pred += len(pred)
        tp += sum(1 for k, v in pred.items() if gold.get(k) == v)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


def main(
    model: Path = typer.Argument(..., help="Trained pipeline folder or package name"),
    corpus: Path = typer.Argument(..., help="Folder with test.spacy and test_ner.spacy"),
    output: Path = typer.Argument(..., help="JSON file to write"),
    conditions: str = typer.Option("", help="How the machine was loaded while measuring speed"),
    gpu_id: int = typer.Option(-1, help="GPU to run the pipeline on; -1 for the CPU"),
    predictions: Path = typer.Option(None, help="Also save the predicted docs in this folder"),
):
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    nlp = spacy.load(model)
    has_relations = relation_component(nlp) is not None
    out = {
        "model": str(model), "pipeline": nlp.pipe_names, "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", "scripts/evaluate.py"] + sys.argv[1:]),
    }
    test = load_docs(nlp, corpus / "test.spacy")
    test_ner = load_docs(nlp, corpus / "test_ner.spacy")
    typer.echo(f"Predicting {len(test)} DDI test sentences")
    pred, seconds = predict(nlp, [d.text for d in test])
    words = sum(len(d) for d in pred)
    out["speed"] = {
        "words": words, "seconds": seconds, "words_per_second": words / seconds,
        "conditions": conditions,
    }
    examples = [Example(p, g) for p, g in zip(pred, test)]
    strict = {"ner_ddi_test": score_ner_strict(examples)}
    typer.echo(f"Predicting {len(test_ner)} DrugNER test sentences")
    pred_ner, _ = predict(nlp, [d.text for d in test_ner])
    strict["ner_drugner_test"] = score_ner_strict([Example(p, g) for p, g in zip(pred_ner, test_ner)])
    if has_relations:
        strict["ddi"] = score_ddi_strict(examples)
    out["strict"] = strict
    out["paper_lenient"] = {"ner_token_level": token_level_ner(examples)}
    typer.echo(f"Document mode: {len(join_documents(test))} DDI test documents, {len(join_documents(test_ner))} DrugNER test documents")
    out["document_mode"] = {
        "ddi_test": document_mode(nlp, test, conditions, pred),
        "drugner_test": document_mode(nlp, test_ner, conditions, pred_ner),
    }
    if predictions is not None:
        save_docs(pred, predictions / "test.spacy")
        save_docs(pred_ner, predictions / "test_ner.spacy")
    if has_relations:
        typer.echo("DDI with gold entities")
        gold_pred = with_gold_entities(nlp, test)
        if predictions is not None:
            save_docs(gold_pred, predictions / "test_gold_entities.spacy")
        out["gold_entities"] = {"ddi": score_ddi_strict([Example(p, g) for p, g in zip(gold_pred, test)])}
        kept = [Example(p, g) for p, g in zip(gold_pred, test) if len(g.ents) >= 2]
        out["paper_lenient"]["ddi_gold_positions_2plus_drugs"] = score_ddi_strict(kept)
        out["paper_lenient"]["sentences_kept"] = len(kept)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2))
    s = out["strict"]
    typer.echo(f"strict NER F1 (DDI test) {s['ner_ddi_test']['ents_f']:.3f}; (DrugNER test) {s['ner_drugner_test']['ents_f']:.3f}")
    if has_relations:
        typer.echo(f"strict DDI F1 {s['ddi']['ddi_strict_f']:.3f}; with gold entities {out['gold_entities']['ddi']['ddi_strict_f']:.3f}")
    d = out["document_mode"]
    typer.echo(
        f"document mode: NER F1 (DDI test) {d['ddi_test']['ner']['ents_f']:.3f}; (DrugNER test) "
        f"{d['drugner_test']['ner']['ents_f']:.3f}"
        + (f"; DDI F1 {d['ddi_test']['ddi']['ddi_strict_f']:.3f}" if has_relations else "")
    )
    for name, scores in d.items():
        typer.echo(
            f"  {name}: {scores['corpus_boundaries']} corpus sentence boundaries, {scores['merged']} "
            f"merged, {scores['split']} added by the splitter; {scores['entities_across_sentences']} "
            f"entities and {scores['interactions_across_sentences']} interactions across sentences; "
            f"{scores['kept_same_as_sentence_mode']} of the {scores['sentences_boundaries_kept']} sentences "
            "whose boundaries it kept predicted as alone"
        )
    typer.echo(f"{out['speed']['words_per_second']:.0f} words/s; wrote {output}")


if __name__ == "__main__":
    typer.run(main)
