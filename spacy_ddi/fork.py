"""Fork hooks for ``nlp.pipe(n_process=...)``: one torch thread in a forked child, and no
huggingface tokenizers fork warning. Registered when the first head is created."""
import os

import torch


def _one_torch_thread_after_fork() -> None:
    """A forked child (``nlp.pipe(n_process=...)``) uses one torch thread.

    The child inherits torch's OpenMP state without its threads, and its first parallel op
    hangs; torch's own DataLoader workers avoid this the same way.
    """
    torch.set_num_threads(1)


_FORK_HOOK_REGISTERED = False
# set by _quiet_tokenizers_before_fork when it set TOKENIZERS_PARALLELISM itself
_TOKENIZERS_SET_FOR_FORK = False


def _quiet_tokenizers_before_fork() -> None:
    """Tell huggingface tokenizers, for the fork only, that the child runs without its thread
    pool: a child forked after the parent tokenized prints "The current process just got
    forked, after parallelism has already been used" unless TOKENIZERS_PARALLELISM is set."""
    global _TOKENIZERS_SET_FOR_FORK
    if "TOKENIZERS_PARALLELISM" not in os.environ:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
        _TOKENIZERS_SET_FOR_FORK = True


def _restore_tokenizers_after_fork() -> None:
    """In the parent: take back what :func:`_quiet_tokenizers_before_fork` set, so the parent
    keeps tokenizing in parallel."""
    global _TOKENIZERS_SET_FOR_FORK
    if _TOKENIZERS_SET_FOR_FORK:
        os.environ.pop("TOKENIZERS_PARALLELISM", None)
        _TOKENIZERS_SET_FOR_FORK = False


def _register_fork_hook() -> None:
    """Register the fork hooks once, when the first head is created (not at import, so
    importing spacy_ddi changes nothing in a process that uses no head): one torch thread in a
    forked child, and no tokenizers fork warning."""
    global _FORK_HOOK_REGISTERED
    if not _FORK_HOOK_REGISTERED:
        os.register_at_fork(
            before=_quiet_tokenizers_before_fork,
            after_in_parent=_restore_tokenizers_after_fork,
            after_in_child=_one_torch_thread_after_fork,
        )
        _FORK_HOOK_REGISTERED = True
