"""Evaluate a trained spacy-ddi pipeline on the test sets under each protocol; write JSON.

    python scripts/evaluate.py training/ddi_mtmg/model-tuned corpus benchmarks/runs/ddi_mtmg.json --predictions metrics/predictions/ddi_mtmg

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
By source: every strict, gold-entity and document-mode score also for the DrugBank (label
text) and MedLine (abstract) parts of the DDI test set (``ents_f_medline``,
``ddi_strict_f_drugbank``, ...), with a 95% bootstrap interval over each part's documents.
Also: words per second of nlp.pipe over the DDI test set, sentence by sentence and as documents.

With --yardstick FILE (the report half of the outside yardstick, corpus/yardstick_test.spacy):
the same strict protocol on abstracts from outside DDI 2013 ("yardstick"): NER, DDI typed and
untyped (both spans exact, any label), DDI with gold entities and in document mode, each with a
95% bootstrap interval over its abstracts; with --predictions also DIR/yardstick.spacy.

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

from spacy_ddi.calibration import precision_recall, reliability
from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, SOURCES, doc_source
from spacy_ddi.evaluation import (
    ddi_keys, docs_with_genre, entity_keys, join_documents, paired_bootstrap, part_document_counts, score_document_mode,
    scored_interactions, with_gold_entities,
)
from spacy_ddi.relations.base import relation_component
from spacy_ddi.scoring import score_ddi_strict, score_ner_strict


def load_docs(nlp, path: Path):
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def predict(nlp, gold, texts=None, batch_size=None):
    """nlp.pipe over the texts of ``gold`` (or ``texts``, one per gold doc), each with its
    genre (docs_with_genre), with the pipeline's own batch size unless one is given;
    (docs, seconds), the tokenizer timed too."""
    start = time.perf_counter()
    docs = list(nlp.pipe(docs_with_genre(nlp, gold, texts), batch_size=batch_size))
    seconds = time.perf_counter() - start
    return docs, seconds


def save_docs(docs, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)


def document_mode(nlp, sentences, conditions: str = "", sentence_predictions=None):
    """Strict scores of the pipeline on the documents the corpus sentences come from (with
    ``sentence_predictions``, the pipeline's output on each sentence alone, also how many
    sentences whose boundaries the splitter kept got the same predictions both ways)."""
    documents = join_documents(sentences)
    pred, seconds = predict(nlp, [d.sentences[0] for d in documents], [d.text for d in documents])
    scores = score_document_mode(documents, pred, sentence_predictions)
    words = sum(len(d) for d in pred)
    scores["speed"] = {
        "words": words, "seconds": seconds, "words_per_second": words / seconds,
        "conditions": conditions,
    }
    return scores


def intervals(examples, keys) -> dict:
    """Per corpus part: F1 with its 95% bootstrap interval over the part's documents."""
    out = {}
    for source in SOURCES:
        counts = part_document_counts([eg.predicted for eg in examples], [eg.reference for eg in examples], keys, source)
        if not counts:
            continue
        result = paired_bootstrap([counts])
        out[source] = {"f": result["f1_a"], "low": result["a_low"], "high": result["a_high"], "documents": result["documents"]}
    return out


def untyped_ddi_keys(doc, gold: bool):
    """Interactions with their label set aside: both spans exact, any of the four types."""
    return {(pair, "DDI") for pair, _ in ddi_keys(doc, gold)}


def with_interval(predicted, gold, keys) -> dict:
    result = paired_bootstrap([part_document_counts(predicted, gold, keys)])
    return {"f": result["f1_a"], "low": result["a_low"], "high": result["a_high"], "documents": result["documents"]}


def score_yardstick(nlp, gold, predictions=None) -> dict:
    """The strict protocol on annotated abstracts from outside DDI 2013 (whole abstracts as
    sentences of their documents, as the DDI test set is scored), each F1 with its 95%
    bootstrap interval over the abstracts."""
    pred, _ = predict(nlp, gold)
    examples = [Example(p, g) for p, g in zip(pred, gold)]
    ner, ddi = score_ner_strict(examples), score_ddi_strict(examples)
    out = {
        "abstracts": len({g.user_data.get(DOCUMENT_ID_KEY) for g in gold}),
        "sentences": len(gold),
        "gold_interactions": sum(len(ddi_keys(g, True)) for g in gold),
        "ner": {k: ner[k] for k in ("ents_p", "ents_r", "ents_f")},
        "ddi": {k: ddi[k] for k in ("ddi_strict_p", "ddi_strict_r", "ddi_strict_f")},
        "ddi_per_type": ddi.get("ddi_strict_per_type"),
        "intervals": {
            "ner": with_interval(pred, gold, entity_keys),
            "ddi": with_interval(pred, gold, ddi_keys),
            "ddi_untyped": with_interval(pred, gold, untyped_ddi_keys),
        },
    }
    gold_pred = with_gold_entities(nlp, gold)
    out["gold_entities"] = {"ddi": with_interval(gold_pred, gold, ddi_keys), "ddi_untyped": with_interval(gold_pred, gold, untyped_ddi_keys)}
    documents = join_documents(gold)
    mode = score_document_mode(documents, list(nlp.pipe(docs_with_genre(nlp, [d.sentences[0] for d in documents], [d.text for d in documents]))))
    out["document_mode"] = {"ner_f": mode["ner"]["ents_f"], "ddi_f": mode["ddi"]["ddi_strict_f"]}
    scored = [item for eg in examples for item in scored_interactions(eg.predicted, eg.reference)]
    out["calibration"] = reliability([sc for sc, _ in scored], [r for _, r in scored])
    if predictions is not None:
        save_docs(pred, predictions / "yardstick.spacy")
    return out


