"""nlp.pipe(n_process=2) after the parent has tokenized: no huggingface tokenizers fork warning,
and the parent keeps its tokenizer parallelism."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
from tests.conftest import TRAIN_DATA, blank_nlp, train_examples
nlp = blank_nlp({encoder!r})
nlp.initialize(lambda: train_examples(nlp))
texts = [row[0] for row in TRAIN_DATA] * 4
parent = [len(doc.ents) for doc in nlp.pipe(texts, batch_size=4)]
children = [len(doc.ents) for doc in nlp.pipe(texts, batch_size=4, n_process=2)]
print("same", parent == children, "env", os.environ.get("TOKENIZERS_PARALLELISM"))
"""


@pytest.mark.slow
def test_forked_workers_print_no_tokenizers_warning(tiny_encoder):
    env = {k: v for k, v in __import__("os").environ.items() if k != "TOKENIZERS_PARALLELISM"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(root=str(ROOT), encoder=tiny_encoder)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "same True env None" in done.stdout
    assert "got forked" not in done.stderr, done.stderr[-2000:]
