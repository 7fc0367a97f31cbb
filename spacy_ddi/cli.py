"""Command line (``spacy-ddi`` or ``python -m spacy_ddi``): convert, extract, aggregate, visualize, review, tune, finetune."""
import sys
from pathlib import Path
from typing import List, NoReturn, Optional

import typer

app = typer.Typer(
    help="spacy-ddi: drug NER and drug-drug interactions for spaCy",
    no_args_is_help=True,
    rich_markup_mode=None,  # help is plain text: "spacy-ddi[ray]" keeps its [ray]
)

# the options only one engine of ``extract`` reads (parameter names): spacy_ddi.extract.options
from .extract.options import ENGINE_FIELDS as ENGINE_OPTIONS  # noqa: E402, F401


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
    source: Path = typer.Argument(..., help="DDICorpus-2013.zip or the folder it unpacks to; or your own annotations: a BRAT folder (.ann + .txt), a BioC XML/JSON file, a PubTator file, reviewed extract JSONL (or a folder of one kind); or a .spacy file with --to brat"),
    output: Path = typer.Argument(..., help="DDI corpus: folder for train/dev/test/test_ner .spacy; own annotations: a .spacy file, or a folder for train.spacy and dev.spacy; --to brat: a folder"),
    input_format: str = typer.Option("auto", "--format", help="Format of SOURCE: auto (by extension and content), ddi, brat, bioc-xml, bioc-json, pubtator, jsonl, spacy"),
    labels: str = typer.Option("", "--labels", help="Map your labels to spacy-ddi's: drug=DRUG,brand=BRAND,interacts=INT,... (- drops a label; spacy-ddi's own names, any case, need no entry)"),
    drop_unmapped: bool = typer.Option(False, "--drop-unmapped", help="Leave out (and report) annotations whose label --labels does not map, instead of stopping"),
    corpus_part: str = typer.Option("MedLine", "--corpus-part", help="Own annotations: the corpus part stored on each sentence (MedLine for abstracts, DrugBank for label text, or a name of your own); scores are given by part"),
    to: str = typer.Option("spacy", "--to", help="spacy (DocBin files), or brat (one .txt + .ann per document, from a .spacy file or your own annotations)"),
    dev_fraction: float = typer.Option(None, "--dev-fraction", help="Share of the documents held out as dev (DDI corpus: of the DrugBank Train documents; own annotations: of all, with a folder as output)  [default: 0.1]"),
    medline_dev_fraction: float = typer.Option(
        None, "--medline-dev-fraction", help="DDI corpus: share of the MedLine Train documents held out as dev (enough abstracts to choose settings by)  [default: 0.3]"
    ),
    seed: int = typer.Option(0, help="Seed of the document-level dev split"),
    report: Path = typer.Option(None, help="Also write the conversion report (JSON) here"),
) -> None:
    """Convert the DDI corpus or your own annotations to DocBin files.

    The DDI corpus: writes train, dev, test and test_ner .spacy files with the drug entities
    and the interactions; dev holds out whole documents of the DrugBank and MedLine Train
    parts. Your own annotations (docs/own-data.md): one Doc per sentence in the same format,
    to one .spacy file or, to a folder, train.spacy and dev.spacy split by document; what
    could not be kept (relations across sentences, overlapping mentions, ...) is reported.
    --to brat writes a .spacy file's documents as BRAT .txt + .ann pairs. Exit code 1 on bad
    input (named by file and line; nothing is written), 2 on a usage error."""
    import srsly

    from .corpus import CorpusError

    for option, value in (("--dev-fraction", dev_fraction), ("--medline-dev-fraction", medline_dev_fraction)):
        if value is not None and not 0 <= value < 1:
            fail(f"{option} is a share of the Train documents, in [0, 1), not {value}", exits=2)
    formats = ("auto", "ddi", "brat", "bioc-xml", "bioc-json", "pubtator", "jsonl", "spacy")
    if input_format not in formats:
        fail(f"--format is one of {', '.join(formats)}, not {input_format!r}", exits=2)
    if to not in ("spacy", "brat"):
        fail(f"--to is spacy or brat, not {to!r}", exits=2)
    fmt = input_format
    if fmt == "auto":
        from .corpus.imports import detect_format

        try:
            fmt = "spacy" if source.suffix == ".spacy" else detect_format(source)
        except (CorpusError, FileNotFoundError) as err:
            fail(str(err), exits=1)
    if fmt == "ddi":
        if to != "spacy" or labels or drop_unmapped:
            fail("--to, --labels and --drop-unmapped are for your own annotations; the DDI corpus converts to train/dev/test/test_ner .spacy with its own labels", exits=2)
        reports = _convert_ddi(source, output, dev_fraction, medline_dev_fraction, seed)
        if report is not None:
            srsly.write_json(report, reports)
        return
    if medline_dev_fraction is not None:
        fail("--medline-dev-fraction is for the DDI corpus; --dev-fraction splits your own documents", exits=2)
    if fmt == "spacy":
        if to != "brat":
            fail(f"{source}: a .spacy file converts to BRAT only: add --to brat", exits=2)
        _export_brat(source, output)
        return
    _import_own(source, output, fmt, to, labels, drop_unmapped, corpus_part, dev_fraction, seed, report)


