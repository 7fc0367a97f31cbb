"""Write docs/results.md and its figures from evaluation records and saved predictions.

    python scripts/report.py --records benchmarks/runs --predictions metrics/predictions \
        --corpus corpus --main ddi_mtmg --runs ddi_mtmg,baseline_ner,baseline_pairwise \
        --output docs/results.md

Reads, per run NAME: RECORDS/NAME.json (scripts/evaluate.py), RECORDS/NAME.training.json and
RECORDS/NAME.train.log (scripts/train.py), RECORDS/NAME.tuning.json (spacy-ddi tune);
for the main run also PREDICTIONS/NAME/*.spacy (scripts/evaluate.py --predictions) and the
gold test set, for the confusion matrix and the error analysis. No figure in the report is typed in here except the published reference
figures, which are quoted with their source.
"""
import json
import sys
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Tuple, Dict, List, Optional

import spacy
import typer
from spacy.tokens import Doc, DocBin

import spacy_ddi  # noqa: F401  (installs the Doc extensions)
from spacy_ddi.evaluation import current_keys, entity_keys
from spacy_ddi.evaluation import pair_labels as evaluation_pair_labels
from spacy_ddi.extensions import ENTITY_LABELS, FALSE_LABEL, POSITIVE_LABELS

# Published figures, quoted (not measured here).
PAPER_TABLE4 = {"ADVISE": 0.8356, "EFFECT": 0.7839, "MECHANISM": 0.8215, "INT": 0.4615}
REFERENCES = [
    ("MTMG (Deng et al.), BioBERT on a GPU, the paper's lenient protocol, Table 3",
     "NER F1 0.925, DDI F1 0.777, overall 0.851"),
    ("Luo et al. 2020 (Att-BiLSTM+ELMo joint model), as reported (lenient)", "NER F1 0.922, DDI F1 0.751"),
    ("Luo et al. 2020, their published predictions rescored with the strict protocol (a figure given to this project, not re-measured here)",
     "NER F1 about 0.892, DDI F1 about 0.658"),
    ("Fine-tuned PubMedBERT with gold entities (a figure given to this project, not re-measured here)", "DDI F1 0.824"),
]
# What each comparison run changes, in words, for the generated "what helped" paragraph:
# (what the run does differently, what that tests, the run it differs from in only that way;
# None: the main run).
# the runs compared, what each changes and tests, and how to make one not yet recorded: one data
# file (benchmarks/runs/report_runs.json), read by read_run_list
RUN_LIST = Path(__file__).resolve().parent.parent / "benchmarks" / "runs" / "report_runs.json"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling scripts (learning_curves), as functions


def read_run_list(path: Path = RUN_LIST):
    """(names in report order, CHANGES {name: (change, tests, against)}, PLANNED {name: command})."""
    runs = json.loads(Path(path).read_text(encoding="utf8"))["runs"]
    names = [r["name"] for r in runs if r.get("reported", True)]
    changes = {r["name"]: (r["change"], r["tests"], r.get("against")) for r in runs if "change" in r}
    planned = {r["name"]: r["planned"] for r in runs if "planned" in r}
    return names, changes, planned


REPORT_RUNS, CHANGES, PLANNED = read_run_list()
# Single trainings compared: a difference below this is not read as evidence either way.
NOISE = 0.01
ERROR_KINDS = (
    "missed entity", "boundary error", "wrong entity type", "spurious entity",
    "missed interaction", "wrong interaction type", "spurious interaction",
)


def _mean_headline(runs: List[dict]) -> Dict[str, float]:
    """The mean of each headline score over ``runs`` (the seeds of one setting)."""
    scores = [headline(r["eval"]) for r in runs]
    return {key: sum(s[key] for s in scores) / len(scores)
            for key in scores[0] if all(s.get(key) is not None for s in scores)}


def what_helped(loaded: Dict[str, Optional[dict]], main_run: str, records: Optional[Path] = None) -> List[str]:
    """One sentence per comparison run: what it changes, and what its scores say about the
    part it changes (a run *without* a part that scores lower means the part helped)."""
    lines = [
        f"Each comparison is of single trainings (one seed each), or of seed means where both runs have seeds; differences",
        f"under {NOISE:.2f} F1 are read as no evidence either way, and the Seeds section shows how far one seed alone moves a run.",
        "",
    ]
    for name, run in loaded.items():
        if run is None or name == main_run or name not in CHANGES:
            continue
        change, tests, against = CHANGES[name]
        against = against or main_run
        if loaded.get(against) is None:
            continue
        base, scores = headline(loaded[against]["eval"]), headline(run["eval"])
        base_seeds = seed_runs(records, against, loaded[against]) if records else []
        run_seeds = seed_runs(records, name, run) if records else []
        seeds_note = ""
        if len(base_seeds) >= 2 and len(run_seeds) >= 2:  # both have seeds: compare their means
            base, scores = _mean_headline(base_seeds), _mean_headline(run_seeds)
            seeds_note = f" (means over {len(base_seeds)} and {len(run_seeds)} seeds)"
        verdicts = []
        for key, label in (("ner", "NER"), ("ddi", "DDI"), ("gold", "gold-entity DDI")):
            if scores.get(key) is None or base.get(key) is None:
                continue
            delta = base[key] - scores[key]  # > 0: the part the run lacks helped
            if abs(delta) < NOISE:
                word = "no clear difference"
            else:
                word = f"{against} {'better' if delta > 0 else 'worse'} by {abs(delta):.3f}"
            verdicts.append(f"{label} {word} ({fmt(base[key])} vs {fmt(scores[key])})")
        lines.append(
            f"- {tests[0].upper() + tests[1:]} (`{name}`, {change}; against `{against}`){seeds_note}: "
            + "; ".join(verdicts) + "."
        )
    return lines


