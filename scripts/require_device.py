"""Stop early, with a clear message, when training is asked to use a GPU that is not usable.

    python scripts/require_device.py --gpu-id GPU_ID

GPU_ID -1 means the CPU and always passes. For GPU_ID >= 0, spaCy needs CuPy (thinc's GPU
ops) and torch needs a CUDA build that sees that device; without them ``spacy train
--gpu-id 0`` fails with a traceback ("Cannot use GPU, CuPy is not installed").
"""
import sys

import typer

CPU_HINT = (
    "To train on the CPU, leave gpu_id at -1 (the default): python -m spacy project run train. "
    "To train on a GPU, use a machine with an NVIDIA GPU, a CUDA build of torch and CuPy for "
    "its CUDA version (e.g. pip install 'spacy[cuda12x]')."
)


def gpu_problem(gpu_id: int) -> str:
    """Why GPU ``gpu_id`` cannot be used for training, or "" when it can."""
    import torch

    if not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        return f"torch {torch.__version__} ({build}) sees no CUDA GPU"
    count = torch.cuda.device_count()
    if gpu_id >= count:
        return f"torch sees {count} GPU(s), numbered 0 to {count - 1}"
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "CuPy, which spaCy's GPU support needs, is not installed"
    return ""


def main(gpu_id: int = typer.Option(..., help="The GPU to train on; -1 for the CPU")):
    if gpu_id < 0:
        typer.echo("Training on the CPU (gpu_id -1)")
        return
    problem = gpu_problem(gpu_id)
    if problem:
        typer.echo(
            f"Error: training was asked to use GPU {gpu_id} (--gpu-id {gpu_id}), but {problem}. "
            + CPU_HINT,
            err=True,
        )
        sys.exit(1)
    typer.echo(f"Training on GPU {gpu_id}")


if __name__ == "__main__":
    typer.run(main)
