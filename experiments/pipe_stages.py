"""What each component adds to ``nlp.pipe``'s time: the pipeline run with the first k components
only, for k = 0 (the tokenizer) to all, best of ``--repeats`` rounds.

    python experiments/pipe_stages.py training/ddi_mtmg/model-tuned corpus/test.spacy [--repeats 2]

Prints the seconds with the first k components and what the k-th added. Time nothing else
meanwhile (torch's threads slow down badly on a busy CPU).
"""
import time
from pathlib import Path

import typer


def main(
    model: str = typer.Argument(..., help="Pipeline folder or package"),
    corpus: Path = typer.Argument(..., help="A .spacy file of texts (e.g. corpus/test.spacy)"),
    repeats: int = typer.Option(2, help="Rounds; the best of each count"),
):
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.load(model)
    texts = [d.text for d in DocBin().from_disk(corpus).get_docs(nlp.vocab)]
    names = nlp.pipe_names
    list(nlp.pipe(texts[:64]))  # warm up
    best = {}
    for _ in range(repeats):
        for k in range(len(names) + 1):
            start = time.perf_counter()
            for _ in nlp.pipe(texts, disable=names[k:]):
                pass
            best[k] = min(best.get(k, float("inf")), time.perf_counter() - start)
    previous = 0.0
    for k in range(len(names) + 1):
        label = names[k - 1] if k else "tokenizer"
        typer.echo(f"{best[k]:7.3f} s  +{best[k] - previous:6.3f} s  {label}")
        previous = best[k]


if __name__ == "__main__":
    typer.run(main)