def calibration(examples) -> dict:
    """How far the reported interactions' scores are from their share right, per corpus part:
    the reliability diagram (10 bins) with its expected calibration error, and precision and
    recall at each --min-score (the FALSE pairs are not reported, so not counted)."""
    out = {}
    for part in ("all",) + SOURCES:
        chosen = [eg for eg in examples if part == "all" or doc_source(eg.reference) == part]
        scored = [item for eg in chosen for item in scored_interactions(eg.predicted, eg.reference)]
        if not chosen:
            continue
        n_gold = sum(len(ddi_keys(eg.reference, True)) for eg in chosen)
        scores, right = [s for s, _ in scored], [r for _, r in scored]
        out[part] = {**reliability(scores, right), "precision_recall": precision_recall(scores, right, n_gold), "gold": n_gold}
    return out


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
    yardstick: Path = typer.Option(None, help="Also score the outside yardstick's report half (corpus/yardstick_test.spacy)"),
):
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    nlp = spacy.load(model)
    has_relations = relation_component(nlp) is not None
    out = {
        "model": str(model), "pipeline": nlp.pipe_names, "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(
            ["python", "scripts/evaluate.py", str(model), str(corpus), str(output)]
            + (["--predictions", str(predictions)] if predictions else []) + (["--yardstick", str(yardstick)] if yardstick else [])
            + (["--gpu-id", str(gpu_id)] if gpu_id >= 0 else [])
        ),
    }
    test = load_docs(nlp, corpus / "test.spacy")
    test_ner = load_docs(nlp, corpus / "test_ner.spacy")
    typer.echo(f"Predicting {len(test)} DDI test sentences")
    pred, seconds = predict(nlp, test)
    words = sum(len(d) for d in pred)
    out["speed"] = {
        "words": words, "seconds": seconds, "words_per_second": words / seconds,
        "conditions": conditions,
    }
    examples = [Example(p, g) for p, g in zip(pred, test)]
    strict = {"ner_ddi_test": score_ner_strict(examples)}
    typer.echo(f"Predicting {len(test_ner)} DrugNER test sentences")
    pred_ner, _ = predict(nlp, test_ner)
    strict["ner_drugner_test"] = score_ner_strict([Example(p, g) for p, g in zip(pred_ner, test_ner)])
    if has_relations:
        strict["ddi"] = score_ddi_strict(examples)
    out["strict"] = strict
    if has_relations:
        out["calibration"] = calibration(examples)
    # the DrugBank (label text) and MedLine (abstract) parts of the DDI test set: F1 with a 95%
    # bootstrap interval over each part's documents (the scores themselves are in "strict" as
    # ents_f_medline, ddi_strict_f_drugbank, ...)
    out["by_source_intervals"] = {"ner": intervals(examples, entity_keys)}
    if has_relations:
        out["by_source_intervals"]["ddi"] = intervals(examples, ddi_keys)
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
        gold_examples = [Example(p, g) for p, g in zip(gold_pred, test)]
        out["gold_entities"] = {"ddi": score_ddi_strict(gold_examples)}
        out["by_source_intervals"]["ddi_gold_entities"] = intervals(gold_examples, ddi_keys)
        kept = [Example(p, g) for p, g in zip(gold_pred, test) if len(g.ents) >= 2]
        out["paper_lenient"]["ddi_gold_positions_2plus_drugs"] = score_ddi_strict(kept)
        out["paper_lenient"]["sentences_kept"] = len(kept)
    if yardstick is not None and has_relations:
        typer.echo(f"Outside yardstick: {yardstick}")
        out["yardstick"] = score_yardstick(nlp, load_docs(nlp, yardstick), predictions)
        out["yardstick"]["path"] = str(yardstick)
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
    for part, record in out.get("calibration", {}).items():
        typer.echo(f"calibration ({part}): ECE {record['ece'] if record['ece'] is None else round(record['ece'], 3)} over {record['n']} reported interactions")
    for source in SOURCES:
        key = source.lower()
        if f"ents_f_{key}" not in s["ner_ddi_test"]:
            continue
        line = f"{source} part: NER F1 {s['ner_ddi_test'][f'ents_f_{key}']:.3f}"
        if has_relations:
            ddi = out["by_source_intervals"]["ddi"][source]
            line += (
                f"; DDI F1 {ddi['f']:.3f} (95% over its {ddi['documents']} documents {ddi['low']:.3f}-{ddi['high']:.3f})"
                f"; with gold entities {out['gold_entities']['ddi'][f'ddi_strict_f_{key}']:.3f}"
                f"; document mode {d['ddi_test']['ddi'][f'ddi_strict_f_{key}']:.3f}"
            )
        typer.echo(line)
    if "yardstick" in out:
        y = out["yardstick"]["intervals"]
        typer.echo(
            f"Yardstick ({out['yardstick']['abstracts']} outside abstracts): NER F1 {y['ner']['f']:.3f} "
            f"({y['ner']['low']:.3f}-{y['ner']['high']:.3f}); DDI F1 {y['ddi']['f']:.3f} ({y['ddi']['low']:.3f}-{y['ddi']['high']:.3f}); "
            f"untyped {y['ddi_untyped']['f']:.3f} ({y['ddi_untyped']['low']:.3f}-{y['ddi_untyped']['high']:.3f}); "
            f"with gold entities {out['yardstick']['gold_entities']['ddi']['f']:.3f}"
        )
    typer.echo(f"{out['speed']['words_per_second']:.0f} words/s; wrote {output}")


if __name__ == "__main__":
    typer.run(main)
