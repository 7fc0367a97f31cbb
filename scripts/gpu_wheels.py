"""Fetch the wheels that scripts/gpu_cpu_agreement.py needs on a GPU machine without network or spaCy.

    python scripts/gpu_wheels.py wheels && python -m pip wheel . --no-deps --wheel-dir wheels

(``spacy project run gpu-wheels``; the second step adds spacy-ddi's own wheel.)

The lent GPU machine (Python 3.12, a CUDA build of torch, numpy 2, CuPy, transformers 5; no
spaCy, thinc, spacy-transformers or pytorch-crf; nothing can be downloaded there, and at most
64 MiB travels with the working tree) gets these as cp312 manylinux wheels, downloaded here
with pip (no dependencies resolved: the list below is complete for what that machine lacks).
spacy-transformers 1.4 needs transformers < 4.53.3, so transformers 4.53.2 and the tokenizers
and huggingface-hub it needs come too. spaCy's, thinc's and blis's compiled modules carry
debug symbols (spaCy 3.8's wheel is 35 MB); they are stripped (``strip --strip-debug``, the
RECORD hashes rewritten), which brings the folder to about a third of the size. On the GPU
machine:

    pip install --no-index --no-deps wheels/*.whl
    python scripts/gpu_cpu_agreement.py corpus/train.spacy corpus/test.spacy --output benchmarks/runs/gpu_check.json
"""
import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import typer

WHEELS = [
    "spacy==3.8.18", "thinc==8.3.14", "blis==1.3.4", "spacy-transformers==1.4.0",
    "pytorch-crf==0.7.2", "transformers==4.53.2", "tokenizers==0.21.4", "huggingface-hub==0.33.5",
    "spacy-legacy==3.0.12", "spacy-loggers==1.0.5", "spacy-alignments==0.9.3",
    "murmurhash==1.0.16", "cymem==2.0.16", "preshed==3.0.15", "srsly==2.5.6", "wasabi==1.1.3",
    "catalogue==2.0.10", "confection==1.3.4", "weasel==1.0.1", "cloudpathlib==0.26.0",
    "smart-open==9.0.2", "langcodes==3.5.1", "pydantic==2.14.4", "pydantic-core==2.50.5",
    "annotated-types==0.8.0", "typing-inspection==0.4.5",
    # drug_linker's offline vocabulary (a data file read from the installed package)
    "drug-named-entity-recognition==2.0.9",
]
PLATFORMS = ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_24_x86_64", "manylinux_2_28_x86_64"]


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def strip_wheel(wheel: Path) -> int:
    """Strip debug symbols from the shared libraries in ``wheel`` in place; return bytes saved."""
    before = wheel.stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with zipfile.ZipFile(wheel) as source:
            names = source.namelist()
            source.extractall(tmp)
        libraries = [name for name in names if name.endswith(".so")]
        if not libraries:
            return 0
        subprocess.run(["strip", "--strip-debug", *[str(tmp / name) for name in libraries]], check=True)
        record_name = next(name for name in names if name.endswith(".dist-info/RECORD"))
        rows = []
        for line in (tmp / record_name).read_text().splitlines():
            path = line.split(",")[0]
            if path in libraries:
                data = (tmp / path).read_bytes()
                line = f"{path},{record_hash(data)},{len(data)}"
            rows.append(line)
        (tmp / record_name).write_text("\n".join(rows) + "\n")
        rebuilt = wheel.with_suffix(".tmp")
        with zipfile.ZipFile(rebuilt, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for name in names:
                target.write(tmp / name, name)
        shutil.move(rebuilt, wheel)
    return before - wheel.stat().st_size


def main(folder: Path = typer.Argument(Path("wheels"), help="Where to put the wheels")):
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--python-version", "3.12", "--implementation", "cp", "--abi", "cp312", "--abi", "abi3",
        "--abi", "none", "-d", str(folder),
    ]
    for platform in PLATFORMS + ["any"]:
        command += ["--platform", platform]
    subprocess.run(command + WHEELS, check=True)
    saved = sum(strip_wheel(wheel) for wheel in sorted(folder.glob("*.whl")))
    total = sum(wheel.stat().st_size for wheel in folder.glob("*.whl"))
    typer.echo(f"{len(list(folder.glob('*.whl')))} wheels in {folder}: {total / 2**20:.1f} MiB "
               f"({saved / 2**20:.1f} MiB of debug symbols stripped)")


if __name__ == "__main__":
    typer.run(main)