def _convert_ddi(source: Path, output_dir: Path, dev_fraction, medline_dev_fraction, seed: int) -> dict:
    """The DDI 2013 corpus to train/dev/test/test_ner; the report as JSON-ready dict."""
    import spacy

    from .corpus import CorpusError, convert_corpus, create_drug_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    try:
        reports = convert_corpus(
            source, output_dir, nlp, dev_fraction=0.1 if dev_fraction is None else dev_fraction, seed=seed,
            medline_dev_fraction=0.3 if medline_dev_fraction is None else medline_dev_fraction,
        )
    except (CorpusError, FileNotFoundError) as err:
        fail(str(err), exits=1)
    return {
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
    }


def _export_brat(source: Path, output_dir: Path) -> None:
    from .corpus import CorpusError
    from .corpus.imports import export_brat

    if output_dir.suffix == ".spacy" or output_dir.is_file():
        fail(f"{output_dir}: --to brat writes a folder of .txt + .ann files", exits=2)
    try:
        counts = export_brat(source, output_dir)
    except (CorpusError, FileNotFoundError) as err:
        fail(str(err), exits=1)
    typer.echo(
        f"Wrote {counts['documents']} documents ({counts['sentences']} sentences, {counts['entities']} mentions, "
        f"{counts.get('interactions', 0)} interactions) to {output_dir}/ as BRAT .txt + .ann"
    )


def _import_own(source: Path, output: Path, fmt: str, to: str, labels: str, drop_unmapped: bool,
                corpus_part: str, dev_fraction, seed: int, report_path: Path) -> None:
    """Your own annotations to one DocBin, train/dev DocBins or BRAT; the report to stdout and
    ``report_path``."""
    from .corpus import CorpusError
    from .corpus.brat import write_atomic, write_brat
    from .corpus.convert import DOCUMENT_ID_KEY
    from .corpus.imports import import_annotations, parse_labels, split_documents, write_docbin

    single = to == "spacy" and output.suffix == ".spacy"
    if single and dev_fraction is not None:
        fail(f"{output}: --dev-fraction splits into train.spacy and dev.spacy: give a folder as OUTPUT", exits=2)
    if to == "brat" and (output.suffix == ".spacy" or dev_fraction is not None):
        fail("--to brat writes one folder of .txt + .ann files (no .spacy OUTPUT, no --dev-fraction)", exits=2)
    if output.exists() and not output.is_dir() and not single:
        fail(f"{output}: a file; give a .spacy file or a folder", exits=2)
    try:
        table = parse_labels(labels)
    except ValueError as err:
        fail(str(err), exits=2)
    try:
        documents, report = import_annotations(source, fmt, table, drop_unmapped, corpus_source=corpus_part)
        outputs = {}
        if to == "brat":
            written: dict = {}  # BRAT file name -> document id, in this run
            for docs in documents:
                if docs:
                    write_brat(docs, output, docs[0].user_data[DOCUMENT_ID_KEY], written)
            outputs["brat"] = {"path": str(output), "documents": sum(1 for docs in documents if docs)}
        elif single:
            docs = [doc for docs in documents for doc in docs]
            write_docbin(docs, output)
            outputs["all"] = {"path": str(output), "documents": len(documents), "sentences": len(docs)}
        else:
            fraction = 0.1 if dev_fraction is None else dev_fraction
            train, dev = split_documents(documents, fraction, seed)
            for name, docs in (("train", train), ("dev", dev)):
                if name == "dev" and not fraction:
                    continue
                write_docbin(docs, output / f"{name}.spacy")
                ids = {doc.user_data[DOCUMENT_ID_KEY] for doc in docs}
                outputs[name] = {"path": str(output / f"{name}.spacy"), "documents": len(ids), "sentences": len(docs)}
    except (CorpusError, FileNotFoundError, ValueError) as err:
        fail(str(err), exits=1)
    typer.echo(report.summary())
    for name, written in outputs.items():
        typer.echo(f"Wrote {written['path']}" + (f": {written['documents']} documents, {written['sentences']} sentences" if "sentences" in written else f": {written['documents']} documents"))
    if report_path is not None:
        import srsly

        write_atomic(report_path, srsly.json_dumps({**report.to_json(), "outputs": outputs}, indent=2) + "\n")


