"""Command line (``spacy-ddi`` or ``python -m spacy_ddi``): convert, extract, aggregate, visualize."""
import sys
from pathlib import Path
from typing import List, NoReturn

import typer

app = typer.Typer(
    help="spacy-ddi: drug NER and drug-drug interactions for spaCy",
    no_args_is_help=True,
    rich_markup_mode=None,  # help is plain text: "spacy-ddi[ray]" keeps its [ray]
)

# the options only one engine of ``extract`` reads (parameter names)
ENGINE_OPTIONS = {
    "local": ("n_process", "gpu_id", "quiet", "resume"),
    "ray": ("actors", "address", "gpus_per_actor", "cpus_per_actor"),
}


def fail(title: str, text: str = "", exits: int = 1) -> NoReturn:
    """Print an error as spaCy's CLI does (wasabi's ``msg.fail``: a red ✘ line with ``title``,
    then ``text``), to standard error, and exit with ``exits``. Unlike wasabi the title is not
    wrapped at 80 columns (a long path stays on one line); the colour is dropped where
    standard error is not a terminal."""
    from wasabi import Printer, color
    from wasabi.util import locale_escape

    printer = Printer()
    line = locale_escape(f"{printer.icons['fail']} {title}")
    if printer.show_color:
        line = color(line, fg=printer.colors["fail"])
    typer.echo(f"\n{line}" + (f"\n{text}" if text else "") + "\n", err=True)
    raise typer.Exit(exits)


@app.callback()
def main() -> None:
    """spacy-ddi commands."""


@app.command("convert")
def convert_cli(
    source: Path = typer.Argument(..., help="DDICorpus-2013.zip or the folder it unpacks to"),
    output_dir: Path = typer.Argument(..., help="Where to write train/dev/test/test_ner .spacy"),
    dev_fraction: float = typer.Option(0.1, help="Share of the DrugBank Train documents held out as dev"),
    medline_dev_fraction: float = typer.Option(
        0.3, help="Share of the MedLine Train documents held out as dev (enough abstracts to choose settings by)"
    ),
    seed: int = typer.Option(0, help="Seed of the document-level dev split"),
    report: Path = typer.Option(None, help="Also write the conversion report (JSON) here"),
) -> None:
    """Convert the DDI 2013 corpus XML to spaCy DocBin files.

    Writes train, dev, test and test_ner .spacy files with the drug entities and the
    interactions; dev holds out whole documents of the DrugBank and MedLine Train parts."""
    import spacy
    import srsly

    from .corpus import CorpusError, convert_corpus, create_drug_tokenizer

    for option, value in (("--dev-fraction", dev_fraction), ("--medline-dev-fraction", medline_dev_fraction)):
        if not 0 <= value < 1:
            fail(f"{option} is a share of the Train documents, in [0, 1), not {value}", exits=2)
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    try:
        reports = convert_corpus(
            source, output_dir, nlp, dev_fraction=dev_fraction, seed=seed, medline_dev_fraction=medline_dev_fraction
        )
    except (CorpusError, FileNotFoundError) as err:
        fail(str(err), exits=1)
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


@app.command("extract")
def extract_cli(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Trained pipeline: a folder or an installed package"),
    inputs: List[str] = typer.Argument(..., help=".txt files, .jsonl files, folders of them, or - for standard input"),
    output: Path = typer.Option(..., "--output", "-o", help=".jsonl: one record per document; .csv or .parquet: one row per interaction (the records also go to OUTPUT.records.jsonl)"),
    mentions: bool = typer.Option(False, "--mentions", help="With .csv/.parquet: one row per drug mention instead"),
    errors: Path = typer.Option(None, "--errors", help="JSONL file of documents that failed (default: OUTPUT.errors.jsonl)"),
    id_field: str = typer.Option("id", "--id-field", help="JSONL field with the document id"),
    text_field: str = typer.Option("text", "--text-field", help="JSONL field with the text"),
    batch_size: int = typer.Option(0, "--batch-size", help="Documents per nlp.pipe batch (0: the pipeline's own, [nlp] batch_size)"),
    min_score: float = typer.Option(0.0, "--min-score", help="Leave out interactions scored below this (scores are calibrated: docs/calibration.md gives the precision each threshold keeps)"),
    n_process: int = typer.Option(1, "--n-process", help="Worker processes of nlp.pipe (--engine local)"),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="GPU to run on; -1 for the CPU (--engine local)"),
    resume: bool = typer.Option(False, "--resume", help="Keep OUTPUT and skip the ids already in it (--engine local)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar (--engine local; Ray shows none)"),
    engine: str = typer.Option("local", "--engine", help="local, or ray (Ray Data; pip install 'spacy-ddi[ray]'; every input kind but standard input)"),
    address: str = typer.Option(None, "--address", help="Ray cluster to join (default: RAY_ADDRESS, else a local Ray)"),
    actors: int = typer.Option(1, "--actors", help="Ray actors, each with one pipeline"),
    gpus_per_actor: float = typer.Option(0, "--gpus-per-actor", help="GPUs per Ray actor"),
    cpus_per_actor: float = typer.Option(1, "--cpus-per-actor", help="CPUs each Ray actor reserves (and torch threads it uses); 0.5 fits 2 actors and the reading on 2 CPUs"),
) -> None:
    """Extract drug mentions and interactions from documents.

    Writes JSON lines, one record per document, or a CSV/Parquet table of the interactions
    (or mentions). Each record: id, text, entities (start, end, text, label) and interactions
    (subject and object with start, end, text; label; score; the sentence), character offsets
    into the text as read. Exit code 1 when some documents failed (they are in the errors file), 2 on
    a usage error (an option of the other engine, a missing input, ...)."""
    import spacy

    from .batch.readers import count_listed, files_and_ids, read_listed
    from .batch.runner import extract
    from .batch.tables import TABLE_SUFFIXES

    if engine not in ENGINE_OPTIONS:
        fail(f"--engine is local or ray, not {engine!r}", exits=2)
    _refuse_other_engines_options(ctx, engine)
    table = output.suffix in TABLE_SUFFIXES
    # a table is written at the end from the per-document records, kept (resumable) beside it
    records = output.with_name(output.name + ".records.jsonl") if table else output
    errors = errors or output.with_name(output.name + ".errors.jsonl")
    if engine == "ray":
        summary = _run_with_ray(
            model, inputs, records, errors, id_field, text_field, batch_size or 64, actors,
            gpus_per_actor, cpus_per_actor, address, min_score,
        )
    else:
        progress = not quiet and sys.stderr.isatty()
        try:
            # a missing path or unknown type fails here, before the model loads or any
            # document is read; the documents are then read as a stream (a progress bar's
            # total comes from a fast scan that parses nothing)
            files = list(files_and_ids(inputs))  # listed once (a folder may hold many files)
            total = count_listed(path for path, _ in files) if progress else None
        except (FileNotFoundError, ValueError) as err:
            fail(str(err), exits=2)
        if gpu_id >= 0:
            spacy.require_gpu(gpu_id)
        try:
            nlp = spacy.load(model)
        except OSError as err:
            fail(f"cannot load the model {model!r}: {err}", exits=2)
        summary = extract(
            nlp, read_listed(files, id_field=id_field, text_field=text_field), records,
            errors=errors, batch_size=batch_size or nlp.batch_size, n_process=n_process,
            resume=resume, progress=progress, total=total, min_score=min_score,
        )
    if table:
        from .batch.tables import read_records, write_table

        try:
            n_rows = write_table(read_records(records), output, mentions=mentions)
        except ImportError as err:
            fail(str(err), f"The records are in {records}.", exits=2)
        typer.echo(f"{n_rows} {'mention' if mentions else 'interaction'} rows in {output}", err=True)
    typer.echo(f"{summary.line()}; wrote {output}" + (f" (Ray, {actors} actors)" if engine == "ray" else ""), err=True)
    if summary.failures:
        fail(f"{summary.failures} documents failed, e.g. {summary.errors[0]}", f"They are in {errors}.", exits=1)


