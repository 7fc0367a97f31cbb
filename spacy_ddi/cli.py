"""Command line: ``python -m spacy_ddi convert ...`` and ``python -m spacy_ddi visualize ...``."""
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


@app.command("visualize")
def visualize_cli(
    model: str = typer.Argument(..., help="Trained pipeline: a folder or an installed package"),
    text: str = typer.Argument(..., help='Text to analyse; "-" reads it from standard input'),
    output: Path = typer.Option(None, "--output", "-o", help="Write the HTML page here"),
    serve: bool = typer.Option(False, "--serve", help="Serve the page on a local web server"),
    port: int = typer.Option(5000, "--port", help="Port of --serve"),
    host: str = typer.Option(
        "127.0.0.1", "--host",
        help="Address --serve listens on: 127.0.0.1 (the default) is this machine only; 0.0.0.0 shows the text to the whole network",
    ),
    labels: str = typer.Option(None, "--labels", help="Interaction labels to draw, comma-separated"),
    show_false: bool = typer.Option(False, "--show-false", help="Also draw pairs read as FALSE"),
    show_scores: bool = typer.Option(False, "--show-scores", help="Print scores on the arcs"),
    width: int = typer.Option(900, "--width", help="Wrap sentences at this many pixels"),
) -> None:
    """Draw the drugs and interactions the model finds in TEXT (an HTML page; stdout by default)."""
    import spacy

    from .visualize import render, serve as serve_page

    if text == "-":
        text = sys.stdin.read()
    try:
        nlp = spacy.load(model)
    except OSError as err:
        typer.echo(f"Error: cannot load the model {model!r}: {err}", err=True)
        raise typer.Exit(1)
    options = {"show_false": show_false, "show_scores": show_scores, "width": width}
    if labels:
        options["labels"] = [label.strip() for label in labels.split(",") if label.strip()]
        options["show_false"] = show_false or "FALSE" in options["labels"]
    doc = nlp(text)
    if serve:
        serve_page(doc, port=port, host=host, options=options)
        return
    page = render(doc, page=True, jupyter=False, options=options)
    if output is None:
        sys.stdout.write(page)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(page, encoding="utf8")
        typer.echo(f"Wrote {output}", err=True)
