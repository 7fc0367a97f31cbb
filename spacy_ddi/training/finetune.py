"""Fine-tune a trained spacy-ddi pipeline on a team's own annotated documents.

    python scripts/finetune.py BASE DATA OUT_DIR [--ddi corpus/train.spacy] [--held-out 0.4]
        [--ddi-ratio 1.0] [--max-steps 300] [--learn-rate 0.0001] [--seed 0]
        [--ddi-test corpus/test.spacy] [--tune-on corpus/dev.spacy] [--reuse-training]
        [--record benchmarks/finetune.json]

BASE is the pipeline to start from (a folder or an installed package such as en_ddi_mtmg);
DATA a DocBin in the training format (``spacy-ddi convert`` of your BRAT/BioC/PubTator files,
or ``spacy-ddi review --export``): one doc per sentence with its document id.

1. DATA's documents (whole documents, by a seeded shuffle) are split into a held-out part
   (``--held-out``), never trained or selected on, and the rest; a fifth of the rest (at least
   one document) is the dev part that chooses the best checkpoint.
2. The training set is the rest of DATA plus a random sample of DDI 2013 training sentences
   (``--ddi-ratio`` times as many as the team's), so that the pipeline keeps what it knew.
3. Every component is sourced from BASE (its weights and its prediction settings) and trained
   on for ``--max-steps`` steps with ``spacy train``, at a lower learning rate than training
   from scratch.
4. BASE and the fine-tuned pipeline are scored on the held-out documents (strict NER, DDI end
   to end and with gold entities, with a paired bootstrap over documents), and with
   ``--ddi-test`` also on the DDI 2013 test set, which shows what fine-tuning cost there.
5. With ``--tune-on DEV``, the fine-tuned pipeline's prediction settings (prior weights,
   calibration, ...) are chosen again on DEV with ``scripts/tune_priors.py``, as BASE's were,
   and that pipeline (OUT_DIR/model-tuned) is scored as well ("after_tuned").

Writes OUT_DIR/data/{train,dev,held_out}.spacy, OUT_DIR/config.cfg, OUT_DIR/model-best and
model-last, OUT_DIR/train.log, and the scores to ``--record`` (default OUT_DIR/finetune.json).
Without ``--tune-on`` the calibration and prior weights stay BASE's. ``--reuse-training``
scores (and tunes) an OUT_DIR/model-best already trained by an earlier run with the same data
and options instead of training again.
"""
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import spacy
import typer
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY
from spacy_ddi.evaluation import ddi_keys, entity_keys, paired_bootstrap, part_document_counts, with_gold_entities
from spacy_ddi.scoring import score_ddi_strict, score_ner_strict


def documents_of(docs) -> Dict[str, list]:
    """Sentence docs grouped by document id, in order; a doc without one is its own document."""
    grouped: Dict[str, list] = {}
    for k, doc in enumerate(docs):
        grouped.setdefault(doc.user_data.get(DOCUMENT_ID_KEY) or f"#{k}", []).append(doc)
    return grouped


def split_documents(ids: List[str], held_out: float, seed: int):
    """(train ids, dev ids, held-out ids): whole documents by a seeded shuffle; dev is a fifth of
    what is not held out, at least one document."""
    ids = sorted(ids)
    random.Random(seed).shuffle(ids)
    n_held = max(1, round(len(ids) * held_out))
    held, rest = ids[:n_held], ids[n_held:]
    n_dev = max(1, round(len(rest) / 5))
    if len(rest) - n_dev < 1:
        raise ValueError(f"{len(ids)} documents are too few to hold out {n_held}, choose on {n_dev} and train on the rest")
    return rest[n_dev:], rest[:n_dev], held


def write(docs, path: Path) -> None:
    bin_ = DocBin(store_user_data=True)
    for doc in docs:
        bin_.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    bin_.to_disk(path)


