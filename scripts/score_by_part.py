"""Score a pipeline against a base on a test set of both DDI 2013 parts, with paired intervals.

    python scripts/score_by_part.py MODEL BASE corpus/test.spacy benchmarks/scenarios/genre_ceiling_50.json

What ``spacy-ddi finetune --ddi-test`` records for a fine-tuned pipeline (strict NER and DDI end to
end, DDI with gold entities; on the whole set and on each part; MODEL minus BASE with a 95% paired
bootstrap over documents), for a pipeline trained some other way: the genre scenario's ceiling,
trained from scratch on label text and the team's abstracts together.
"""
import json
import sys
from datetime import date
from pathlib import Path

import typer


def main(model: str, base: str, test: Path, output: Path):
    from spacy_ddi.training.finetune import compare, score
    from spacy_ddi.training.tune import load_pipeline, read_docbin

    nlp = load_pipeline(model, -1)
    base_nlp = load_pipeline(base, -1)
    docs = read_docbin(test, nlp.vocab, "TEST")
    after, before = score(nlp, docs), score(base_nlp, docs)
    out = {
        "date": date.today().isoformat(), "command": "python scripts/score_by_part.py " + " ".join(sys.argv[1:]),
        "model": model, "base": base,
        "ddi_test": {"path": str(test), "before": before["scores"], "after": after["scores"], "after_minus_before": compare(before, after)},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2) + "\n")
    m = out["ddi_test"]["after_minus_before"]["ddi_medline"]
    typer.echo(f"MedLine DDI F1 {m['f1_b']:.3f} (base) -> {m['f1_a']:.3f}, {m['diff']:+.3f} ({m['diff_low']:+.3f} to {m['diff_high']:+.3f}); wrote {output}")


if __name__ == "__main__":
    typer.run(main)