def dev_choices(best: Optional[dict]) -> str:
    """The prediction-time settings spacy-ddi tune chose on dev, in words."""
    if not best:
        return "-"
    parts = [f"w_ner {best['ner']:g}", f"w_ddi {best['ddi']:g}"]
    if best.get("symmetric") is not None:
        parts.append("symmetric reading" if best["symmetric"] else "subject-row reading")
    if "same_name_rule" in best:
        parts.append("same-name rule " + ("on" if best["same_name_rule"] else "off"))
    if "relabel_brands" in best:
        f1 = best.get("relabel_brands_ner_f", {})
        parts.append(
            ("brand names relabelled" if best["relabel_brands"] else "brand names not relabelled")
            + (f" (dev NER F1 {f1['true']:.3f} against {f1['false']:.3f})" if f1 else "")
        )
    return ", ".join(parts) + f" (dev DDI F1 {best['ddi_f']:.3f})"


def fmt(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.3f}"


def headline(ev: dict) -> Dict[str, float]:
    """Strict NER F1 (DDI test), strict DDI F1, gold-entity DDI F1 of an evaluation record."""
    out = {"ner": ev["strict"]["ner_ddi_test"]["ents_f"]}
    if ev["strict"].get("ddi"):
        out["ddi"] = ev["strict"]["ddi"]["ddi_strict_f"]
    if ev.get("gold_entities", {}).get("ddi"):
        out["gold"] = ev["gold_entities"]["ddi"]["ddi_strict_f"]
    return out


