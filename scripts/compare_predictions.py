"""Compare a pipeline's predictions on the texts of saved predicted docs with those docs.

    python scripts/compare_predictions.py MODEL metrics/predictions/NAME/test.spacy

Runs MODEL over the text of every doc in the DocBin (as ``scripts/evaluate.py --predictions``
saved them) and prints how many docs get the same entities and the same interactions
(offsets and labels), and the largest difference of an interaction's score. Used to check
that a change of the code leaves a trained pipeline's predictions as they were.
"""
from pathlib import Path

import typer


def main(model: str, saved: Path, threads: int = typer.Option(1, help="torch threads")):
    import spacy
    import torch
    from spacy.tokens import DocBin

    import spacy_ddi  # noqa: F401  (the extensions)

    torch.set_num_threads(threads)
    nlp = spacy.load(model)
    old = list(DocBin().from_disk(saved).get_docs(nlp.vocab))
    new = list(nlp.pipe([d.text for d in old], batch_size=256))

    def ents(doc):
        return [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    def pairs(doc):
        return [tuple(r[:5]) for r in doc._.ddi_records]

    same_ents = sum(ents(a) == ents(b) for a, b in zip(old, new))
    same_pairs = sum(pairs(a) == pairs(b) for a, b in zip(old, new))
    diff = max((abs(ra[5] - rb[5]) for a, b in zip(old, new) if pairs(a) == pairs(b)
                for ra, rb in zip(a._.ddi_records, b._.ddi_records)), default=0.0)
    n = sum(len(d._.ddi_records) for d in old)
    typer.echo(f"{len(old)} docs: the same entities in {same_ents}, the same interactions (offsets, "
               f"labels) in {same_pairs}; {n} interactions saved; largest score difference {diff:.1e}")


if __name__ == "__main__":
    typer.run(main)
