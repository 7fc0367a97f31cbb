"""What ``spacy-ddi extract`` is told, in one object both engines read.

The command line builds an :class:`ExtractOptions` from its options (the names and defaults
are the same, and a test keeps them so); :func:`spacy_ddi.extract.local.run` and
:func:`spacy_ddi.extract.ray.run` take it. ``ENGINE_FIELDS`` says which fields only one engine
reads: giving another value to the other engine is a usage error.
"""
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Optional

from ..extensions import GENRES

RUNTIMES = ("torch", "onnx", "onnx-int8")  # what runs the encoder at prediction (spacy_ddi.onnx)

# the fields only one engine reads
ENGINE_FIELDS = {
    "local": ("n_process", "gpu_id", "mentions", "errors", "flush_seconds"),
    "ray": ("actors", "address", "gpus_per_actor", "cpus_per_actor", "part_format"),
}


@dataclass(frozen=True)
class ExtractOptions:
    """The settings of one extraction run (see ``spacy-ddi extract --help``)."""

    # what the inputs are
    id_field: str = "id"
    text_field: str = "text"
    # what is written
    min_score: float = 0.0
    affirmed_only: bool = False
    mentions: bool = False
    errors: Optional[Path] = None
    resume: bool = False
    flush_every: int = 1000
    flush_seconds: float = 60.0
    quiet: bool = False
    only_candidate_sentences: bool = False
    genre: str = "abstract"
    # how it runs
    runtime: str = "torch"
    batch_size: int = 0
    n_process: int = 1
    gpu_id: int = -1
    address: Optional[str] = None
    actors: int = 1
    gpus_per_actor: float = 0
    cpus_per_actor: float = 1
    part_format: str = "jsonl"

    def __post_init__(self):
        if self.flush_every < 1 or self.flush_seconds <= 0:
            raise ValueError("--flush-every is 1 or more and --flush-seconds more than 0")
        if self.batch_size < 0:
            raise ValueError(f"--batch-size is 0 (the pipeline's own) or more, not {self.batch_size}")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"--runtime is {', '.join(RUNTIMES)}, not {self.runtime!r}")
        if self.runtime != "torch" and (self.gpu_id >= 0 or self.gpus_per_actor > 0):
            raise ValueError(f"--runtime {self.runtime} runs on the CPU; leave out --gpu-id and --gpus-per-actor")
        if self.runtime != "torch" and self.n_process > 1:
            # an ONNX Runtime session does not survive a fork, nor pickling to a worker
            raise ValueError(f"--runtime {self.runtime} runs in one process; leave out --n-process (use --engine ray for more)")
        if self.genre not in GENRES:
            raise ValueError(f"--genre is one of {', '.join(GENRES)}, not {self.genre!r}")
        if self.actors < 1:
            raise ValueError(f"--actors is 1 or more, not {self.actors}")

    def other_engines_fields(self, engine: str):
        """The fields set away from their defaults that only the other engine reads."""
        if engine not in ENGINE_FIELDS:
            raise ValueError(f"--engine is local or ray, not {engine!r}")
        defaults = {f.name: f.default for f in fields(self)}
        other = "ray" if engine == "local" else "local"
        return [name for name in ENGINE_FIELDS[other] if getattr(self, name) != defaults[name]]