def document_mode_section(ev: dict, run: str) -> List[str]:
    """Sentence mode beside document mode (each test document's sentences joined into one
    text, predictions mapped back to the corpus sentences)."""
    doc_mode = ev.get("document_mode")
    if not doc_mode:
        return ["", f"## Document mode ({run})", "", "Not measured for this run (its evaluation record predates document mode)."]
    strict, ddi_doc = ev["strict"], doc_mode["ddi_test"]
    rows = [
        ("NER F1, DDI test", strict["ner_ddi_test"]["ents_f"], ddi_doc["ner"]["ents_f"]),
        ("NER F1, DrugNER test", strict["ner_drugner_test"]["ents_f"], doc_mode["drugner_test"]["ner"]["ents_f"]),
    ]
    if strict.get("ddi"):
        rows += [
            ("DDI F1", strict["ddi"]["ddi_strict_f"], ddi_doc["ddi"]["ddi_strict_f"]),
            ("DDI precision", strict["ddi"]["ddi_strict_p"], ddi_doc["ddi"]["ddi_strict_p"]),
            ("DDI recall", strict["ddi"]["ddi_strict_r"], ddi_doc["ddi"]["ddi_strict_r"]),
        ]
    out = [
        "",
        f"## Document mode ({run})",
        "",
        "Users pass documents, not corpus sentences. Here each test document's sentences are joined",
        "by one space into one text, run through `nlp.pipe`, and the predictions are mapped back to",
        "the corpus sentences and scored with the same strict protocol; an entity or interaction",
        "that runs across two corpus sentences counts as a false positive.",
        "",
        "| strict | one corpus sentence per text | whole document per text | difference |",
        "|---|---|---|---|",
    ]
    out += [f"| {label} | {fmt(a)} | {fmt(b)} | {b - a:+.3f} |" for label, a, b in rows]
    out += [
        f"| nlp.pipe words/s (DDI test) | {ev['speed']['words_per_second']:.0f} | {ddi_doc['speed']['words_per_second']:.0f} | |",
        "",
        "The sentence splitter (`ddi_sentences`) on the joined documents, against the corpus sentences:",
        "",
        "| test set | documents | corpus sentence boundaries | merged | added | entities across sentences | interactions across sentences | sentences with both boundaries kept: predicted as alone |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in (("ddi_test", "DDI test"), ("drugner_test", "DrugNER test")):
        d = doc_mode[key]
        kept = (
            f"{d['kept_same_as_sentence_mode']} of {d['sentences_boundaries_kept']}"
            if "sentences_boundaries_kept" in d else "-"
        )
        out.append(
            f"| {label} | {d['documents']} | {d['corpus_boundaries']} | {d['merged']} | {d['split']} | "
            f"{d['entities_across_sentences']} | {d['interactions_across_sentences']} | {kept} |"
        )
    return out


def minutes(train_record: Optional[dict]) -> str:
    """Wall time of a training; with the torch thread count when the run was limited to it."""
    if not train_record:
        return "-"
    threads = train_record.get("omp_num_threads")
    out = f"{train_record['seconds'] / 60:.1f} min" + (f" ({threads} thread)" if threads else "")
    # a 15-minute load average above the CPU count at start or end: something else ran too
    loads, cpus = train_record.get("load_average_15min") or [], train_record.get("cpus") or 0
    if train_record.get("not_a_timing") or (cpus and any(load > cpus + 0.5 for load in loads)):
        out += " (CPU shared: not a timing)"
    return out


def read_run(records: Path, name: str) -> Optional[dict]:
    path = records / f"{name}.json"
    if not path.exists():
        return None
    # records written before the NER scores took spaCy's names have ner_strict_* keys
    run = {"name": name, "eval": current_keys(json.loads(path.read_text())), "train": None, "curve": [], "tuned": None}
    if (records / f"{name}.training.json").exists():
        run["train"] = json.loads((records / f"{name}.training.json").read_text())
    if (records / f"{name}.tuning.json").exists():
        run["tuned"] = json.loads((records / f"{name}.tuning.json").read_text())["best"]
    if (records / f"{name}.train.log").exists():
        run["curve"] = learning_curve((records / f"{name}.train.log").read_text())
    return run


SEED_FLAG = re.compile(r"--system\.seed[ =](\d+)")


def seed_of(run: dict) -> str:
    """The seed a run was trained with: its --system.seed, else the config's (0)."""
    command = (run.get("train") or {}).get("command", "")
    found = SEED_FLAG.search(command)
    return found.group(1) if found else "0"


def seed_runs(records: Path, name: str, run: Optional[dict]) -> List[dict]:
    """The run NAME and its seed repeats NAME_seedN (RECORDS/NAME_seedN.json), by seed."""
    runs = [run] if run is not None else []
    for path in sorted(records.glob(f"{name}_seed*.json")):
        if re.fullmatch(rf"{re.escape(name)}_seed\d+\.json", path.name):
            repeat = read_run(records, path.stem)
            if repeat is not None:
                runs.append(repeat)
    return sorted(runs, key=lambda r: int(seed_of(r)))


def mean_sd(values: List[float]) -> str:
    """'mean +- sd' (sample standard deviation, n - 1) of the values present."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean:.3f}"
    sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
    return f"{mean:.3f} +- {sd:.3f}"


SEED_COLUMNS = (
    ("dev DDI (tuned)", lambda r: (r.get("tuned") or {}).get("ddi_f")),
    ("test NER (DDI)", lambda r: r["eval"]["strict"]["ner_ddi_test"]["ents_f"]),
    ("test NER (DrugNER)", lambda r: r["eval"]["strict"]["ner_drugner_test"]["ents_f"]),
    ("test DDI", lambda r: (r["eval"]["strict"].get("ddi") or {}).get("ddi_strict_f")),
    ("test DDI, document mode", lambda r: ((r["eval"].get("document_mode") or {}).get("ddi_test", {}).get("ddi") or {}).get("ddi_strict_f")),
    ("test DDI, gold entities", lambda r: ((r["eval"].get("gold_entities") or {}).get("ddi") or {}).get("ddi_strict_f")),
    ("test DDI, MedLine part", lambda r: (r["eval"]["strict"].get("ddi") or {}).get("ddi_strict_f_medline")),
    ("test NER, MedLine part", lambda r: r["eval"]["strict"]["ner_ddi_test"].get("ents_f_medline")),
)


def _part(r: dict, path: Tuple[str, ...], key: str) -> Optional[float]:
    value = r["eval"]
    for step in path:
        value = (value or {}).get(step)
    return (value or {}).get(key)


# (measure, where in the evaluation record, key prefix)
SOURCE_MEASURES = (
    ("NER F1", ("strict", "ner_ddi_test"), "ents_f"),
    ("DDI F1, end to end", ("strict", "ddi"), "ddi_strict_f"),
    ("DDI F1, gold entities", ("gold_entities", "ddi"), "ddi_strict_f"),
    ("DDI F1, whole documents", ("document_mode", "ddi_test", "ddi"), "ddi_strict_f"),
)


def by_source_section(records: Path, loaded: Dict[str, Optional[dict]], main_run: str) -> List[str]:
    """The DrugBank (label text) and MedLine (abstract) parts of the DDI test set beside the
    whole, mean +- sd over each run's seeds, for the runs whose records have them."""
    out = [
        "", "## By source: drug labels and abstracts", "",
        "The DDI test set mixes DrugBank drug-label text (158 documents, 884 gold interactions) and",
        "MedLine abstracts (33 documents, 95). Mean +- sd over each run's seeds; the interval is the",
        f"95% bootstrap interval over the part's documents for {main_run} seed 0 (the test set's own",
        "noise, which averaging seeds does not shrink).", "",
    ]
    found = False
    for name, run in loaded.items():
        runs = [r for r in seed_runs(records, name, run) if _part(r, ("strict", "ddi"), "ddi_strict_f_medline") is not None]
        if not runs:
            continue
        found = True
        out += [f"### {name}: {len(runs)} seed{'s' if len(runs) > 1 else ''}", "",
                "| measure | all | DrugBank | MedLine |", "|---|---|---|---|"]
        for label, path, key in SOURCE_MEASURES:
            cells = [mean_sd([_part(r, path, k) for r in runs]) for k in (key, f"{key}_drugbank", f"{key}_medline")]
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("| NER F1, DrugNER test set | " + mean_sd([_part(r, ("strict", "ner_drugner_test"), "ents_f") for r in runs]) + " | | |")
        intervals = (run or runs[0])["eval"].get("by_source_intervals", {})
        if name == main_run and intervals:
            out += ["", "95% intervals over documents (seed 0):", ""]
            for measure, parts in intervals.items():
                out.append(f"- {measure}: " + "; ".join(
                    f"{part} {v['f']:.3f} [{v['low']:.3f}, {v['high']:.3f}] ({v['documents']} documents)" for part, v in parts.items()
                ))
        out.append("")
    if not found:
        out.append("No run has by-source records yet (evaluate it with the current scripts/evaluate.py).")
    return out


def plot_calibration(calibration: dict, path: Path) -> None:
    """Reliability diagrams (10 bins) and precision-recall curves of the reported interactions, per source."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = [p for p in ("DrugBank", "MedLine", "all") if p in calibration]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for part in parts:
        c = calibration[part]
        bins = [b for b in c["bins"] if b["n"]]
        axes[0].plot([b["mean_score"] for b in bins], [b["share_correct"] for b in bins], marker="o",
                     label=f"{part} (ECE {c['ece']:.3f}, {c['n']} interactions)")
        rows = [r for r in c["precision_recall"] if r["precision"] is not None]
        axes[1].plot([r["recall"] for r in rows], [r["precision"] for r in rows], marker=".", label=part)
    axes[0].plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    axes[0].set(xlabel="mean score in bin", ylabel="share right", title="Reliability (10 bins)", xlim=(0, 1), ylim=(0, 1))
    axes[1].set(xlabel="recall", ylabel="precision", title="Precision and recall by --min-score", xlim=(0, 1), ylim=(0, 1))
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def calibration_section(ev: dict, run: str, fig_dir: Path) -> List[str]:
    calibration = ev.get("calibration")
    if not calibration:
        return ["", f"## Calibration ({run})", "", "Not measured for this run (its evaluation record predates calibration)."]
    plot_calibration(calibration, fig_dir / "calibration.png")
    out = [
        "", f"## Calibration ({run})", "",
        "Of the interactions reported with a score near s, the share that is right (strict: both",
        "spans and the type) should be about s. The scores are calibrated on dev (isotonic, both",
        "sources pooled); below, on the test set. ECE: the bins' |share right - mean score| weighted",
        "by their share of the interactions (candidate pairs read as FALSE are not reported, so not",
        "counted).", "",
        f"![reliability and precision-recall]({fig_dir.name}/calibration.png)", "",
        "| part | reported interactions | ECE |", "|---|---|---|",
    ]
    for part, c in calibration.items():
        out.append(f"| {part} | {c['n']} | {fmt(c['ece'])} |")
    out += ["", "Precision and recall of what `--min-score` keeps:", "",
            "| --min-score | " + " | ".join(f"{p} precision / recall" for p in calibration) + " |",
            "|---|" + "---|" * len(calibration)]
    thresholds = [r["min_score"] for r in next(iter(calibration.values()))["precision_recall"]]
    for k, t in enumerate(thresholds):
        if round(t * 20) % 2:  # every 0.1
            continue
        cells = []
        for c in calibration.values():
            r = c["precision_recall"][k]
            cells.append(f"{fmt(r['precision'])} / {fmt(r['recall'])} ({r['reported']})")
        out.append(f"| {t:.1f} | " + " | ".join(cells) + " |")
    return out


def seeds_section(records: Path, loaded: Dict[str, Optional[dict]]) -> List[str]:
    """One table per run that has seed repeats (NAME_seedN records): each seed, then mean +- sd."""
    out = ["", "## Seeds", ""]
    found = False
    for name, run in loaded.items():
        runs = seed_runs(records, name, run)
        if len(runs) < 2:
            continue
        found = True
        out += [
            f"### {name}: {len(runs)} seeds",
            "",
            "| seed | " + " | ".join(c for c, _ in SEED_COLUMNS) + " | training time |",
            "|---|" + "---|" * len(SEED_COLUMNS) + "---|",
        ]
        for r in runs:
            out.append(f"| {seed_of(r)} (`{r['name']}`) | " + " | ".join(fmt(get(r)) for _, get in SEED_COLUMNS) + f" | {minutes(r['train'])} |")
        out.append("| **mean +- sd** | " + " | ".join(mean_sd([get(r) for r in runs]) for _, get in SEED_COLUMNS) + " | |")
        out.append("")
    if not found:
        out.append("No run has seed repeats yet (records NAME_seedN.json from `--system.seed N`).")
    else:
        out.append("Standard deviations are sample ones (n - 1). Seeds are trained with `--system.seed N` and recorded as `NAME_seedN`.")
    return out


def learning_curve(log: str) -> List[Dict[str, float]]:
    """Rows of spaCy's training table: step and the dev scores (0-1)."""
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)
    header, rows = None, []
    for line in log.splitlines():
        if line.startswith("E ") and "#" in line:
            header = re.split(r"\s{2,}", line.strip())
        elif header and re.match(r"^\s*\d+\s+\d+\s", line):
            values = line.split()
            if len(values) == len(header):
                row = dict(zip(header, values))
                rows.append({"step": int(row["#"]), **{
                    k.lower(): float(v) / 100 for k, v in row.items() if k.endswith("_F") or k == "ENTS_F"
                }, "score": float(row["SCORE"])})
    return current_keys(rows)  # logs before the rename have NER_STRICT_F


