"""Strict NER and DDI F1 with 1, 2, 4, ... corpus sentences per text: does a sentence's result
depend on its neighbours?

    python experiments/document_mode_table.py training/ddi_mtmg/model-tuned corpus/test.spacy experiments/records/document_mode_table.json

Each test document's sentences are joined by one space in consecutive groups of k (k = 1: one
corpus sentence per text, as every other figure; "all": the whole document per text, as
``scripts/evaluate.py``'s document mode), run through ``nlp.pipe``, mapped back to the corpus
sentences and scored with the strict protocol (``spacy_ddi.evaluation.score_document_mode``:
an entity or interaction across two corpus sentences is a false positive). Also counts, for
each k, the sentences whose two boundaries the splitter kept and how many of those got exactly
the entities and interactions they get alone.
"""
import json
import sys
import time
from pathlib import Path

import typer


def main(
    model: str = typer.Argument(..., help="Trained pipeline folder or package name"),
    corpus: Path = typer.Argument(..., help="Converted test set with document ids (corpus/test.spacy)"),
    output: Path = typer.Argument(None, help="JSON file to write"),
    sizes: str = typer.Option("1,2,4,all", help="Sentences per text, comma-separated ('all': whole documents)"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.evaluation import JoinedDocument, join_documents, score_document_mode

    nlp = spacy.load(model)
    sentences = list(DocBin(store_user_data=True).from_disk(corpus).get_docs(nlp.vocab))
    documents = join_documents(sentences)
    alone = list(nlp.pipe([d.text for d in sentences]))
    rows = []
    for size in [s for s in sizes.split(",") if s]:
        groups = []
        for document in documents:
            k = len(document.sentences) if size == "all" else int(size)
            for begin in range(0, len(document.sentences), k):
                part = document.sentences[begin : begin + k]
                starts = [s - document.starts[begin] for s in document.starts[begin : begin + k]]
                groups.append(JoinedDocument(f"{document.id}:{begin}", part, starts))
        predicted = list(nlp.pipe([g.text for g in groups]))
        scores = score_document_mode(groups, predicted, alone)
        row = {
            "sentences_per_text": size, "texts": len(groups),
            "ner_f": scores["ner"]["ents_f"], "ddi_f": scores["ddi"]["ddi_strict_f"],
            "ddi_p": scores["ddi"]["ddi_strict_p"], "ddi_r": scores["ddi"]["ddi_strict_r"],
            **{key: scores[key] for key in (
                "corpus_boundaries", "merged", "split", "interactions_across_sentences",
                "sentences_boundaries_kept", "kept_same_as_sentence_mode",
            )},
        }
        rows.append(row)
        typer.echo(
            f"{size} per text ({len(groups)} texts): NER F1 {row['ner_f']:.3f}, DDI F1 {row['ddi_f']:.3f} "
            f"(P {row['ddi_p']:.3f}, R {row['ddi_r']:.3f}); {row['merged']} of {row['corpus_boundaries']} "
            f"boundaries merged; {row['kept_same_as_sentence_mode']} of {row['sentences_boundaries_kept']} "
            "sentences with kept boundaries predicted as alone"
        )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d"),
            "command": " ".join(["python", "experiments/document_mode_table.py"] + sys.argv[1:]),
            "model": model, "rows": rows,
        }, indent=2))
        typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
