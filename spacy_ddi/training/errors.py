"""The error the training steps (tune, finetune) raise on input they cannot use."""


from pathlib import Path


def check_writable(path, what: str, folder: bool) -> None:
    """Refuse, before any work, an output path that cannot be written as ``what`` (a folder
    where a file goes, a file where a folder goes)."""
    if path is None:
        return
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise TrainingError(f"{what} {path} is a file; give a folder")
    if not folder and path.is_dir():
        raise TrainingError(f"{what} {path} is a folder; give a file name")


class TrainingError(ValueError):
    """Bad input to a training step: the message names the input and what is wrong with it.
    Raised before anything is written."""
