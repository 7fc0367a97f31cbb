"""scripts/report.py on hand-made records and predictions: every count traces to the inputs."""
import importlib.util
import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.scoring import score_ddi_strict, score_ner_strict

from .conftest import annotated_doc

pytest.importorskip("matplotlib", reason="the report extra (matplotlib) is not installed")

ROOT = Path(__file__).parent.parent
TEXTS = ["Aspirin increases warfarin levels.", "Ketoconazole and midazolam were given."]
LOG = """E    #       LOSS TRANS...  NER_STRICT_F  DDI_STRICT_F  SCORE 
---  ------  -------------  ------------  ------------  ------
  0       0           0.31          8.15          0.00    0.04
  1     300         198.59         73.86         24.34    0.49
"""


def load_script(name):
    """scripts/NAME.py as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_report():
    return load_script("report")


def write(docs, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)


def test_report_counts_errors_and_confusions_from_the_files(tmp_path):
    nlp = spacy.blank("en")
    a, k = TEXTS
    gold = [
        annotated_doc(nlp, a, [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [("Aspirin", "warfarin", "MECHANISM")]),
        annotated_doc(nlp, k, [("Ketoconazole", "DRUG"), ("midazolam", "DRUG")], [("Ketoconazole", "midazolam", "FALSE")]),
    ]
    # end to end: warfarin missed (so the interaction too); a spurious EFFECT in sentence 2
    pred = [
        annotated_doc(nlp, a, [("Aspirin", "DRUG")], []),
        annotated_doc(nlp, k, [("Ketoconazole", "DRUG"), ("midazolam", "BRAND")], [("Ketoconazole", "midazolam", "EFFECT")]),
    ]
    # gold entities: MECHANISM read as EFFECT; the FALSE pair read as FALSE
    pred_gold = [
        annotated_doc(nlp, a, [("Aspirin", "DRUG"), ("warfarin", "DRUG")], [("Aspirin", "warfarin", "EFFECT")]),
        annotated_doc(nlp, k, [("Ketoconazole", "DRUG"), ("midazolam", "DRUG")], [("Ketoconazole", "midazolam", "FALSE")]),
    ]
    write(gold, tmp_path / "corpus" / "test.spacy")
    write(pred, tmp_path / "pred" / "run" / "test.spacy")
    write(pred_gold, tmp_path / "pred" / "run" / "test_gold_entities.spacy")
    examples = [Example(p, g) for p, g in zip(pred, gold)]
    gold_examples = [Example(p, g) for p, g in zip(pred_gold, gold)]
    record = {
        "model": "training/run/model-tuned", "date": "2026-11-28", "command": "python scripts/evaluate.py x",
        "speed": {"words_per_second": 123.0, "conditions": ""},
        "strict": {"ner_ddi_test": score_ner_strict(examples), "ner_drugner_test": score_ner_strict(examples),
                   "ddi": score_ddi_strict(examples)},
        "gold_entities": {"ddi": score_ddi_strict(gold_examples)},
        "paper_lenient": {"ner_token_level": {"p": 1.0, "r": 0.5, "f": 0.667},
                          "ddi_gold_positions_2plus_drugs": score_ddi_strict(gold_examples), "sentences_kept": 2},
    }
    records = tmp_path / "records"
    records.mkdir()
    (records / "run.json").write_text(json.dumps(record))
    (records / "run.train.log").write_text(LOG)
    (records / "run.tuning.json").write_text(json.dumps({"best": {
        "ner": 1.0, "ddi": 0.75, "symmetric": True, "same_name_rule": False, "ddi_f": 0.4991}}))
    (records / "run.training.json").write_text(json.dumps(
        {"config": "configs/x.cfg", "start": "2026-11-28T00:00:00Z", "seconds": 600, "command": "python scripts/train.py run configs/x.cfg"}
    ))
    output = tmp_path / "docs" / "results.md"
    load_report().main(records=records, predictions=tmp_path / "pred", corpus=tmp_path / "corpus",
                       main_run="run", runs="run,missing_run", output=output, samples=2)
    data = json.loads((tmp_path / "docs" / "results" / "report_data.json").read_text())
    assert data["errors"] == {"missed entity": 1, "wrong entity type": 1, "missed interaction": 1,
                              "spurious interaction": 1}
    assert data["confusion"]["MECHANISM"] == {"EFFECT": 1}
    assert data["confusion"]["FALSE"] == {"FALSE": 1}
    text = output.read_text()
    assert ("| run | `configs/x.cfg` | 10.0 min | 300 | w_ner 1, w_ddi 0.75, symmetric reading, "
            "same-name rule off (dev DDI F1 0.499) | 123 |") in text
    assert "`warfarin` (DRUG)" in text and "`Aspirin` - `warfarin` (MECHANISM; an entity was not found exactly)" in text
    assert "`Ketoconazole` - `midazolam`: predicted EFFECT, gold FALSE" in text
    for png in ("confusion.png", "per_type_f1.png", "learning_curves.png"):
        assert (tmp_path / "docs" / "results" / png).stat().st_size > 1000
    assert load_report().learning_curve(LOG)[1] == {"step": 300, "ents_f": 0.7386, "ddi_strict_f": 0.2434, "score": 0.49}


def test_report_says_which_predictions_are_missing(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "run.json").write_text(json.dumps({"date": "2026-11-28"}))
    write([], tmp_path / "corpus" / "test.spacy")
    with pytest.raises(SystemExit, match=r"Missing predictions .*run/test.spacy.*--predictions"):
        load_report().main(records=records, predictions=tmp_path / "pred", corpus=tmp_path / "corpus",
                           main_run="run", runs="run", output=tmp_path / "r.md", samples=2)


def test_what_helped_reads_a_run_without_a_part_against_the_default():
    report = load_report()

    def run(ner, ddi, gold):
        return {"eval": {"strict": {"ner_ddi_test": {"ents_f": ner}, "ddi": {"ddi_strict_f": ddi}},
                         "gold_entities": {"ddi": {"ddi_strict_f": gold}}}}

    loaded = {
        "main": run(0.855, 0.654, 0.719),
        "mtmg_paper_loss": run(0.850, 0.505, 0.557),  # the paper's DSTC loss: DDI lower
        "mtmg_no_flags": run(0.846, 0.470, 0.560),  # against mtmg_paper_loss, its one-change neighbour
        "baseline_pairwise": run(0.851, 0.530, 0.600),  # the pairwise head does worse than main
        "unlisted_run": run(0.1, 0.1, 0.1),  # no description: left out
        "baseline_ner": None,  # not trained: left out
        "ddi_mtmg_sharedlr": run(0.851, 0.342, 0.378),  # compared with ddi_mtmg_paper_scorer, absent: left out
    }
    lines = report.what_helped(loaded, "main")
    assert lines[3] == (
        "- Training DSTC on the other drugs' tokens only (`mtmg_paper_loss`, DSTC's loss over every token, O tokens "
        "included (`o_token_weight = 1`, the paper's); against `main`): NER no clear difference (0.855 vs 0.850); "
        "DDI main better by 0.149 (0.654 vs 0.505); gold-entity DDI main better by 0.162 (0.719 vs 0.557)."
    )
    assert lines[4] == (
        "- The auxiliary sentence tasks (`mtmg_no_flags`, no ENC and PDC heads; against `mtmg_paper_loss`): NER no clear "
        "difference (0.850 vs 0.846); DDI mtmg_paper_loss better by 0.035 (0.505 vs 0.470); gold-entity DDI no clear "
        "difference (0.557 vs 0.560)."
    )
    assert lines[5].startswith("- MTMG's relation head against the usual spaCy relation component (`baseline_pairwise`")
    assert "DDI main better by 0.124 (0.654 vs 0.530); gold-entity DDI main better by 0.119" in lines[5]
    assert len(lines) == 6
    loaded["ddi_mtmg_paper_scorer"] = run(0.851, 0.460, 0.494)
    lines = report.what_helped(loaded, "main")
    assert lines[6].startswith("- The heads' own AdamW at 1e-3 (`ddi_mtmg_sharedlr`, the heads on the encoder's "
                               "learning rate; against `ddi_mtmg_paper_scorer`): NER no clear difference (0.851 vs 0.851); "
                               "DDI ddi_mtmg_paper_scorer better by 0.118 (0.460 vs 0.342)")


def test_seeds_section_gives_each_seed_and_the_mean_and_sample_sd(tmp_path):
    report = load_report()

    def record(name, ddi, seed=None):
        ev = {"strict": {"ner_ddi_test": {"ner_strict_f": 0.85}, "ner_drugner_test": {"ner_strict_f": 0.67},
                         "ddi": {"ddi_strict_f": ddi}}}
        (tmp_path / f"{name}.json").write_text(json.dumps(ev))
        command = "python scripts/train.py x configs/ddi_mtmg.cfg" + (f" --system.seed {seed}" if seed is not None else "")
        (tmp_path / f"{name}.training.json").write_text(json.dumps({"command": command, "seconds": 600}))

    record("run", 0.652)  # the config's seed, 0
    record("run_seed1", 0.588, 1)
    record("run_seed2", 0.638, 2)
    record("run_seed10x", 0.1, 3)  # not a seed repeat of "run"
    record("other", 0.5)  # no repeats: no table
    loaded = {"run": report.read_run(tmp_path, "run"), "other": report.read_run(tmp_path, "other")}
    lines = report.seeds_section(tmp_path, loaded)
    assert "### run: 3 seeds" in lines and not any("### other" in line for line in lines)
    rows = [line for line in lines if line.startswith("| ") and "seed |" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| 0 (`run`)", "| 1 (`run_seed1`)", "| 2 (`run_seed2`)", "| **mean +- sd**"]
    # the figures: 0.652, 0.588, 0.638 -> 0.626 +- 0.034
    assert rows[-1].split(" | ")[4] == "0.626 +- 0.034"
    assert rows[-1].split(" | ")[2] == "0.850 +- 0.000"


def genre_record(after_medline, after_drugbank, low=-0.1, high=0.2, ratio=3.0):
    before = {"ddi_strict_f_medline": 0.4, "ddi_strict_f_drugbank": 0.6}
    after = {"ddi_strict_f_medline": after_medline, "ddi_strict_f_drugbank": after_drugbank}
    change = {
        f"ddi_{key}": {"diff": after[f"ddi_strict_f_{key}"] - before[f"ddi_strict_f_{key}"], "diff_low": low, "diff_high": high}
        for key in ("medline", "drugbank")
    }
    return {"max_steps": 300, "learn_rate": 1e-4, "ddi_ratio": ratio,
            "ddi_test": {"before": before, "after": after, "after_minus_before": change}}


def test_genre_curve_averages_seeds_and_takes_the_pooled_interval(tmp_path):
    """scripts/genre_curve.py: at a size with seeds, the point is their mean and the interval
    the pooled comparison's; a single seed keeps its own interval; missing records are named."""
    curve = load_script("genre_curve")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "genre_finetune_10.json").write_text(json.dumps(genre_record(0.45, 0.60, -0.05, 0.15)))
    (folder / "genre_finetune_50.json").write_text(json.dumps(genre_record(0.50, 0.62)))
    (folder / "genre_finetune_50_s1.json").write_text(json.dumps(genre_record(0.44, 0.58)))
    (folder / "genre_finetune_50_s2.json").write_text(json.dumps(genre_record(0.47, 0.60)))
    pooled = {"scores": {"ddi": {"MedLine": {"diff_low": 0.01, "diff_high": 0.12}, "DrugBank": {"diff_low": -0.03, "diff_high": 0.02}}}}
    (folder / "genre_finetune_50_seeds.json").write_text(json.dumps(pooled))
    (folder / "genre_finetune_50_ratio1.json").write_text(json.dumps(genre_record(0.41, 0.55, ratio=1.0)))
    curve.main(folder, tmp_path / "curve.png", tmp_path / "curve.md")
    table = (tmp_path / "curve.md").read_text()
    assert (tmp_path / "curve.png").stat().st_size > 0
    rows = {line.split(" | ")[1]: line for line in table.splitlines() if line.startswith("| 50 |")}
    default = next(line for how, line in rows.items() if "default recipe" in how)
    # mean of 0.50, 0.44, 0.47 against the base's 0.4; the pooled interval, not a seed's
    assert "| 3 (0.500, 0.440, 0.470) | 0.470 | +0.070 (+0.010 to +0.120) |" in default
    assert "| 0.600 | +0.000 (-0.030 to +0.020) |" in default
    assert "genre_finetune_50_seeds.json" in default
    former = next(line for how, line in rows.items() if "former recipe" in how)
    assert "DDI 2013 mixed 1:1" in former and "| 0.410 | +0.010 (-0.100 to +0.200) |" in former
    assert "| 10 |" in table and "+0.050 (-0.050 to +0.150)" in table
    assert "Not measured yet: genre_finetune_25.json, genre_finetune_all.json, genre_ceiling_50.json, genre_ceiling_all.json." in table
