"""Write the meta.json that `spacy package --meta-path` uses for the en_ddi_mtmg package.

    python scripts/package_meta.py packages/meta.json --name ddi_mtmg --version 0.2.1

`spacy package` merges it over the trained pipeline's own meta (labels, performance). It adds
what a user of the installed package needs: a description, the licence of the training data,
its source, and the spacy-ddi release the pipeline was saved with (the code of its components,
whose entry points make `spacy.load("en_ddi_mtmg")` work).
"""
from pathlib import Path

import srsly
import typer
from spacy.util import get_minor_version_range

import spacy_ddi

CORPUS = {
    "name": "DDI Extraction 2013 corpus",
    "url": "https://github.com/isegura/DDICorpus",
    "license": "CC BY-NC 4.0",
    "author": "Herrero-Zazo et al., J Biomed Inform 46(5):914-920, 2013",
}


def main(
    output: Path = typer.Argument(..., help="meta.json to write"),
    name: str = typer.Option("ddi_mtmg", help="Pipeline name; the package is LANG_NAME"),
    version: str = typer.Option("0.2.1", help="Package version"),
    lang: str = typer.Option("en", help="Language code"),
):
    meta = {
        "lang": lang,
        "name": name,
        "version": version,
        "description": (
            "Drug mentions (DRUG, BRAND, GROUP, DRUG_N in doc.ents) and drug-drug interactions "
            "(MECHANISM, EFFECT, ADVISE, INT in doc._.ddis), trained on the DDI 2013 corpus with "
            "spacy-ddi's MTMG components on a shared transformer."
        ),
        "author": "spacy-ddi",
        # trained on CC BY-NC 4.0 data: the pipeline inherits the non-commercial terms
        "license": "CC BY-NC 4.0",
        "sources": [CORPUS],
        "requirements": [f"spacy-ddi{get_minor_version_range(spacy_ddi.__version__)}"],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, meta)
    typer.echo(f"Wrote {output}")


if __name__ == "__main__":
    typer.run(main)
