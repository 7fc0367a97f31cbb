"""Train a small pipeline of the default architecture on a GPU, save it, and predict the DDI
test set with it on the GPU and on the CPU; report speeds and whether the two agree.

    python scripts/gpu_cpu_agreement.py corpus/train.spacy corpus/test.spacy --output benchmarks/runs/gpu_check.json
    python scripts/gpu_cpu_agreement.py corpus/train.spacy corpus/test.spacy --device cpu   # the same on the CPU

What it does, in about a minute on a GPU (nothing is downloaded):
1. builds a small BERT (2 layers, 128 wide) with a WordPiece vocabulary learnt from the
   training sentences, in a temporary folder (the MiniLM weights are not needed);
2. trains ``configs/ddi_mtmg.cfg`` with that encoder for ``--steps`` steps on the first
   ``--n-train`` training sentences (dev: the next 30) with ``--gpu-id 0`` (``--device cpu``:
   on the CPU), through spaCy's own ``train``, and saves the pipeline;
3. loads the saved pipeline on the GPU (``spacy.require_gpu``) and on the CPU
   (``spacy.require_cpu``), predicts the test sentences with each and compares entities,
   interactions (labels exact, scores within ``--tolerance``) and sentence flags.
Prints training steps/s, prediction words/s on each device and the agreement; writes JSON
with ``--output``; exits 1 when the devices disagree or a step fails.
"""
import json
import sys
import tempfile
import time
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parent.parent


def build_encoder(texts, folder: Path, vocab_size: int = 4000) -> str:
    """A 2-layer BERT with a WordPiece vocabulary learnt from ``texts``, saved in ``folder``."""
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1)
    folder.mkdir(parents=True, exist_ok=True)
    wordpiece.save_model(str(folder))
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(folder)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=128, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=256, max_position_embeddings=512,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return str(folder)


def summary(doc, ndigits: int = 6):
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    ddis = [(d.subject.start_char, d.object.start_char, d.label, round(d.score, ndigits)) for d in doc._.ddis]
    flags = [(s._.enc_prob, s._.pdc_prob) for s in doc.sents] if len(doc) else []
    return ents, ddis, flags


def compare(a, b, tolerance: float) -> list:
    """Where two predictions of the same texts differ beyond ``tolerance``."""
    problems = []
    for k, ((ents_a, ddis_a, flags_a), (ents_b, ddis_b, flags_b)) in enumerate(zip(a, b)):
        if ents_a != ents_b:
            problems.append(f"text {k}: entities {ents_a} vs {ents_b}")
        if [d[:3] for d in ddis_a] != [d[:3] for d in ddis_b]:
            problems.append(f"text {k}: interactions {ddis_a} vs {ddis_b}")
        elif any(abs(x[3] - y[3]) > tolerance for x, y in zip(ddis_a, ddis_b)):
            problems.append(f"text {k}: interaction scores {ddis_a} vs {ddis_b}")
        for fa, fb in zip(flags_a, flags_b):
            if any(x is None or y is None or abs(x - y) > tolerance for x, y in zip(fa, fb)):
                problems.append(f"text {k}: sentence flags {flags_a} vs {flags_b}")
                break
    return problems


def predict(model_path: Path, texts, use_gpu: bool):
    import spacy

    if use_gpu:
        spacy.require_gpu(0)
    else:
        spacy.require_cpu()
    nlp = spacy.load(model_path)
    list(nlp.pipe(texts[:16]))  # warm up
    start = time.perf_counter()
    docs = list(nlp.pipe(texts))
    seconds = time.perf_counter() - start
    words = sum(len(doc) for doc in docs)
    return [summary(doc) for doc in docs], {"words": words, "seconds": seconds, "words_per_second": words / seconds}


