"""Put the DDI 2013 corpus zip at --out: copy a local copy if there is one, else download it.

    python scripts/fetch_corpus.py --local ../shared/data/DDICorpus-2013.zip \
        --url https://github.com/isegura/DDICorpus/raw/master/DDICorpus-2013.zip \
        --md5 bff87b74e2bef1c9869cffecf2378ac6 --out assets/DDICorpus-2013.zip

The file is checked (md5, a zip holding DDICorpus/) before it is used; on any problem the
script stops with a message that names the file and says what to do. Exit status 1 then.
With --check it only checks the file at --out (the project's convert step does this first).
"""
import hashlib
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import typer

USE_ANOTHER_COPY = (
    "python -m spacy project run corpus . --vars.local_corpus=/path/to/DDICorpus-2013.zip"
)


class CorpusFileError(Exception):
    """The corpus zip is missing or not the published file."""


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_corpus_zip(path: Path, md5: str) -> None:
    """Raise CorpusFileError unless ``path`` is the DDI corpus zip with checksum ``md5``."""
    if not path.is_file():
        raise CorpusFileError(f"{path} does not exist")
    if not zipfile.is_zipfile(path):
        raise CorpusFileError(
            f"{path} is not a zip archive (an HTML error page or a truncated download?)"
        )
    found = md5sum(path)
    if found != md5:
        raise CorpusFileError(
            f"{path} has md5 {found}, expected {md5}: it is not the published "
            "DDICorpus-2013.zip (another version, or a damaged copy)"
        )
    with zipfile.ZipFile(path) as archive:
        if not any(name.startswith("DDICorpus/") for name in archive.namelist()):
            raise CorpusFileError(f"{path} has no DDICorpus/ folder inside")


def download(url: str, out: Path) -> None:
    """Download ``url`` to ``out`` through a temporary file (no half-written ``out``)."""
    with tempfile.NamedTemporaryFile(dir=out.parent, suffix=".part", delete=False) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                shutil.copyfileobj(response, tmp)
        except BaseException:
            Path(tmp.name).unlink()
            raise
    Path(tmp.name).replace(out)


def fetch(local: Path, url: str, md5: str, out: Path, log=print) -> str:
    """Make ``out`` the verified corpus zip; return how: kept, copied or downloaded."""
    if out.is_file():
        try:
            check_corpus_zip(out, md5)
            log(f"{out} is already there (md5 {md5})")
            return "kept"
        except CorpusFileError as err:
            log(f"Replacing {out}: {err}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if local.is_file():
        try:
            check_corpus_zip(local, md5)
        except CorpusFileError as err:
            raise CorpusFileError(
                f"The local copy of the corpus is unusable: {err}. Replace {local} with the "
                f"published DDICorpus-2013.zip ({url}), or use another copy: {USE_ANOTHER_COPY}"
            ) from None
        shutil.copyfile(local, out)
        log(f"Copied {local} to {out} (md5 {md5})")
        return "copied"
    log(f"No local copy at {local}; downloading {url}")
    try:
        download(url, out)
    except OSError as err:
        raise CorpusFileError(
            f"The corpus is not at {local} and downloading {url} failed ({err}). Download "
            f"DDICorpus-2013.zip elsewhere and put it at {out} or {local}, or use a copy "
            f"elsewhere: {USE_ANOTHER_COPY}"
        ) from None
    try:
        check_corpus_zip(out, md5)
    except CorpusFileError as err:
        raise CorpusFileError(
            f"The download is unusable: {err}. Run again, or download DDICorpus-2013.zip "
            f"elsewhere and put it at {out}, or use a local copy: {USE_ANOTHER_COPY}"
        ) from None
    log(f"Downloaded {url} to {out} (md5 {md5})")
    return "downloaded"


def main(
    out: Path = typer.Option(..., help="Where the corpus zip goes (the project asset)"),
    url: str = typer.Option(..., help="Upstream URL of DDICorpus-2013.zip"),
    md5: str = typer.Option(..., help="md5 checksum of the published zip"),
    local: Path = typer.Option(
        Path("../shared/data/DDICorpus-2013.zip"), help="A local copy to use instead of downloading"
    ),
    check: bool = typer.Option(False, "--check", help="Only check the file at --out"),
):
    try:
        if check:
            try:
                check_corpus_zip(out, md5)
            except CorpusFileError as err:
                raise CorpusFileError(
                    f"{err}. Fetch the corpus again: python -m spacy project run corpus"
                ) from None
        else:
            fetch(local, url, md5, out)
    except CorpusFileError as err:
        typer.echo(f"Error: {err}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