@app.command("extract")
def extract_cli(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Trained pipeline: a folder or an installed package"),
    inputs: List[str] = typer.Argument(..., help="Files or folders of them: .txt (plain or PubTator), .jsonl, MEDLINE/PubMed, PMC JATS (.nxml) or BioC .xml/.xml.gz (told apart by the root element), BioC .json, PMC .tar.gz packages; or - for standard input (docs/usage.md)"),
    output: Path = typer.Option(..., "--output", "-o", help=".jsonl: one record per document; .csv or .parquet: one row per interaction (the records also go to OUTPUT.records.jsonl); with --engine ray a folder of part files (records-*.jsonl or .parquet, errors-*.jsonl) the workers write"),
    mentions: bool = typer.Option(False, "--mentions", help="With .csv/.parquet: one row per drug mention instead (--engine local)"),
    errors: Path = typer.Option(None, "--errors", help="JSONL file of documents that failed (default: OUTPUT.errors.jsonl; --engine local, Ray writes errors-*.jsonl parts)"),
    id_field: str = typer.Option("id", "--id-field", help="JSONL field with the document id"),
    text_field: str = typer.Option("text", "--text-field", help="JSONL field with the text"),
    batch_size: int = typer.Option(0, "--batch-size", help="Documents per nlp.pipe batch (0: the pipeline's own, [nlp] batch_size)"),
    min_score: float = typer.Option(0.0, "--min-score", help="Leave out interactions scored below this (scores are calibrated: docs/calibration.md gives the precision each threshold keeps)"),
    affirmed_only: bool = typer.Option(False, "--affirmed-only", help="Leave out interactions their sentence negates or hedges (\"X had no effect on Y\", \"X may increase Y\"); each interaction's assertion is in the records either way"),
    n_process: int = typer.Option(1, "--n-process", help="Worker processes of nlp.pipe (--engine local)"),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="GPU to run on; -1 for the CPU (--engine local)"),
    resume: bool = typer.Option(False, "--resume", help="Keep OUTPUT and skip the ids already in it; documents that failed are tried again"),
    flush_every: int = typer.Option(1000, "--flush-every", help="Write to disk at least every N documents (Ray: documents per part file), so a crash loses at most that much"),
    flush_seconds: float = typer.Option(60.0, "--flush-seconds", help="Also write about every T seconds, at the speed measured so far (--engine local)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar (--engine local), no Ray Data progress bars or execution log (--engine ray)"),
    only_candidate_sentences: bool = typer.Option(False, "--only-candidate-sentences", help="Encode only the sentences where a fast pre-pass finds two or more possible drug mentions (faster on abstracts; mentions in the other sentences are absent and each record lists them under gate.not_encoded: docs/scale.md)"),
    genre: str = typer.Option("abstract", "--genre", help="What the documents are, for the calibration of their scores: abstract, article or label. MEDLINE, PubTator, PMC and BioC inputs say it themselves (BioC: abstract when every passage is title or abstract); this is for text and JSONL (docs/calibration.md)"),
    runtime: str = typer.Option("torch", "--runtime", help="What runs the encoder: torch; onnx (ONNX Runtime on the CPU: the same results to float rounding, faster); or onnx-int8 (int8 weights: 2.5x torch's speed, not the same results, dev DDI F1 0.001 lower). docs/scale.md; pip install 'spacy-ddi[onnx]'"),
    engine: str = typer.Option("local", "--engine", help="local, or ray (Ray Data; pip install 'spacy-ddi[ray]'; every input kind but standard input)"),
    address: str = typer.Option(None, "--address", help="Ray cluster to join (default: RAY_ADDRESS, else a local Ray)"),
    actors: int = typer.Option(1, "--actors", help="Ray actors, each with one pipeline"),
    gpus_per_actor: float = typer.Option(0, "--gpus-per-actor", help="GPUs per Ray actor"),
    cpus_per_actor: float = typer.Option(1, "--cpus-per-actor", help="CPUs each Ray actor reserves (and torch threads it uses); 0.5 fits 2 actors and the reading on 2 CPUs"),
    part_format: str = typer.Option("jsonl", "--format", help="Ray's part files: jsonl (the records as JSON lines) or parquet (the same records as nested columns; pip install 'spacy-ddi[parquet]')"),
) -> None:
    """Extract drug mentions and interactions from documents.

    Writes JSON lines, one record per document, or a CSV/Parquet table of the interactions
    (or mentions). Each record: id, text, entities (start, end, text, label) and interactions
    (subject and object with start, end, text; label; score; the sentence), character offsets
    into the text as read. With --engine ray, OUTPUT is a folder the workers write part files
    to (see docs/scale.md). Exit code 1 when some documents failed (they are in the errors file), 2 on
    a usage error (an option of the other engine, a missing input, ...)."""
    from .extract.options import ExtractOptions
    from .extract.tables import TABLE_SUFFIXES

    values = {name: value for name, value in ctx.params.items() if name not in ("model", "inputs", "output", "engine")}
    try:
        options = ExtractOptions(**values)
        refused = options.other_engines_fields(engine)
    except ValueError as err:
        fail(str(err), exits=2)
    if refused:
        param = next(p for p in ctx.command.params if p.name == refused[0])
        option = max(param.opts, key=len)  # --quiet, not -q
        other = "ray" if engine == "local" else "local"
        fail(f"{option} is an option of --engine {other}; --engine {engine} does not use it", exits=2)
    if options.runtime != "torch":
        from .onnx import require_onnx

        try:
            require_onnx()
        except ImportError as err:
            fail(str(err), exits=2)
    if engine == "ray":
        if output.suffix in TABLE_SUFFIXES + (".jsonl",):
            fail(f"{output}: --engine ray writes a folder of part files (the workers write them): give -o a folder, e.g. -o {output.with_suffix('')}/", exits=2)
        try:
            import ray  # noqa: F401

            from .extract import ray as ray_engine
        except ImportError:
            fail("--engine ray needs Ray: pip install 'spacy-ddi[ray]'", exits=2)
        try:
            summary = ray_engine.run(model, inputs, output, options)
        except (FileNotFoundError, ValueError) as err:
            fail(str(err), exits=2)
        typer.echo(f"{summary.line()}; wrote {output}/ (Ray, {options.actors} actors)", err=True)
        if summary.failures:
            fail(f"{summary.failures} documents failed, e.g. {summary.errors[0]}", f"They are in {output}/errors-*.jsonl.", exits=1)
        return
    from .extract.runner import run

    try:
        done = run(model, inputs, output, options)
    except (FileNotFoundError, ValueError) as err:
        fail(str(err), exits=2)
    except ImportError as err:  # a Parquet table without pyarrow: the records are kept
        records = output.with_name(output.name + ".records.jsonl")
        fail(str(err), f"The records are in {records}.", exits=2)
    summary = done.summary
    if done.table_rows is not None:
        typer.echo(f"{done.table_rows} {'mention' if mentions else 'interaction'} rows in {output}", err=True)
    typer.echo(f"{summary.line()}; wrote {output}", err=True)
    if summary.failures:
        fail(f"{summary.failures} documents failed, e.g. {summary.errors[0]}", f"They are in {done.errors}.", exits=1)


