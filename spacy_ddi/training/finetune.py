"""Fine-tune a trained spacy-ddi pipeline on a team's own annotated documents.

    spacy-ddi finetune BASE DATA -o OUT_DIR [--ddi corpus/train.spacy] [--held-out 0.4]
        [--dev DEV.spacy] [--ddi-ratio 3.0] [--max-steps 300] [--learn-rate 0.0001] [--seed 0]
        [--ddi-test corpus/test.spacy] [--tune-on corpus/dev.spacy] [--reuse-training]
        [--record benchmarks/scenarios/finetune.json]

BASE is the pipeline to start from (a folder or an installed package such as en_ddi_mtmg);
DATA a DocBin in the training format (``spacy-ddi convert`` of your BRAT/BioC/PubTator files,
or ``spacy-ddi review --export``): one doc per sentence with its document id.

1. DATA's documents (whole documents, by a seeded shuffle) are split into a held-out part
   (``--held-out``; 0 holds none out), never trained or selected on, and the rest; a fifth of
   the rest (at least one document) is the dev part that chooses the best checkpoint, unless
   ``--dev`` gives the dev documents (then all of the rest is trained on).
2. The training set is the rest of DATA plus a random sample of DDI 2013 training sentences
   (``--ddi-ratio`` times as many as the team's), so that the pipeline keeps what it knew.
3. Every component is sourced from BASE (its weights and its prediction settings) and trained
   on for ``--max-steps`` steps with ``spacy train``. ``--learn-rate`` is the peak rate of the
   encoder (and of every component that trains with the shared optimizer), lower than training
   from scratch; the heads that carry their own optimizer in BASE's config keep its rate.
4. BASE and the fine-tuned pipeline are scored on the held-out documents (strict NER, DDI end
   to end and with gold entities, with a paired bootstrap over documents), and with
   ``--ddi-test`` also on the DDI 2013 test set, which shows what fine-tuning cost there.
5. The prediction settings (prior weights, calibration, ...) are chosen again with ``spacy-ddi
   tune`` on the dev that chose the checkpoint where it holds at least
   ``MIN_REFIT_INTERACTIONS`` (100) interactions, and kept from BASE below that, which the
   command says (``--refit`` and ``--keep-settings`` decide it instead; ``--tune-on DEV``
   chooses them on another file). Settings chosen on a few dozen interactions follow their
   noise, and 100 is also what ``tune`` needs to fit the abstracts' calibration shift. The
   pipeline with settings chosen again (OUT_DIR/model-tuned) is scored as well ("after_tuned").

Writes OUT_DIR/data/{train,dev,held_out}.spacy, OUT_DIR/config.cfg, OUT_DIR/model-best and
model-last, OUT_DIR/train.log, OUT_DIR/training.json (what was trained on, with which options,
and how long it took), where the settings are chosen again OUT_DIR/model-tuned and
OUT_DIR/tuning.json, and the scores to ``--record`` (default OUT_DIR/finetune.json), which
says in ``settings`` where the settings were chosen and why. ``--reuse-training`` scores (and
tunes) an OUT_DIR/model-best already trained by an earlier run instead of training again: it
refuses one whose OUT_DIR/training.json names other data or options, and rewrites nothing of
the training.

Documents of ``--dev`` or ``--tune-on`` that are also DATA's held-out documents are refused: the
held-out scores would then be scores on what chose the checkpoint or the settings.
"""
import contextlib
import hashlib
import json
import random
import shlex
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import spacy
from spacy.tokens import DocBin
from spacy.training import Example

from ..corpus.convert import DOCUMENT_ID_KEY, doc_source
from ..evaluation import ddi_keys, docs_with_genre, entity_keys, paired_bootstrap, part_document_counts, with_gold_entities
from ..extensions import DDI_LABELS, ENTITY_LABELS, POSITIVE_LABELS, install_extensions, records_of
from ..scoring import score_ddi_strict, score_ner_strict
from .errors import TrainingError, check_writable
from .tune import load_pipeline, read_docbin, read_gold, tune