def finetune_config(base_nlp, base: str, out: Path, max_steps: int, learn_rate: float, seed: int):
    """BASE's config with every component sourced from BASE and a short, gentle schedule."""
    config = base_nlp.config.copy()
    for name in base_nlp.pipe_names:
        config["components"][name] = {"source": base}
    config["paths"]["train"] = str(out / "data" / "train.spacy")
    config["paths"]["dev"] = str(out / "data" / "dev.spacy")
    config["system"]["seed"] = seed
    train_reader = config["corpora"]["train"]
    train_reader["path"] = str(out / "data" / "train.spacy")
    if "medline_repeat" in train_reader:
        train_reader["medline_repeat"] = 1  # the mix is set here, by --ddi-ratio
    config["corpora"]["dev"]["path"] = str(out / "data" / "dev.spacy")
    training = config["training"]
    training["seed"] = seed
    training["max_steps"] = max_steps
    training["max_epochs"] = 0
    training["eval_frequency"] = max(1, max_steps // 3)
    training["optimizer"]["learn_rate"] = {
        "@schedules": "warmup_linear.v1", "warmup_steps": max(1, max_steps // 10),
        "total_steps": max_steps, "initial_rate": learn_rate,
    }
    return config


def score(nlp, gold_docs) -> dict:
    """Strict NER and DDI end to end, DDI with gold entities, and per-document counts."""
    predicted = list(nlp.pipe([d.text for d in gold_docs]))
    examples = [Example(p, g) for p, g in zip(predicted, gold_docs)]
    gold_pred = with_gold_entities(nlp, gold_docs)
    gold_examples = [Example(p, g) for p, g in zip(gold_pred, gold_docs)]
    ner, ddi = score_ner_strict(examples), score_ddi_strict(examples)
    gold = score_ddi_strict(gold_examples)
    return {
        "scores": {
            "ents_p": ner["ents_p"], "ents_r": ner["ents_r"], "ents_f": ner["ents_f"],
            "ddi_strict_p": ddi["ddi_strict_p"], "ddi_strict_r": ddi["ddi_strict_r"], "ddi_strict_f": ddi["ddi_strict_f"],
            "ddi_gold_entities_f": gold["ddi_strict_f"],
        },
        "counts": {
            "ner": part_document_counts(predicted, gold_docs, entity_keys),
            "ddi": part_document_counts(predicted, gold_docs, ddi_keys),
            "ddi_gold_entities": part_document_counts(gold_pred, gold_docs, ddi_keys),
        },
    }


def compare(before: dict, after: dict) -> dict:
    """After minus before, each with a 95% paired bootstrap interval over documents."""
    return {
        name: {k: round(v, 4) if isinstance(v, float) else v for k, v in paired_bootstrap([after["counts"][name]], [before["counts"][name]]).items()}
        for name in before["counts"]
    }


def main(
    base: str = typer.Argument(..., help="Pipeline to start from: a folder or an installed package"),
    data: Path = typer.Argument(..., help="Your annotated documents: a DocBin in the training format"),
    out_dir: Path = typer.Argument(..., help="Folder for the split data, the config and the fine-tuned pipeline"),
    ddi: Path = typer.Option(Path("corpus/train.spacy"), help="DDI 2013 training sentences to mix in against forgetting"),
    ddi_ratio: float = typer.Option(1.0, help="DDI sentences mixed in per sentence of yours (0: none)"),
    held_out: float = typer.Option(0.4, help="Share of your documents held out for the before/after scores"),
    max_steps: int = typer.Option(300, help="Training steps"),
    learn_rate: float = typer.Option(0.0001, help="Peak learning rate (training from scratch uses 0.0003)"),
    seed: int = typer.Option(0, help="Seed of the split, the DDI sample and training"),
    ddi_test: Optional[Path] = typer.Option(None, help="Also score before and after on this DocBin (e.g. corpus/test.spacy)"),
    tune_on: Optional[Path] = typer.Option(None, help="Choose the fine-tuned pipeline's prediction settings again on this dev DocBin, and score that pipeline too"),
    reuse_training: bool = typer.Option(False, help="Use OUT_DIR/model-best from an earlier run instead of training again"),
    record: Optional[Path] = typer.Option(None, help="JSON file for the scores (default OUT_DIR/finetune.json)"),
    gpu_id: int = typer.Option(-1, help="GPU to train and score on; -1 for the CPU"),
):
    for path in (data,) + ((ddi,) if ddi_ratio > 0 else ()) + ((ddi_test,) if ddi_test else ()) + ((tune_on,) if tune_on else ()):
        if not path.exists():
            print(f"Error: {path} not found", file=sys.stderr)
            raise typer.Exit(2)
    if not 0 < held_out < 1:
        print(f"Error: --held-out must be in (0, 1), got {held_out}", file=sys.stderr)
        raise typer.Exit(2)
    record = record or out_dir / "finetune.json"
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    base_nlp = spacy.load(base)
    docs = list(DocBin().from_disk(data).get_docs(base_nlp.vocab))
    grouped = documents_of(docs)
    try:
        train_ids, dev_ids, held_ids = split_documents(list(grouped), held_out, seed)
    except ValueError as err:
        print(f"Error: {data}: {err}", file=sys.stderr)
        raise typer.Exit(2)
    team_train = [d for i in train_ids for d in grouped[i]]
    dev = [d for i in dev_ids for d in grouped[i]]
    held = [d for i in held_ids for d in grouped[i]]
    mixed: list = []
    if ddi_ratio > 0:
        pool = list(DocBin().from_disk(ddi).get_docs(base_nlp.vocab))
        n = min(len(pool), round(len(team_train) * ddi_ratio))
        mixed = random.Random(seed).sample(pool, n)
    write(team_train + mixed, out_dir / "data" / "train.spacy")
    write(dev, out_dir / "data" / "dev.spacy")
    write(held, out_dir / "data" / "held_out.spacy")
    typer.echo(
        f"{data}: {len(grouped)} documents -> train {len(train_ids)} ({len(team_train)} sentences, plus "
        f"{len(mixed)} DDI 2013 sentences), dev {len(dev_ids)} ({len(dev)}), held out {len(held_ids)} ({len(held)})"
    )
    config = finetune_config(base_nlp, base, out_dir, max_steps, learn_rate, seed)
    config.to_disk(out_dir / "config.cfg")

    typer.echo(f"Scoring {base} on the held-out documents")
    before = score(base_nlp, held)
    before_test = score(base_nlp, list(DocBin().from_disk(ddi_test).get_docs(base_nlp.vocab))) if ddi_test else None
    del base_nlp

    if reuse_training:
        if not (out_dir / "model-best").exists():
            print(f"Error: --reuse-training: {out_dir / 'model-best'} not found", file=sys.stderr)
            raise typer.Exit(2)
        earlier = json.loads(record.read_text()) if record.exists() else {}
        seconds = earlier.get("training_seconds")
    else:
        command = [sys.executable, "-m", "spacy", "train", str(out_dir / "config.cfg"), "--output", str(out_dir), "--gpu-id", str(gpu_id)]
        typer.echo("Fine-tuning: " + " ".join(command[1:]))
        t0 = time.time()
        with open(out_dir / "train.log", "w") as log:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in proc.stdout:
                sys.stdout.write(line)
                log.write(line)
            code = proc.wait()
        seconds = round(time.time() - t0)
        if code != 0:
            print(f"Error: spacy train exited with {code}; log in {out_dir / 'train.log'}", file=sys.stderr)
            raise typer.Exit(code)

    tuned = spacy.load(out_dir / "model-best")
    typer.echo("Scoring the fine-tuned pipeline on the held-out documents")
    after = score(tuned, held)
    after_test = score(tuned, list(DocBin().from_disk(ddi_test).get_docs(tuned.vocab))) if ddi_test else None
    after_tuned = after_tuned_test = None
    if tune_on:
        command = [
            sys.executable, str(Path(__file__).parent / "tune_priors.py"), str(out_dir / "model-best"), str(tune_on),
            str(out_dir / "model-tuned"), str(out_dir / "tuning.json"), "--gpu-id", str(gpu_id),
        ]
        typer.echo("Choosing the prediction settings again: " + " ".join(command[1:]))
        if subprocess.run(command).returncode != 0:
            print("Error: tune_priors.py failed", file=sys.stderr)
            raise typer.Exit(1)
        retuned = spacy.load(out_dir / "model-tuned")
        after_tuned = score(retuned, held)
        after_tuned_test = score(retuned, list(DocBin().from_disk(ddi_test).get_docs(retuned.vocab))) if ddi_test else None
    out = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", "scripts/finetune.py"] + sys.argv[1:]),
        "base": base, "data": str(data), "seed": seed,
        "documents": {"train": train_ids, "dev": dev_ids, "held_out": held_ids},
        "sentences": {"train": len(team_train), "ddi_mixed_in": len(mixed), "dev": len(dev), "held_out": len(held)},
        "max_steps": max_steps, "learn_rate": learn_rate, "training_seconds": seconds,
        "held_out": {"before": before["scores"], "after": after["scores"], "after_minus_before": compare(before, after)},
    }
    if ddi_test:
        out["ddi_test"] = {
            "path": str(ddi_test), "before": before_test["scores"], "after": after_test["scores"],
            "after_minus_before": compare(before_test, after_test),
        }
    if tune_on:
        out["tuned_on"] = str(tune_on)
        out["held_out"]["after_tuned"] = after_tuned["scores"]
        out["held_out"]["after_tuned_minus_before"] = compare(before, after_tuned)
        if ddi_test:
            out["ddi_test"]["after_tuned"] = after_tuned_test["scores"]
            out["ddi_test"]["after_tuned_minus_before"] = compare(before_test, after_tuned_test)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(out, indent=2) + "\n")
    b, a = before["scores"], after["scores"]
    typer.echo(
        f"held out ({len(held_ids)} documents): NER F1 {b['ents_f']:.3f} -> {a['ents_f']:.3f}; DDI F1 "
        f"{b['ddi_strict_f']:.3f} -> {a['ddi_strict_f']:.3f}; with gold entities "
        f"{b['ddi_gold_entities_f']:.3f} -> {a['ddi_gold_entities_f']:.3f}"
        + (f" ({seconds} s of training)" if seconds is not None else "")
    )
    if tune_on:
        a = after_tuned["scores"]
        typer.echo(f"  settings chosen again on {tune_on}: NER F1 {a['ents_f']:.3f}; DDI F1 {a['ddi_strict_f']:.3f}; with gold entities {a['ddi_gold_entities_f']:.3f}")
    if ddi_test:
        b, a = before_test["scores"], after_test["scores"]
        typer.echo(f"{ddi_test}: NER F1 {b['ents_f']:.3f} -> {a['ents_f']:.3f}; DDI F1 {b['ddi_strict_f']:.3f} -> {a['ddi_strict_f']:.3f}")
    typer.echo(f"Scores in {record}")


if __name__ == "__main__":
    typer.run(main)