@app.command("aggregate")
def aggregate_cli(
    extracted: List[Path] = typer.Argument(..., help="Output of spacy-ddi extract: .jsonl records, the .csv/.parquet interaction table, or a folder of --engine ray part files"),
    output: Path = typer.Option(..., "--output", "-o", help="The pair table: .csv, .parquet or .jsonl"),
    evidence: int = typer.Option(3, "--evidence", "-k", help="Evidence sentences kept per pair"),
    min_score: float = typer.Option(0.0, "--min-score", help="Leave out interactions scored below this"),
    affirmed_only: bool = typer.Option(False, "--affirmed-only", help="Count only affirmed findings as evidence (not \"X had no effect on Y\" or \"X may increase Y\"; records of spacy-ddi 1.0 have no assertion and are left out)"),
    by_class: bool = typer.Option(
        False, "--by-class",
        help="Add rows rolled up to drug classes (a drug counts toward the classes the vocabulary or its document puts it in), marked in the columns level and rolled_up_from",
    ),
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
        rows = pair_rows(read_interaction_rows(extracted), evidence=evidence, min_score=min_score, by_class=by_class,
                         affirmed_only=affirmed_only)
        write_pairs(rows, output)
    except (FileNotFoundError, ValueError, ImportError) as err:
        fail(str(err), exits=2)
    by_name = sum(1 for r in rows if r["drug_a_by_name"] or r["drug_b_by_name"])
    rolled = sum(1 for r in rows if r.get("level") == "class")
    pairs = len(rows) - rolled
    typer.echo(
        f"{pairs} drug pairs ({by_name} with a drug known by name only)"
        + (f" and {rolled} class roll-up rows" if by_class else "") + f" in {output}",
        err=True,
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


@app.command("review")
def review_cli(
    extracted: Path = typer.Argument(..., help="Records of spacy-ddi extract (.jsonl)"),
    log: Path = typer.Option(None, "--log", help="The decision log, appended to as decisions are made (default: INPUT.review.jsonl next to the input)"),
    host: str = typer.Option(
        "127.0.0.1", "--host",
        help="Address to listen on: 127.0.0.1 (the default) is this machine only; 0.0.0.0 shows the documents to the whole network",
    ),
    port: int = typer.Option(8000, "--port", help="Port to listen on (0: a free one, printed)"),
    allow_host: List[str] = typer.Option([], "--allow-host", help="A DNS name the server is reached by (repeatable); requests naming any other name are refused, IP addresses and this machine's names are answered"),
    export_path: Path = typer.Option(None, "--export", help="Write the reviewed documents here instead of serving: .jsonl (records with each decision applied and each interaction's review status) or .spacy (training sentences, the format of spacy-ddi convert)"),
    reviewed_only: bool = typer.Option(False, "--reviewed-only", help="With --export: only the documents with at least one decision"),
    force: bool = typer.Option(False, "--force", help="With --export: replace an existing file (never the input or the decision log)"),
) -> None:
    """Review extracted interactions in the browser.

    A local web app: one document at a time with its drugs and interactions drawn, and a
    queue of the interactions, most uncertain first (or by drug pair), to accept, reject or
    relabel; add missed interactions, fix mention spans and labels. Each decision is appended
    to the log as it is made; a restart resumes from it. With --export, no server: the
    reviewed documents are written out. The web app needs pip install 'spacy-ddi[review]'."""
    from .review import ReviewError, ReviewStore, export

    if (reviewed_only or force) and export_path is None:
        fail(f"{'--reviewed-only' if reviewed_only else '--force'} is an option of --export", exits=2)
    if export_path is not None and export_path.is_dir():
        fail(f"--export {export_path} is a folder; give a file name (.jsonl or .spacy)", exits=2)
    if export_path is None:
        from .review.server import missing_dependencies

        missing = missing_dependencies()
        if missing:
            fail(missing, exits=2)
    try:
        store = ReviewStore(extracted, log)
    except ReviewError as err:
        fail(str(err), exits=2)
    for note in store.notes:
        typer.echo(f"Note: {note}", err=True)
    if export_path is not None:
        target = export_path.resolve()
        if target in (store.log_path.resolve(), store.input_path.resolve()):
            what = "the decision log" if target == store.log_path.resolve() else "the input"
            fail(f"--export {export_path} is {what} of this review; export to another file", exits=2)
        if export_path.exists() and not force:
            fail(f"--export {export_path} exists; give another name, or --force to replace it", exits=2)
        try:
            summary = export(store, export_path, reviewed_only=reviewed_only)
        except ReviewError as err:
            fail(str(err), exits=2)
        typer.echo(f"{summary}\nWrote {export_path}", err=True)
        return
    from .review.server import serve

    try:
        serve(store, host=host, port=port, allow_hosts=allow_host)
    except OSError as err:
        fail(f"cannot listen on {host}:{port}: {err}", exits=1)


@app.command("tune")
def tune_cli(
    pipeline: str = typer.Argument(..., help="The trained pipeline: a folder (training/NAME/model-best) or an installed package"),
    dev: Path = typer.Argument(..., help="Dev documents to choose on: a DocBin of annotated sentences (corpus/dev.spacy, or spacy-ddi convert of your own)"),
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the tuned pipeline"),
    report: Path = typer.Option(None, "--report", help="Also write every setting tried, with its scores, and the chosen ones here (JSON)"),
    outside: Path = typer.Option(None, "--outside", help="Annotated documents from outside your dev's corpus (a DocBin), weighed beside dev: settings that only fit dev lose"),
    outside_weight: float = typer.Option(1 / 3, "--outside-weight", help="With --outside: its share of the objective, against dev's"),
    medline_weight: float = typer.Option(0.5, "--medline-weight", help="Weight of dev's MedLine (abstract) part in dev's objective, against the whole of dev"),
    calibrate: bool = typer.Option(True, "--calibrate/--no-calibrate", help="Fit the calibration of interaction scores on the interactions reported on dev"),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="GPU to run the pipeline on; -1 for the CPU"),
) -> None:
    """Choose a pipeline's prediction settings on dev; save it tuned.

    Tries the prior weights of drug_ner and the relation head, symmetric_reading,
    same_name_rule, join_attached, drug_linker's relabel_brands, unlinked_drug_n and
    drop_non_drugs, and whether negated pairs are kept (marked) or dropped; keeps those with the best mean of strict NER and DDI F1 (dev's abstracts
    weighed by --medline-weight, an outside set by --outside-weight); fits the score
    calibration; saves the pipeline to OUTPUT. The encoder runs once. Exit code 1 on bad input
    (named; nothing is written)."""
    from .training import TrainingError
    from .training.tune import tune

    try:
        tune(pipeline, dev, output, report, outside=outside, outside_weight=outside_weight, medline_weight=medline_weight,
             calibrate=calibrate, gpu_id=gpu_id, echo=typer.echo)
    except TrainingError as err:
        fail(str(err))


@app.command("finetune")
def finetune_cli(
    base: str = typer.Argument(..., help="Pipeline to start from: a folder or an installed package (en_ddi_mtmg)"),
    data: Path = typer.Argument(..., help="Your annotated documents: a DocBin from spacy-ddi convert or spacy-ddi review --export"),
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the split data, the config, the fine-tuned pipeline (model-best) and finetune.json"),
    dev: Path = typer.Option(None, "--dev", help="Your dev documents (a DocBin) to choose the checkpoint on; without it a fifth of DATA's training part is"),
    held_out: float = typer.Option(0.4, "--held-out", help="Share of DATA's documents held out for the before/after scores (0: none; then give --ddi-test)"),
    ddi: Path = typer.Option(Path("corpus/train.spacy"), "--ddi", help="DDI 2013 training sentences to mix in against forgetting"),
    ddi_ratio: float = typer.Option(3.0, "--ddi-ratio", help="DDI sentences mixed in per sentence of yours (0: none, and --ddi is not read; 3, the default, was best on the team's dev of the genre scenario: docs/own-data.md)"),
    max_steps: int = typer.Option(300, "--max-steps", help="Training steps"),
    learn_rate: float = typer.Option(0.0001, "--learn-rate", help="Peak learning rate of the encoder (training from scratch uses 0.0003)"),
    seed: int = typer.Option(0, "--seed", help="Seed of the split, the DDI sample and training"),
    ddi_test: Path = typer.Option(None, "--ddi-test", help="Also score before and after on this DocBin (e.g. corpus/test.spacy)"),
    tune_on: Path = typer.Option(None, "--tune-on", help="Choose the fine-tuned pipeline's prediction settings again on this dev DocBin (spacy-ddi tune) and score that pipeline too"),
    refit: Optional[bool] = typer.Option(None, "--refit/--keep-settings", help="Choose the prediction settings and calibration again on the dev that chose the checkpoint (--refit), or keep BASE's (--keep-settings); by default they are chosen again where that dev holds at least 100 interactions"),
    reuse_training: bool = typer.Option(False, "--reuse-training", help="Score OUTPUT/model-best from an earlier run instead of training again"),
    record: Path = typer.Option(None, "--record", help="JSON file for the scores (default OUTPUT/finetune.json)"),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="GPU to train and score on; -1 for the CPU"),
) -> None:
    """Fine-tune a trained pipeline on your own annotated documents.

    Whole documents of DATA are held out (never trained or chosen on); every component starts
    from BASE and trains on the rest, mixed with DDI 2013 sentences against forgetting, at a
    lower learning rate; BASE and the result are scored on the held-out documents (and on
    --ddi-test) with a paired bootstrap. Details: docs/own-data.md. Exit code 1 on bad input
    (named; nothing is written)."""
    from .training import TrainingError
    from .training.finetune import finetune

    try:
        finetune(base, data, output, dev=dev, ddi=ddi, ddi_ratio=ddi_ratio, held_out=held_out, max_steps=max_steps,
                 learn_rate=learn_rate, seed=seed, ddi_test=ddi_test, tune_on=tune_on, refit=refit, reuse_training=reuse_training,
                 record=record, gpu_id=gpu_id, echo=typer.echo)
    except TrainingError as err:
        fail(str(err))