def documents_of(docs) -> Dict[str, list]:
    """Sentence docs grouped by document id, in order; a doc without one is its own document."""
    grouped: Dict[str, list] = {}
    for k, doc in enumerate(docs):
        grouped.setdefault(doc.user_data.get(DOCUMENT_ID_KEY) or f"#{k}", []).append(doc)
    return grouped


def split_documents(ids: List[str], held_out: float, seed: int, dev: bool = True):
    """(train ids, dev ids, held-out ids): whole documents by a seeded shuffle; dev is a fifth of
    what is not held out, at least one document (none where ``dev`` is False: the caller has its
    own); nothing is held out where ``held_out`` is 0."""
    ids = sorted(ids)
    random.Random(seed).shuffle(ids)
    n_held = max(1, round(len(ids) * held_out)) if held_out > 0 else 0
    held, rest = ids[:n_held], ids[n_held:]
    n_dev = max(1, round(len(rest) / 5)) if dev else 0
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
    for name in base_nlp.component_names:  # disabled ones too, or they would be built untrained
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
    predicted = list(nlp.pipe(docs_with_genre(nlp, gold_docs)))
    examples = [Example(p, g) for p, g in zip(predicted, gold_docs)]
    gold_pred = with_gold_entities(nlp, gold_docs)
    gold_examples = [Example(p, g) for p, g in zip(gold_pred, gold_docs)]
    ner, ddi = score_ner_strict(examples), score_ddi_strict(examples)
    gold = score_ddi_strict(gold_examples)
    counts = {
        "ner": part_document_counts(predicted, gold_docs, entity_keys),
        "ddi": part_document_counts(predicted, gold_docs, ddi_keys),
        "ddi_gold_entities": part_document_counts(gold_pred, gold_docs, ddi_keys),
    }
    scores = {
        "ents_p": ner["ents_p"], "ents_r": ner["ents_r"], "ents_f": ner["ents_f"],
        "ddi_strict_p": ddi["ddi_strict_p"], "ddi_strict_r": ddi["ddi_strict_r"], "ddi_strict_f": ddi["ddi_strict_f"],
        "ddi_gold_entities_f": gold["ddi_strict_f"],
    }
    # a set with both corpus parts (the DDI test set) is scored and compared by part too
    sources = sorted({s for s in (doc_source(g) for g in gold_docs) if s})
    if len(sources) > 1:
        for source in sources:
            key = source.lower()
            scores[f"ents_f_{key}"] = ner.get(f"ents_f_{key}")
            scores[f"ddi_strict_f_{key}"] = ddi.get(f"ddi_strict_f_{key}")
            counts[f"ddi_{key}"] = part_document_counts(predicted, gold_docs, ddi_keys, source)
    return {"scores": scores, "counts": counts}


def compare(before: dict, after: dict) -> dict:
    """After minus before, each with a 95% paired bootstrap interval over documents."""
    return {
        name: {k: round(v, 4) if isinstance(v, float) else v for k, v in paired_bootstrap([after["counts"][name]], [before["counts"][name]]).items()}
        for name in before["counts"]
    }


TRAINING_RECORD = "training.json"
MIN_REFIT_INTERACTIONS = 100  # dev interactions below which the settings stay BASE's by default