def entity_set(doc: Doc):
    return entity_keys(doc, gold=True)


def pair_labels(doc: Doc) -> Dict[frozenset, str]:
    """Every pair the doc labels, FALSE included (the confusion matrix counts FALSE too)."""
    return evaluation_pair_labels(doc, gold=True, include_false=True)


def confusion(gold_docs, pred_docs):
    """Counts[gold][predicted] over every gold entity pair (pairs the model left out = FALSE)."""
    counts = defaultdict(Counter)
    for gold, pred in zip(gold_docs, pred_docs):
        predicted = pair_labels(pred)
        for pair, label in pair_labels(gold).items():
            counts[label][predicted.get(pair, FALSE_LABEL)] += 1
    return counts


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def error_analysis(gold_docs, pred_docs, n_samples: int):
    counts, samples = Counter(), defaultdict(list)

    def add(kind, doc, what):
        counts[kind] += 1
        if len(samples[kind]) < n_samples:
            samples[kind].append((doc.text, what))

    for gold, pred in zip(gold_docs, pred_docs):
        g_ents, p_ents = entity_set(gold), entity_set(pred)
        for ent in sorted(g_ents - p_ents):
            same_span = sorted(p for p in p_ents if p[:2] == ent[:2])
            near = sorted(p for p in p_ents if overlaps(p, ent))  # sorted: sets have no fixed order
            text = gold.text[ent[0]:ent[1]]
            if same_span:
                add("wrong entity type", gold, f"`{text}`: gold {ent[2]}, predicted {same_span[0][2]}")
            elif near:
                p = near[0]
                add("boundary error", gold, f"gold `{text}` ({ent[2]}), predicted `{pred.text[p[0]:p[1]]}` ({p[2]})")
            else:
                add("missed entity", gold, f"`{text}` ({ent[2]})")
        for ent in sorted(p_ents - g_ents):
            if not any(overlaps(ent, g) for g in g_ents):
                add("spurious entity", gold, f"`{pred.text[ent[0]:ent[1]]}` ({ent[2]})")
        g_pairs = {k: v for k, v in pair_labels(gold).items() if v in POSITIVE_LABELS}
        p_pairs = {k: v for k, v in pair_labels(pred).items() if v in POSITIVE_LABELS}

        def show(pair):
            a, b = sorted(pair)
            return f"`{gold.text[a[0]:a[1]]}` - `{gold.text[b[0]:b[1]]}`"

        for pair, label in g_pairs.items():
            if pair in p_pairs and p_pairs[pair] != label:
                add("wrong interaction type", gold, f"{show(pair)}: gold {label}, predicted {p_pairs[pair]}")
            elif pair not in p_pairs:
                found = {e[:2] for e in p_ents}
                why = "both entities found" if all(x in found for x in pair) else "an entity was not found exactly"
                add("missed interaction", gold, f"{show(pair)} ({label}; {why})")
        for pair, label in p_pairs.items():
            if pair not in g_pairs:
                gold_label = pair_labels(gold).get(pair)
                why = f"gold {gold_label}" if gold_label else "not a gold entity pair"
                add("spurious interaction", gold, f"{show(pair)}: predicted {label}, {why}")
    return counts, samples


