"""Command line: ``python -m spacy_ddi convert ...``."""
import sys
from pathlib import Path

import typer

app = typer.Typer(help="spacy-ddi: drug NER and drug-drug interactions for spaCy", no_args_is_help=True)


@app.callback()
def main() -> None:
    """spacy-ddi commands."""


@app.command("convert")
def convert_cli(
    source: Path = typer.Argument(..., help="DDICorpus-2013.zip or the folder it unpacks to"),
    output_dir: Path = typer.Argument(..., help="Where to write train/dev/test/test_ner .spacy"),
    dev_fraction: float = typer.Option(0.1, help="Share of Train documents held out as dev"),
    seed: int = typer.Option(0, help="Seed of the document-level dev split"),
    report: Path = typer.Option(None, help="Also write the conversion report (JSON) here"),
) -> None:
    """Convert the DDI 2013 corpus XML to DocBin files with entities and interactions."""
    import spacy
    import srsly

    from .corpus import CorpusError, convert_corpus, create_drug_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    try:
        reports = convert_corpus(source, output_dir, nlp, dev_fraction=dev_fraction, seed=seed)
    except (CorpusError, FileNotFoundError) as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(1)
    if report is not None:
        srsly.write_json(
            report,
            {
                name: {
                    "documents": r.documents,
                    "sentences": r.sentences,
                    "entities": r.entities,
                    "pairs": r.pairs,
                    "positive_pairs": r.positive_pairs,
                    "misaligned": [list(m) for m in r.misaligned],
                    "misaligned_rate": r.misaligned_rate,
                    "discontinuous": r.discontinuous,
                    "overlapping_dropped": [list(o) for o in r.overlapping_dropped],
                    "pairs_dropped": r.pairs_dropped,
                    "untyped_true_pairs": r.untyped_true_pairs,
                }
                for name, r in reports.items()
            },
        )
