"""Draw the README's picture: a pipeline's predictions on two DDI test sentences, as PNG.

    python scripts/readme_picture.py training/ddi_mtmg/model-tuned corpus/test.spacy docs/visualize/example.png

Renders the two test sentences that start with ``--starts`` through ``spacy_ddi.render``
(one page, 900 pixels wide) and screenshots it with headless Chromium (Debian's
``chromium`` package), cropped to the drawing's height.
"""
import shutil
import subprocess
import tempfile
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

import spacy_ddi

STARTS = ("Since Celontin", "Additive sedative effects can occur when metoclopramide")


def main(
    model: str = typer.Argument(..., help="Pipeline folder or package"),
    corpus: Path = typer.Argument(..., help="Converted DDI test set"),
    output: Path = typer.Argument(..., help="PNG to write"),
    starts: str = typer.Option("|".join(STARTS), help="Beginnings of the sentences to draw, |-separated"),
    height: int = typer.Option(350, help="Height of the picture in pixels"),
):
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if binary is None:
        typer.echo("Error: no Chromium found (apt-get install chromium)", err=True)
        raise typer.Exit(1)
    nlp = spacy.load(model)
    texts = [doc.text for doc in DocBin().from_disk(corpus).get_docs(nlp.vocab)]
    chosen = []
    for start in starts.split("|"):
        match = next((t for t in texts if t.startswith(start)), None)
        if match is None:
            typer.echo(f"Error: no sentence of {corpus} starts with {start!r}", err=True)
            raise typer.Exit(1)
        chosen.append(match)
    page = spacy_ddi.render(list(nlp.pipe(chosen)), page=True, jupyter=False, options={"width": 900})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.html"
        path.write_text(page, encoding="utf8")
        output.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [binary, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
             "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={tmp}/profile",
             f"--window-size=940,{height}", f"--screenshot={output.resolve()}", path.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    typer.echo(f"Wrote {output}")


if __name__ == "__main__":
    typer.run(main)