def plot_confusion(counts, path: Path):
    import matplotlib.pyplot as plt
    import numpy

    labels = list(POSITIVE_LABELS) + [FALSE_LABEL]
    matrix = numpy.array([[counts[g][p] for p in labels] for g in labels], dtype=float)
    norm = matrix / numpy.maximum(matrix.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{norm[i, j]:.2f}\n({int(matrix[i, j])})", ha="center", va="center",
                    color="white" if norm[i, j] > 0.5 else "black", fontsize=8)
    ax.set_title("DDI test, gold entities given: rows normalised")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return matrix, norm, labels


def plot_per_type(run, path: Path):
    import matplotlib.pyplot as plt
    import numpy

    types = list(POSITIVE_LABELS)
    series = [
        ("ours, strict end to end", [run["eval"]["strict"]["ddi"]["ddi_strict_per_type"][t]["f"] for t in types]),
        ("ours, gold entities given", [run["eval"]["gold_entities"]["ddi"]["ddi_strict_per_type"][t]["f"] for t in types]),
        ("MTMG paper, Table 4 (BioBERT, GPU)", [PAPER_TABLE4[t] for t in types]),
    ]
    x = numpy.arange(len(types))
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, (label, values) in enumerate(series):
        bars = ax.bar(x + (k - 1) * 0.27, values, 0.27, label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(x, types)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("F1")
    ax.legend(fontsize=7, loc="upper left", ncol=3)
    ax.set_title("DDI F1 per type (DDI test set)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_curves(runs, path: Path, records: Optional[Path] = None):
    """The learning-curve picture: F1 against training hours on DDI 2013 dev and the outside
    yardstick, one line per setting of ``curves`` in report_runs.json (scripts/learning_curves.py);
    where no such run has its records, the main run's dev curve alone."""
    import learning_curves

    settings = json.loads(RUN_LIST.read_text(encoding="utf8")).get("curves", [])
    lines = learning_curves.curves(records, settings) if records is not None else []
    if lines:
        learning_curves.plot(lines, path)
        return
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    run = runs[0]
    curve = run["curve"]
    if curve:
        steps = [r["step"] for r in curve]
        if "ents_f" in curve[0]:
            ax.plot(steps, [r["ents_f"] for r in curve], marker="o", label="NER F1")
        if "ddi_strict_f" in curve[0]:
            ax.plot(steps, [r["ddi_strict_f"] for r in curve], marker="s", linestyle="--", label="DDI F1")
    ax.set_xlabel("training step")
    ax.set_ylabel("dev F1 (strict, untuned priors)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title(f"Learning curve of {run['name']} on dev")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def headline_section(e, main_run: str) -> List[str]:
    """Strict NER and DDI end to end, and with gold entities, per type."""
    out: List[str] = []
    out += [
        "",
        "## Strict end to end (the headline)",
        "",
        "Entities: exact character span and type. Interactions: both spans exact, unordered pair,",
        "type exact, micro-averaged over MECHANISM, EFFECT, ADVISE and INT, on all 1,299 DDI test",
        "sentences (none dropped). Gold entities the tokenizer could not align keep their corpus",
        "offsets, so they count as misses.",
        "",
        f"### NER ({main_run})",
        "",
        "| test set | P | R | F1 | " + " | ".join(f"{x} P / R / F1" for x in ENTITY_LABELS) + " |",
        "|---|---|---|---|" + "---|" * len(ENTITY_LABELS),
    ]
    for key, label in (("ner_ddi_test", "DDI test"), ("ner_drugner_test", "DrugNER test")):
        s = e["strict"][key]
        per = " | ".join(
            "{} / {} / {}".format(*(fmt(s["ents_per_type"].get(x, {}).get(k)) for k in "prf"))
            for x in ENTITY_LABELS
        )
        out.append(f"| {label} | {fmt(s['ents_p'])} | {fmt(s['ents_r'])} | {fmt(s['ents_f'])} | {per} |")
    for heading, key_of in (
        (f"### DDI end to end ({main_run})", lambda ev: ev["strict"].get("ddi")),
        (f"## Gold entities given ({main_run})\n\n`doc.ents` set from the annotation, then the relation head; all DDI test sentences, strict pair matching.", lambda ev: ev.get("gold_entities", {}).get("ddi")),
    ):
        s = key_of(e)
        out += ["", heading, "", "| type | P | R | F1 |", "|---|---|---|---|"]
        for x in POSITIVE_LABELS:
            d = s["ddi_strict_per_type"][x]
            out.append(f"| {x} | {fmt(d['p'])} | {fmt(d['r'])} | {fmt(d['f'])} |")
        out.append(f"| **micro** | {fmt(s['ddi_strict_p'])} | {fmt(s['ddi_strict_r'])} | **{fmt(s['ddi_strict_f'])}** |")

    return out


def lenient_section(e) -> List[str]:
    """The paper's lenient protocol, and the published reference figures."""
    out: List[str] = []
    lenient = e["paper_lenient"]
    ddi_l = lenient.get("ddi_gold_positions_2plus_drugs")
    out += [
        "",
        "## The paper's lenient protocol (reimplemented; not comparable with the strict tables)",
        "",
        "As MTMG's public code scores: NER per token (a token counts when gold and predicted entity",
        "types agree; O tokens excluded); DDI at gold entity positions; test sentences with fewer",
        f"than two gold drugs dropped ({lenient.get('sentences_kept', '-')} of 1,299 kept). Set these beside MTMG's Table 3/4.",
        "(With gold entity positions, a sentence with fewer than two gold drugs has no pair to get",
        "right or wrong, so dropping them leaves the DDI figure equal to the gold-entity one above.)",
        "",
        "| | P | R | F1 |",
        "|---|---|---|---|",
        f"| NER, token level | {fmt(lenient['ner_token_level']['p'])} | {fmt(lenient['ner_token_level']['r'])} | {fmt(lenient['ner_token_level']['f'])} |",
    ]
    if ddi_l:
        out.append(f"| DDI at gold positions | {fmt(ddi_l['ddi_strict_p'])} | {fmt(ddi_l['ddi_strict_r'])} | {fmt(ddi_l['ddi_strict_f'])} |")
    out += ["", "## Published reference figures (quoted, not measured here)", ""]
    out += [f"- {who}: {what}." for who, what in REFERENCES]
    out += ["- MTMG per-type F1, Table 4: " + ", ".join(f"{k} {v:.3f}" for k, v in PAPER_TABLE4.items()) + "."]

    return out


def comparison_section(loaded, main_run: str, records: Path) -> List[str]:
    """Every run side by side, what helped, and the runs not trained yet."""
    out: List[str] = []
    out += [
        "",
        "## Baselines and ablations (same encoder, data and step budget)",
        "",
        "| run | strict NER F1 (DDI test) | strict NER F1 (DrugNER test) | strict DDI F1 | strict DDI F1, document mode | DDI F1, gold entities | training time |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in loaded.items():
        if run is None:
            continue
        ev = run["eval"]
        ddi = ev["strict"].get("ddi")
        gold = ev.get("gold_entities", {}).get("ddi")
        doc_ddi = ev.get("document_mode", {}).get("ddi_test", {}).get("ddi") if ddi else None
        tr = run["train"]
        out.append(
            f"| {name} | {fmt(ev['strict']['ner_ddi_test']['ents_f'])} | {fmt(ev['strict']['ner_drugner_test']['ents_f'])} | "
            f"{fmt(ddi['ddi_strict_f'] if ddi else None)} | {fmt(doc_ddi['ddi_strict_f'] if doc_ddi else None)} | "
            f"{fmt(gold['ddi_strict_f'] if gold else None)} | "
            f"{minutes(tr)} |"
        )
    out += ["", "### What helped and what did not (generated from the table above)", ""]
    out += what_helped(loaded, main_run, records)
    not_run = [f"- `{k}`: {v}" for k, v in PLANNED.items() if loaded.get(k) is None]
    if not_run:
        out += ["", "Not trained yet (so not in the table):", ""] + not_run

    return out


def pictures_section(loaded, main, main_run: str, gold_test, pred_gold, fig_dir: Path, records: Path):
    """The figures (confusion matrix, per-type F1, learning curves) and their text; also the counts."""
    out: List[str] = []
    counts = confusion(gold_test, pred_gold)
    matrix, norm, labels = plot_confusion(counts, fig_dir / "confusion.png")
    plot_per_type(main, fig_dir / "per_type_f1.png")
    plot_curves([main] + [r for r in loaded.values() if r and r is not main], fig_dir / "learning_curves.png", records)
    rel = fig_dir.name
    out += [
        "",
        "## Pictures",
        "",
        f"DDI confusion matrix with gold entities given ({main_run}; rows gold, columns predicted,",
        "normalised per row as in the paper's Fig. 4; counts in brackets; a pair the model did not",
        "read counts as FALSE):",
        "",
        f"![confusion matrix]({rel}/confusion.png)",
        "",
        "| gold \\ predicted | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for i, g in enumerate(labels):
        out.append(f"| {g} | " + " | ".join(f"{norm[i, j]:.2f} ({int(matrix[i, j])})" for j in range(len(labels))) + " |")
    out += [
        "",
        "Per-type F1 against the paper's Table 4 (the paper's figures use its own lenient protocol and BioBERT):",
        "",
        f"![per-type F1]({rel}/per_type_f1.png)",
        "",
        "Learning curves: strict DDI F1 after tuning against training hours, on DDI 2013 dev and on the outside",
        "yardstick's test half, one line per setting (`spacy project run curves`, which also writes the table",
        "`results/learning_curves.md`):",
        "",
        f"![learning curves]({rel}/learning_curves.png)",
    ]

    return out, counts, labels


def errors_section(gold_test, pred_test, samples: int, main_run: str):
    """The error analysis of the main run on the DDI test set; also the counts."""
    out: List[str] = []
    err_counts, err_samples = error_analysis(gold_test, pred_test, samples)
    out += [
        "",
        f"## Error analysis ({main_run}, strict end to end, DDI test set)",
        "",
        "Entity errors: a gold entity with no exact prediction is a *wrong entity type* when a",
        "prediction has its span, a *boundary error* when one overlaps it, else *missed*; a",
        "prediction overlapping no gold entity is *spurious*. Interaction errors are over positive",
        "pairs only.",
        "",
        "| kind | count |",
        "|---|---|",
    ]
    out += [f"| {k} | {err_counts[k]} |" for k in ERROR_KINDS]
    for kind in ERROR_KINDS:
        if err_samples[kind]:
            out += ["", f"### {kind}: first {len(err_samples[kind])} of {err_counts[kind]}", ""]
            for text, what in err_samples[kind]:
                short = text if len(text) <= 220 else text[:217] + "..."
                out.append(f"- {what}  \n  _{short}_")
    return out, err_counts


def main(
    records: Path = typer.Option(Path("benchmarks/runs"), help="Folder of NAME.json / .training.json / .train.log"),
    predictions: Path = typer.Option(Path("metrics/predictions"), help="Folder of NAME/ with saved predictions"),
    corpus: Path = typer.Option(Path("corpus"), help="Folder with the gold test.spacy"),
    main_run: str = typer.Option("ddi_mtmg", "--main", help="The run of the default config"),
    runs: str = typer.Option("", help="Runs to compare, comma-separated (default: those of benchmarks/runs/report_runs.json)"),
    output: Path = typer.Option(Path("docs/results.md")),
    samples: int = typer.Option(4, help="Examples shown per error kind"),
):
    names = [n for n in runs.split(",") if n] or list(REPORT_RUNS)
    if main_run not in names:
        names.insert(0, main_run)
    loaded = {n: read_run(records, n) for n in names}
    main = loaded[main_run]
    if main is None:
        raise SystemExit(f"No evaluation record {records / (main_run + '.json')}: run scripts/evaluate.py first")
    fig_dir = output.parent / "results"
    fig_dir.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("en")
    gold_test = list(DocBin().from_disk(corpus / "test.spacy").get_docs(nlp.vocab))
    pred_dir = predictions / main_run
    missing = [p for p in ("test.spacy", "test_gold_entities.spacy") if not (pred_dir / p).exists()]
    if missing:
        raise SystemExit(f"Missing predictions {[str(pred_dir / p) for p in missing]}: run scripts/evaluate.py ... --predictions {pred_dir}")
    pred_test = list(DocBin().from_disk(pred_dir / "test.spacy").get_docs(nlp.vocab))
    pred_gold = list(DocBin().from_disk(pred_dir / "test_gold_entities.spacy").get_docs(nlp.vocab))
    if [d.text for d in pred_test] != [d.text for d in gold_test]:
        raise SystemExit(f"{pred_dir / 'test.spacy'} is not a prediction of {corpus / 'test.spacy'}")

    e = main["eval"]
    t = main["train"]
    out = [
        "# Results",
        "",
        f"Generated by `python scripts/report.py --main {main_run} --runs {runs}` from the records in",
        f"`{records}/` (written by `scripts/train.py`, `spacy-ddi tune` and `scripts/evaluate.py`) and the predictions saved in",
        f"`{pred_dir}/`. Evaluated on {e['date']}; training record {t['start'][:10] if t else 'missing'}.",
        "All figures are on this project's 2-core CPU (no GPU), default config unless the run says",
        "otherwise. Models are selected on dev (10% of the DrugBank and, since 1.0, 30% of the MedLine",
        "Train documents; 10% of each before); each test set is used once. Nothing below is typed in by hand except the quoted published figures.",
        "",
        "## The runs",
        "",
        "| run | config | training wall time | steps | chosen on dev | nlp.pipe words/s (DDI test) | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in loaded.items():
        if run is None:
            continue
        tr = run["train"]
        steps = run["curve"][-1]["step"] if run["curve"] else "-"
        speed = run["eval"]["speed"]
        cond = f" ({speed['conditions']})" if speed.get("conditions") else ""
        out.append(
            f"| {name} | `{tr['config'] if tr else '?'}` | {minutes(tr)} | "
            f"{steps} | {dev_choices(run['tuned'])} | {speed['words_per_second']:.0f}{cond} | {(tr or {}).get('note', '')} |"
        )
    out += ["", "Commands:", ""]
    for name, run in loaded.items():
        if run is not None:
            if run["train"]:
                # older records name scripts/train.sh, a one-line wrapper of scripts/train.py since removed
                out.append("    " + run["train"]["command"].replace("bash scripts/train.sh", "python scripts/train.py"))
            out.append("    " + run["eval"].get(
                "command", f"python scripts/evaluate.py {run['eval']['model']} corpus {records}/{name}.json"
            ))

    out += seeds_section(records, loaded)
    out += by_source_section(records, loaded, main_run)
    out += calibration_section(e, main_run, fig_dir)

    out += headline_section(e, main_run)
    out += document_mode_section(e, main_run)

    out += lenient_section(e)
    out += comparison_section(loaded, main_run, records)
    lines, counts, labels = pictures_section(loaded, main, main_run, gold_test, pred_gold, fig_dir, records)
    out += lines
    lines, err_counts = errors_section(gold_test, pred_test, samples, main_run)
    out += lines
    output.write_text("\n".join(out) + "\n")
    json.dump(
        {"confusion": {g: dict(counts[g]) for g in labels}, "errors": dict(err_counts)},
        open(fig_dir / "report_data.json", "w"), indent=2,
    )
    typer.echo(f"Wrote {output} and {fig_dir}/")


if __name__ == "__main__":
    typer.run(main)