def training_fingerprint(options: dict, train_docs, dev_docs) -> str:
    """What a fine-tuning trained on and with which options, as one hash: ``--reuse-training``
    compares it with the one saved beside the model."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for part in (train_docs, dev_docs):
        digest.update(b"\x00part")
        for doc in part:
            digest.update(b"\x00" + str(doc.user_data.get(DOCUMENT_ID_KEY)).encode() + b"\x00" + doc.text.encode("utf8", "surrogatepass"))
    return digest.hexdigest()


def read_training_record(out_dir: Path) -> Optional[dict]:
    """OUT_DIR/training.json of an earlier run, None where there is none (trained before 1.1)."""
    path = out_dir / TRAINING_RECORD
    if not path.exists():
        return None
    try:
        earlier = json.loads(path.read_text())
    except (ValueError, OSError) as err:
        raise TrainingError(f"--reuse-training: {path} cannot be read ({err}); train again without --reuse-training") from err
    if not isinstance(earlier, dict) or "fingerprint" not in earlier:
        raise TrainingError(f"--reuse-training: {path} holds no fingerprint; train again without --reuse-training")
    return earlier


def overlapping(ids, other_docs) -> List[str]:
    """The document ids of ``other_docs`` that are in ``ids``."""
    ids = set(ids)
    return sorted({doc.user_data.get(DOCUMENT_ID_KEY) for doc in other_docs} & ids - {None})


def some_of(ids: List[str], n: int = 5) -> str:
    """The first ``n`` ids, comma-separated, with ", ..." where there are more."""
    return ", ".join(ids[:n]) + (", ..." if len(ids) > n else "")


def check_data(docs, path: Path, echo: Callable[[str], None]) -> None:
    """Stop on documents fine-tuning cannot use (no document ids, no entities, labels spacy-ddi
    does not know); warn where no interaction is left."""
    if not docs:
        raise TrainingError(f"{path} holds no documents")
    install_extensions()
    without_id = sum(1 for doc in docs if not doc.user_data.get(DOCUMENT_ID_KEY))
    if without_id:
        raise TrainingError(
            f"{path}: {without_id} of {len(docs)} sentences carry no document id; whole documents are held out and "
            "chosen on, so each sentence needs one (write the DocBin with spacy-ddi convert or spacy-ddi review --export)"
        )
    if not any(doc.ents for doc in docs):
        raise TrainingError(f"{path} has no entities: nothing to fine-tune on (annotate the drug mentions)")
    unknown = {}
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ not in ENTITY_LABELS:
                unknown.setdefault(("mention", ent.label_), doc.user_data.get(DOCUMENT_ID_KEY))
        for record in records_of(doc):
            if record.label not in DDI_LABELS:
                unknown.setdefault(("interaction", record.label), doc.user_data.get(DOCUMENT_ID_KEY))
    if unknown:
        listed = "; ".join(f"{kind} label {label!r} (first in document {where})" for (kind, label), where in sorted(unknown.items()))
        raise TrainingError(
            f"{path}: labels spacy-ddi does not know: {listed}. Mentions are {', '.join(ENTITY_LABELS)}; interactions "
            f"{', '.join(POSITIVE_LABELS)} (map yours with spacy-ddi convert --labels)"
        )
    if not any(record.label in POSITIVE_LABELS for doc in docs for record in records_of(doc)):
        echo(f"Warning: {path} holds no interaction (every one was rejected, or none was annotated): the relation head learns only what is not an interaction")


@contextlib.contextmanager
def _tee_stdout(path: Path):
    """Copy what is printed (spaCy's training table) to ``path`` as well."""
    class Tee:
        def __init__(self, *streams):
            self.streams = streams

        def write(self, text):
            for stream in self.streams:
                stream.write(text)
            return len(text)

        def flush(self):
            for stream in self.streams:
                stream.flush()

    with open(path, "w") as log:
        old, sys.stdout = sys.stdout, Tee(sys.stdout, log)
        try:
            yield
        finally:
            sys.stdout = old


def finetune(
    base: str,
    data: Path,
    out_dir: Path,
    *,
    dev: Optional[Path] = None,
    ddi: Optional[Path] = Path("corpus/train.spacy"),
    ddi_ratio: float = 3.0,
    held_out: float = 0.4,
    max_steps: int = 300,
    learn_rate: float = 0.0001,
    seed: int = 0,
    ddi_test: Optional[Path] = None,
    tune_on: Optional[Path] = None,
    refit: Optional[bool] = None,
    reuse_training: bool = False,
    record: Optional[Path] = None,
    gpu_id: int = -1,
    command: Optional[str] = None,
    echo: Callable[[str], None] = print,
) -> dict:
    """Fine-tune ``base`` on ``data`` into ``out_dir`` (see the module docstring); return the
    record it writes. Raises :class:`TrainingError` on bad input, before anything is written."""
    out_dir, data = Path(out_dir), Path(data)
    if not 0 <= held_out < 1:
        raise TrainingError(f"--held-out must be in [0, 1), not {held_out}")
    if held_out == 0 and ddi_test is None:
        raise TrainingError("--held-out 0 holds nothing out: give --ddi-test to score the fine-tuned pipeline on")
    if max_steps < 1:
        raise TrainingError(f"--max-steps must be 1 or more, not {max_steps}")
    if ddi_ratio < 0:
        raise TrainingError(f"--ddi-ratio must be 0 or more, not {ddi_ratio}")
    for path, what in ((ddi_test, "--ddi-test"), (tune_on, "--tune-on"), (dev, "--dev")):
        if path is not None and not Path(path).exists():
            raise TrainingError(f"{what} {path} not found")
    record = Path(record) if record else out_dir / "finetune.json"
    check_writable(out_dir, "-o", folder=True)
    check_writable(record, "--record", folder=False)
    if tune_on is not None and refit is False:
        raise TrainingError("--tune-on chooses the settings again, --keep-settings keeps BASE's: give one of them")
    if (out_dir / "model-tuned").exists() and not (out_dir / "model-tuned").is_dir():
        raise TrainingError(f"{out_dir / 'model-tuned'} is a file; fine-tuning may write a pipeline there: move it away")
    base_nlp = load_pipeline(base, gpu_id)
    tune_docs = read_gold(tune_on, base_nlp.vocab, "--tune-on") if tune_on is not None else []  # checked now, not after the training
    docs = read_docbin(data, base_nlp.vocab, "DATA")
    check_data(docs, data, echo)
    grouped = documents_of(docs)
    try:
        train_ids, dev_ids, held_ids = split_documents(list(grouped), held_out, seed, dev=dev is None)
    except ValueError as err:
        raise TrainingError(f"{data}: {err}") from err
    team_train = [d for i in train_ids for d in grouped[i]]
    if dev is not None:
        dev_docs = read_docbin(dev, base_nlp.vocab, "--dev")
        check_data(dev_docs, Path(dev), echo)
        dev_ids = sorted(documents_of(dev_docs))
    else:
        dev_docs = [d for i in dev_ids for d in grouped[i]]
    held = [d for i in held_ids for d in grouped[i]]
    for other, what in ((dev_docs if dev is not None else [], "--dev"), (tune_docs, "--tune-on")):
        shared = overlapping(held_ids, other)
        if shared:
            raise TrainingError(
                f"{what} shares {len(shared)} document(s) with DATA's held-out part ({some_of(shared)}): "
                "the held-out scores would be scores on what was chosen on. "
                f"Give {what} documents that are not in {data}, or --held-out 0 with --ddi-test"
            )
    if dev is not None:
        shared = overlapping(train_ids, dev_docs)
        if shared:
            echo(
                f"Warning: --dev shares {len(shared)} document id(s) with the documents trained on ({some_of(shared)}): "
                "where they are the same documents, the checkpoint is chosen on what it trained on"
            )
    dev_interactions = sum(1 for doc in dev_docs for r in records_of(doc) if r.label in POSITIVE_LABELS)
    if tune_on is not None:
        settings = {"chosen_on": str(tune_on), "why": "--tune-on"}
    elif refit or (refit is None and dev_interactions >= MIN_REFIT_INTERACTIONS):
        tune_on = out_dir / "data" / "dev.spacy"
        why = "--refit" if refit else f"the dev holds {dev_interactions} interactions, at least {MIN_REFIT_INTERACTIONS}"
        settings = {"chosen_on": "dev", "why": why}
    else:
        why = "--keep-settings" if refit is False else (
            f"the dev holds {dev_interactions} interactions, fewer than the {MIN_REFIT_INTERACTIONS} they are chosen on by default")
        settings = {"chosen_on": None, "why": why}
    settings["dev_interactions"] = dev_interactions
    mixed: list = []
    if ddi_ratio > 0:
        if ddi is None:
            raise TrainingError("--ddi-ratio above 0 needs --ddi (DDI 2013 training sentences to mix in)")
        pool = read_docbin(ddi, base_nlp.vocab, "--ddi")
        n = min(len(pool), round(len(team_train) * ddi_ratio))
        mixed = random.Random(seed).sample(pool, n)
    test_docs = read_docbin(ddi_test, base_nlp.vocab, "--ddi-test") if ddi_test else None
    if ddi_test and not test_docs:
        raise TrainingError(f"--ddi-test {ddi_test} holds no documents")
    options = {
        "base": str(base), "data": str(data), "dev": str(dev) if dev else None, "ddi": str(ddi) if ddi_ratio > 0 else None,
        "ddi_ratio": ddi_ratio, "held_out": held_out, "max_steps": max_steps, "learn_rate": learn_rate, "seed": seed,
    }
    fingerprint = training_fingerprint(options, team_train + mixed, dev_docs)
    earlier = None
    if reuse_training:
        if not (out_dir / "model-best").exists():
            raise TrainingError(f"--reuse-training: {out_dir / 'model-best'} not found")
        earlier = read_training_record(out_dir)
        if earlier is not None and earlier["fingerprint"] != fingerprint:
            then = earlier.get("options", {})
            differs = [f"{k}: {then.get(k)!r} then, {options[k]!r} now" for k in options if then.get(k) != options[k]]
            why = "; ".join(differs) if differs else "the same options, other documents"
            raise TrainingError(
                f"--reuse-training: {out_dir / 'model-best'} was trained on other data or options ({why}); "
                "train again without --reuse-training"
            )
        if earlier is None:
            echo(f"Warning: {out_dir} has no {TRAINING_RECORD} (trained before 1.1): its data and options cannot be checked against these")
    # every check is done: from here on files are written
    if not reuse_training:
        write(team_train + mixed, out_dir / "data" / "train.spacy")
        write(dev_docs, out_dir / "data" / "dev.spacy")
        write(held, out_dir / "data" / "held_out.spacy")
    echo(
        f"{data}: {len(grouped)} documents -> train {len(train_ids)} ({len(team_train)} sentences, plus "
        f"{len(mixed)} DDI 2013 sentences), dev {len(dev_ids)} ({len(dev_docs)}{', from ' + str(dev) if dev else ''}), "
        f"held out {len(held_ids)} ({len(held)})"
    )
    if not reuse_training:
        config = finetune_config(base_nlp, str(base), out_dir, max_steps, learn_rate, seed)
        config.to_disk(out_dir / "config.cfg")

    before = after = None
    if held:
        echo(f"Scoring {base} on the held-out documents")
        before = score(base_nlp, held)
    before_test = score(base_nlp, test_docs) if test_docs else None
    before_dev = score(base_nlp, dev_docs)  # what the checkpoint (and a recipe) is chosen on
    del base_nlp

    if reuse_training:
        seconds = (earlier or {}).get("training_seconds")
    else:
        from spacy.cli.train import train as spacy_train

        echo(f"Fine-tuning for {max_steps} steps: spacy train {out_dir / 'config.cfg'} --output {out_dir}")
        t0 = time.time()
        with _tee_stdout(out_dir / "train.log"):
            spacy_train(out_dir / "config.cfg", out_dir, use_gpu=gpu_id)
        seconds = round(time.time() - t0)
        (out_dir / TRAINING_RECORD).write_text(json.dumps(
            {"fingerprint": fingerprint, "options": options, "training_seconds": seconds, "date": time.strftime("%Y-%m-%d")}, indent=2) + "\n")

    tuned = spacy.load(out_dir / "model-best")
    if held:
        echo("Scoring the fine-tuned pipeline on the held-out documents")
        after = score(tuned, held)
    after_test = score(tuned, test_docs) if test_docs else None
    after_dev = score(tuned, dev_docs)
    after_tuned = after_tuned_test = None
    if settings["chosen_on"] is None:
        echo(f"Prediction settings and calibration kept from {base}: {settings['why']} (--refit chooses them anyway)")
    if tune_on:
        echo(f"Choosing the prediction settings again on {tune_on} ({settings['why']})")
        tune(out_dir / "model-best", tune_on, out_dir / "model-tuned", out_dir / "tuning.json", gpu_id=gpu_id, echo=echo)
        retuned = spacy.load(out_dir / "model-tuned")
        after_tuned = score(retuned, held) if held else None
        after_tuned_test = score(retuned, test_docs) if test_docs else None
    out = {
        "date": time.strftime("%Y-%m-%d"),
        "command": command or shlex.join(["spacy-ddi", "finetune"] + sys.argv[2:]),
        "base": str(base), "data": str(data), "seed": seed,
        "documents": {"train": train_ids, "dev": dev_ids, "held_out": held_ids},
        "sentences": {"train": len(team_train), "ddi_mixed_in": len(mixed), "dev": len(dev_docs), "held_out": len(held)},
        "max_steps": max_steps, "learn_rate": learn_rate, "ddi_ratio": ddi_ratio, "training_seconds": seconds,
        "reused_training": reuse_training, "settings": settings,
    }
    out["dev"] = {"before": before_dev["scores"], "after": after_dev["scores"], "after_minus_before": compare(before_dev, after_dev)}
    if held:
        out["held_out"] = {"before": before["scores"], "after": after["scores"], "after_minus_before": compare(before, after)}
    if test_docs:
        out["ddi_test"] = {
            "path": str(ddi_test), "before": before_test["scores"], "after": after_test["scores"],
            "after_minus_before": compare(before_test, after_test),
        }
    if tune_on:
        out["tuned_on"] = str(tune_on)
        if held:
            out["held_out"]["after_tuned"] = after_tuned["scores"]
            out["held_out"]["after_tuned_minus_before"] = compare(before, after_tuned)
        if test_docs:
            out["ddi_test"]["after_tuned"] = after_tuned_test["scores"]
            out["ddi_test"]["after_tuned_minus_before"] = compare(before_test, after_tuned_test)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(out, indent=2) + "\n")
    if held:
        b, a = before["scores"], after["scores"]
        echo(
            f"held out ({len(held_ids)} documents): NER F1 {b['ents_f']:.3f} -> {a['ents_f']:.3f}; DDI F1 "
            f"{b['ddi_strict_f']:.3f} -> {a['ddi_strict_f']:.3f}; with gold entities "
            f"{b['ddi_gold_entities_f']:.3f} -> {a['ddi_gold_entities_f']:.3f}"
            + (f" ({seconds} s of training)" if seconds is not None else "")
        )
        if tune_on:
            a = after_tuned["scores"]
            echo(f"  settings chosen again on {tune_on} ({out_dir / 'model-tuned'}): NER F1 {a['ents_f']:.3f}; DDI F1 {a['ddi_strict_f']:.3f}; with gold entities {a['ddi_gold_entities_f']:.3f}")
    b, a = before_dev["scores"], after_dev["scores"]
    echo(f"dev ({len(dev_ids)} documents, what the checkpoint was chosen on): NER F1 {b['ents_f']:.3f} -> {a['ents_f']:.3f}; "
         f"DDI F1 {b['ddi_strict_f']:.3f} -> {a['ddi_strict_f']:.3f}")
    if test_docs:
        b, a = before_test["scores"], after_test["scores"]
        echo(f"{ddi_test}: NER F1 {b['ents_f']:.3f} -> {a['ents_f']:.3f}; DDI F1 {b['ddi_strict_f']:.3f} -> {a['ddi_strict_f']:.3f}")
    echo(f"Scores in {record}; the fine-tuned pipeline: {out_dir / ('model-tuned' if tune_on else 'model-best')}")
    return out