def main(
    train: Path = typer.Argument(..., help="Converted training sentences (corpus/train.spacy)"),
    test: Path = typer.Argument(..., help="Converted test sentences (corpus/test.spacy)"),
    device: str = typer.Option("gpu", help="gpu: train and predict on GPU 0, and predict on the CPU too; cpu: everything on the CPU"),
    steps: int = typer.Option(50, help="Training steps"),
    n_train: int = typer.Option(300, help="Training sentences"),
    n_test: int = typer.Option(0, help="Test sentences to predict (0: all)"),
    tolerance: float = typer.Option(1e-3, help="Largest score difference counted as agreement"),
    config: Path = typer.Option(ROOT / "configs" / "ddi_mtmg.cfg", help="Pipeline config"),
    output: Path = typer.Option(None, help="JSON file to write"),
):
    import spacy
    from spacy.cli.train import train as spacy_train
    from spacy.tokens import DocBin

    if device not in ("gpu", "cpu"):
        raise typer.BadParameter(f"--device must be gpu or cpu, not {device!r}")
    use_gpu = device == "gpu"
    record = {"device": device, "steps": steps, "n_train": n_train, "date": time.strftime("%Y-%m-%d"),
              "command": " ".join(["python", "scripts/gpu_cpu_agreement.py"] + sys.argv[1:])}
    if use_gpu:
        import torch

        if not torch.cuda.is_available():
            typer.echo(f"Error: torch {torch.__version__} sees no CUDA GPU; run with --device cpu", err=True)
            raise typer.Exit(1)
        record["gpu"] = torch.cuda.get_device_name(0)
        record["torch"] = torch.__version__
    nlp = spacy.blank("en")
    train_docs = list(DocBin().from_disk(train).get_docs(nlp.vocab))
    test_texts = [doc.text for doc in DocBin().from_disk(test).get_docs(nlp.vocab)]
    if n_test:
        test_texts = test_texts[:n_test]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        DocBin(docs=train_docs[:n_train], store_user_data=True).to_disk(tmp / "train.spacy")
        DocBin(docs=train_docs[n_train : n_train + 30] or train_docs[:30], store_user_data=True).to_disk(tmp / "dev.spacy")
        encoder = build_encoder([d.text for d in train_docs[:n_train]], tmp / "encoder")
        overrides = {
            "paths.train": str(tmp / "train.spacy"), "paths.dev": str(tmp / "dev.spacy"),
            "components.transformer.model.name": encoder,
            "training.max_steps": steps, "training.eval_frequency": steps,
            "training.optimizer.learn_rate.warmup_steps": max(1, steps // 5),
        }
        # every head on the device: the auxiliary sentence heads too, which the default
        # config leaves out of training since 0.2.2
        pipeline = spacy.util.load_config(config)["nlp"]["pipeline"]
        if "sentence_flags" not in pipeline:
            overrides["nlp.pipeline"] = list(pipeline) + ["sentence_flags"]
        typer.echo(f"Training {steps} steps on {n_train} sentences ({device}): {', '.join(overrides.get('nlp.pipeline', pipeline))}")
        start = time.perf_counter()
        spacy_train(config, tmp / "output", use_gpu=0 if use_gpu else -1, overrides=overrides)
        seconds = time.perf_counter() - start
        record["training"] = {"seconds": seconds, "steps_per_second": steps / seconds}
        model = tmp / "output" / "model-last"
        typer.echo(f"Predicting {len(test_texts)} test sentences")
        devices = ("gpu", "cpu") if use_gpu else ("cpu", "cpu again")
        results = {}
        for name in devices:
            results[name], record[f"predict_{name.replace(' ', '_')}"] = predict(model, test_texts, name == "gpu")
    problems = compare(results[devices[0]], results[devices[1]], tolerance)
    record["agree"] = not problems
    record["disagreements"] = problems[:20]
    record["n_disagreements"] = len(problems)
    n_ents = sum(len(r[0]) for r in results[devices[0]])
    n_ddis = sum(len(r[1]) for r in results[devices[0]])
    typer.echo(f"training: {record['training']['steps_per_second']:.2f} steps/s")
    for name in devices:
        typer.echo(f"predict on {name}: {record['predict_' + name.replace(' ', '_')]['words_per_second']:.0f} words/s")
    typer.echo(
        f"{devices[0]} and {devices[1]} {'agree' if not problems else 'DISAGREE'} on {len(test_texts)} texts "
        f"({n_ents} entities, {n_ddis} interactions; scores within {tolerance})"
        + ("" if not problems else f": {len(problems)} differences, e.g. {problems[0]}")
    )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(record, indent=2))
        typer.echo(f"wrote {output}")
    if problems:
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