def _refuse_other_engines_options(ctx: typer.Context, engine: str) -> None:
    """Exit 2 when an option only the other engine reads was given a value other than its
    default (it would silently do nothing)."""
    other = "ray" if engine == "local" else "local"
    for param in ctx.command.params:
        if param.name in ENGINE_OPTIONS[other] and ctx.params.get(param.name) != param.default:
            option = max(param.opts, key=len)  # --quiet, not -q
            fail(f"{option} is an option of --engine {other}; --engine {engine} does not use it", exits=2)


def _run_with_ray(model, inputs, records, errors, id_field, text_field, batch_size, actors, gpus_per_actor, cpus_per_actor, address, min_score):
    try:
        import ray  # noqa: F401

        from .batch import ray as ray_engine
    except ImportError:
        fail("--engine ray needs Ray: pip install 'spacy-ddi[ray]'", exits=2)
    try:
        return ray_engine.run(
            model, inputs, records, errors, id_column=id_field, text_column=text_field,
            batch_size=batch_size, actors=actors, gpus_per_actor=gpus_per_actor,
            cpus_per_actor=cpus_per_actor, address=address, min_score=min_score,
        )
    except (FileNotFoundError, ValueError) as err:
        fail(str(err), exits=2)


@app.command("aggregate")
def aggregate_cli(
    extracted: List[Path] = typer.Argument(..., help="Output of spacy-ddi extract: .jsonl records or the .csv/.parquet interaction table"),
    output: Path = typer.Option(..., "--output", "-o", help="The pair table: .csv, .parquet or .jsonl"),
    evidence: int = typer.Option(3, "--evidence", "-k", help="Evidence sentences kept per pair"),
    min_score: float = typer.Option(0.0, "--min-score", help="Leave out interactions scored below this"),
) -> None:
    """Gather extracted interactions into one row per drug pair.

    One row per unordered pair of drugs across the extracted documents: names, DrugBank
    ids (or the normalised name, flagged, where a mention is not linked), documents and
    sentences stating an interaction, counts per type and the majority type, highest and
    mean score, and the best evidence sentences; sorted by support."""
    from .aggregate import OUTPUT_SUFFIXES, pair_rows, read_interaction_rows, write_pairs

    if output.suffix not in OUTPUT_SUFFIXES:
        fail(f"{output}: the pair table is .csv, .parquet or .jsonl", exits=2)
    if evidence < 0:
        fail("--evidence is 0 or more", exits=2)
    try:
        rows = pair_rows(read_interaction_rows(extracted), evidence=evidence, min_score=min_score)
        write_pairs(rows, output)
    except (FileNotFoundError, ValueError, ImportError) as err:
        fail(str(err), exits=2)
    by_name = sum(1 for r in rows if r["drug_a_by_name"] or r["drug_b_by_name"])
    typer.echo(f"{len(rows)} drug pairs ({by_name} with a drug known by name only) in {output}", err=True)


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
    """Draw the drugs and interactions the model finds in TEXT.

    An HTML page (displaCy-style arcs), written to stdout by default, to --output, or served
    with --serve."""
    import spacy

    from .visualize import render, serve as serve_page

    if text == "-":
        text = sys.stdin.read()
    try:
        nlp = spacy.load(model)
    except OSError as err:
        fail(f"cannot load the model {model!r}: {err}", exits=1)
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
