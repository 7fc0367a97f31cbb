"""The pictures of docs/own-data.md: `spacy-ddi review` on a pipeline's extraction from a few
MedLine abstracts of the DDI test set, screenshotted in headless Chromium.

    python scripts/review_pictures.py en_ddi_mtmg assets/DDICorpus-2013.zip docs/images

Takes the ``--documents`` MedLine abstracts of the DDI Extraction test split with the most
annotated interactions (each abstract's sentences joined by one space, as a user passes
documents), runs ``spacy-ddi extract MODEL`` on them, serves ``spacy-ddi review`` on the records
(a new decision log, in a temporary folder) and takes two screenshots with Playwright driving
Debian's Chromium: the page as it opens (review.png), and after three decisions, accept, reject
and relabel to INT, made with the keys a, r and 4 (review-decisions.png; the pictures show the
interface, not a judgement of these interactions).
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

from spacy_ddi.corpus import read_split


def abstracts(corpus: Path, n: int):
    """(id, text) of the ``n`` MedLine test abstracts with the most annotated interactions."""
    docs = [d for d in read_split(corpus, "test") if d.source == "MedLine"]
    positives = {d.id: sum(p.label != "FALSE" for s in d.sentences for p in s.pairs) for d in docs}
    docs.sort(key=lambda d: (-positives[d.id], d.id))
    return [(d.id, " ".join(s.text for s in d.sentences)) for d in docs[:n]]


def main(
    model: str = typer.Argument(..., help="Trained pipeline: a folder or an installed package"),
    corpus: Path = typer.Argument(..., help="DDICorpus-2013.zip or the folder it unpacks to"),
    output_dir: Path = typer.Argument(..., help="Folder for review.png and review-decisions.png"),
    documents: int = typer.Option(4, "--documents", help="Abstracts to review"),
    width: int = typer.Option(1280, "--width", help="Window width in pixels"),
    height: int = typer.Option(900, "--height", help="Window height in pixels"),
):
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if binary is None:
        typer.echo("Error: no Chromium found (apt-get install chromium)", err=True)
        raise typer.Exit(1)
    from playwright.sync_api import sync_playwright

    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        texts = tmp / "abstracts.jsonl"
        texts.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in abstracts(corpus, documents)))
        extracted = tmp / "extracted.jsonl"
        cli = [sys.executable, "-m", "spacy_ddi"]
        subprocess.run(cli + ["extract", model, str(texts), "-o", str(extracted), "--quiet"], check=True, timeout=1800)
        server = subprocess.Popen(
            cli + ["review", str(extracted), "--port", "0", "--log", str(tmp / "decisions.jsonl")],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            url = None
            for line in server.stdout:
                found = re.search(r"Serving on (http://\S+)", line)
                if found:
                    url = found.group(1)
                    break
            if url is None:
                typer.echo("Error: the review server did not start", err=True)
                raise typer.Exit(1)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=binary, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
                )
                page = browser.new_page(viewport={"width": width, "height": height})

                def settled():
                    page.wait_for_selector("body[data-ready='1']:not([data-busy])", timeout=60_000)

                page.goto(url)
                settled()
                page.screenshot(path=str(output_dir / "review.png"))
                for key in ("a", "r", "4"):
                    page.keyboard.press(key)
                    settled()
                    time.sleep(0.2)
                page.screenshot(path=str(output_dir / "review-decisions.png"))
                browser.close()
        finally:
            server.kill()
            server.wait(timeout=30)
    typer.echo(f"Wrote {output_dir / 'review.png'} and {output_dir / 'review-decisions.png'}")


if __name__ == "__main__":
    typer.run(main)
