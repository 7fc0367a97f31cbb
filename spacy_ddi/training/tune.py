"""Choose a trained pipeline's prediction-time settings on dev; save the tuned pipeline.

    spacy-ddi tune training/ddi_mtmg/model-best corpus/dev.spacy -o training/ddi_mtmg/model-tuned --report benchmarks/runs/ddi_mtmg.tuning.json

It chooses prior_at_inference for drug_ner and the relation component, and chooses drug_ner's ``join_attached`` (pieces of one chemical name joined into one entity).

The logit-adjusted loss makes the heads favour rare classes at prediction time (recall over
precision). Adding w * log(prior) back to the scores at prediction time moves the decision
towards an unadjusted model (w = tau). This grid-searches w for both heads on dev only,
and, for dstc_relations, whether it reads each pair from both drugs' rows (symmetric_reading),
and whether pairs of two mentions with the same name are read as FALSE (same_name_rule),
selecting on the mean of strict NER F1 and strict DDI F1, weighted between the whole of dev
and its MedLine (abstract) part by --medline-weight (0.5: half each; users mine abstracts) and,
with --outside, against a set of annotated documents from outside DDI 2013 (the tuning half of
the project's yardstick) by --outside-weight; then, at the
chosen NER prior, whether drug_linker relabels DRUG mentions that read as brand names
(relabel_brands: it changes entity types only, so it is chosen on strict NER F1), reads a DRUG
mention the vocabulary knows nothing of as DRUG_N (unlinked_drug_n) and leaves out entities that
are not drugs (drop_non_drugs), these two on the same objective as the priors; whether pairs
their sentence negates are reported (and marked) or read as FALSE (the relation head's
``negated``, "keep" or "drop", on the same objective); and writes the
pipeline with the chosen values in its cfg, with an isotonic calibration of the interaction
scores fitted on the interactions it reports on dev (``calibration``; both sources pooled, as
dev's MedLine part alone holds too few) and a shift of that map for abstracts fitted on dev's
MedLine part and the outside set (``genre_shift``; docs/calibration.md), with sentence_flags disabled (the auxiliary heads
serve training; nothing reads their flags at prediction). The encoder runs once; only the
heads re-run.
The relation component is dstc_relations (MTMG) or pair_relations (the pipelined baseline).
"""
import itertools
import json
from pathlib import Path
from typing import Callable, List, Optional

import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import minibatch

from ..calibration import apply, fit_shift, isotonic_fit, reliability, shifted
from ..corpus.convert import doc_source
from ..evaluation import docs_with_genre, scored_interactions
from ..relations.base import RELATION_COMPONENTS, relation_component
from ..scoring import score_ddi_strict, score_ner_strict
from .errors import TrainingError, check_writable

GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
# drug_linker settings that change the entities: chosen on the objective, the relation head
# reading the linked entities (drop_non_drugs leaves some out)
LINKER_ENTITY_RULES = ("unlinked_drug_n", "drop_non_drugs")


def required_relation_component(nlp) -> str:
    """The name of the pipeline's relation component; stop if it has none."""
    name = relation_component(nlp)
    if name is None:
        raise TrainingError(f"the pipeline ({', '.join(nlp.pipe_names)}) has no relation component (one of {', '.join(RELATION_COMPONENTS)}): not a spacy-ddi pipeline")
    return name


def objective(ner_f: float, ddi_f: float, ner_f_medline: float, ddi_f_medline: float, medline_weight: float) -> float:
    """What the settings are chosen by: the mean of strict NER and DDI F1, on the whole of dev
    and on its MedLine part, weighted by medline_weight."""
    return (1 - medline_weight) * (ner_f + ddi_f) / 2 + medline_weight * (ner_f_medline + ddi_f_medline) / 2


def choose(nlp, name: str, key: str, value) -> None:
    """Set a component setting where it takes effect (cfg) and where a reader of the saved
    pipeline's config.cfg looks for it."""
    nlp.get_pipe(name).cfg[key] = value
    nlp.get_pipe_config(name)[key] = value


MIN_SHIFT_INTERACTIONS = 100  # abstract interactions needed to fit the abstracts' shift


def fit_calibration(nlp, rel, ner, encoded, gold, n_dev: Optional[int] = None, echo: Callable[[str], None] = print) -> dict:
    """Fit the relation head's score calibration at the chosen settings and set it: the
    isotonic map on the interactions it reports on DDI 2013 dev (the first ``n_dev`` docs; both
    sources pooled), then the abstracts' shift (``genre_shift``, :func:`fit_shift`) on the
    abstract interactions: dev's MedLine part and the docs after ``n_dev`` (the outside set,
    abstracts), where there are at least ``MIN_SHIFT_INTERACTIONS``. Returns the knots, the
    shift and the in-sample reliability before and after."""
    n_dev = len(gold) if n_dev is None else n_dev
    choose(nlp, rel.name, "calibration", None)
    choose(nlp, rel.name, "genre_shift", None)
    docs = list(ner.pipe(encoded, batch_size=64))
    if "drug_linker" in nlp.pipe_names:
        docs = [nlp.get_pipe("drug_linker")(doc) for doc in docs]
    docs = list(rel.pipe(docs, batch_size=64))
    parts = [doc_source(g) if k < n_dev else "outside" for k, g in enumerate(gold)]
    scored = [(s, right, part) for p, g, part in zip(docs, gold, parts) for s, right in scored_interactions(p, g)]
    on_dev = [(s, r, part) for s, r, part in scored if part != "outside"]
    if not on_dev:
        echo("no interactions reported on dev: no calibration")
        return {"knots": None, "genre_shift": None}
    knots = isotonic_fit([s for s, _, _ in on_dev], [r for _, r, _ in on_dev])
    choose(nlp, rel.name, "calibration", knots)
    record = {"knots": knots, "interactions": len(on_dev)}
    abstracts = [(apply(knots, s), r) for s, r, part in scored if part in ("MedLine", "outside")]
    record["abstract_interactions"] = len(abstracts)
    shift = None
    if len(abstracts) >= MIN_SHIFT_INTERACTIONS:
        shift = fit_shift([s for s, _ in abstracts], [r for _, r in abstracts])
        choose(nlp, rel.name, "genre_shift", {"abstract": shift})
        record["abstract"] = {
            "ece_map_only": reliability([s for s, _ in abstracts], [r for _, r in abstracts])["ece"],
            "ece_after_in_sample": reliability([shifted(s, shift) for s, _ in abstracts], [r for _, r in abstracts])["ece"],
        }
        echo(f"abstracts' shift fitted on {len(abstracts)} abstract interactions (dev's MedLine part and the outside set): a={shift[0]}, b={shift[1]}")
    else:
        echo(f"{len(abstracts)} abstract interactions on dev and the outside set, fewer than {MIN_SHIFT_INTERACTIONS}: "
             "no abstracts' shift (abstracts keep the pooled map)")
    record["genre_shift"] = {"abstract": shift} if shift else None
    for part in ("all", "MedLine", "DrugBank"):
        chosen = [(s, r) for s, r, source in on_dev if part == "all" or source == part]
        if chosen:
            record[part] = {
                "ece_before": reliability([s for s, _ in chosen], [r for _, r in chosen])["ece"],
                "ece_after_in_sample": reliability([apply(knots, s) for s, _ in chosen], [r for _, r in chosen])["ece"],
                "interactions": len(chosen),
            }
    echo(f"calibration fitted on {len(on_dev)} dev interactions: {len(knots)} knots; {json.dumps(record)}")
    return record


def read_docbin(path: Path, vocab, what: str) -> List:
    """The docs of a DocBin, or a TrainingError naming ``what`` and ``path`` where the file is
    missing or not a DocBin."""
    path = Path(path)
    if not path.exists():
        raise TrainingError(f"{what} {path} not found")
    try:
        return list(DocBin().from_disk(path).get_docs(vocab))
    except Exception as err:  # a file that is not a DocBin: msgpack/zlib errors of many kinds
        raise TrainingError(f"{what} {path} is not a DocBin (.spacy) file: {err}") from err


def read_gold(path: Path, vocab, what: str) -> List:
    """The docs of a DocBin to choose settings on; a clear error where it cannot serve."""
    docs = read_docbin(path, vocab, what)
    if not docs:
        raise TrainingError(f"{what} {path} holds no documents")
    if not any(doc.ents for doc in docs):
        raise TrainingError(f"{what} {path} has no entities: settings cannot be chosen on it (annotate drug mentions, or convert it with spacy-ddi convert)")
    return docs


def load_pipeline(model, gpu_id: int = -1):
    """A trained spacy-ddi pipeline (folder or package), or a TrainingError saying why not."""
    if gpu_id >= 0:
        try:
            spacy.require_gpu(gpu_id)
        except (ValueError, RuntimeError) as err:  # no CuPy, or no such device
            raise TrainingError(f"--gpu-id {gpu_id}: {err} (use --gpu-id -1 for the CPU)") from err
    try:
        nlp = spacy.load(model)
    except (OSError, IOError, ValueError) as err:
        raise TrainingError(f"{model} is not a spaCy pipeline that loads: {err}") from err
    if "drug_ner" not in nlp.pipe_names:
        raise TrainingError(f"{model} ({', '.join(nlp.pipe_names)}) has no drug_ner: not a spacy-ddi pipeline")
    required_relation_component(nlp)
    return nlp


def tune(
    model,
    dev: Path,
    output: Path,
    report: Optional[Path] = None,
    *,
    outside: Optional[Path] = None,
    outside_weight: float = 1 / 3,
    medline_weight: float = 0.5,
    calibrate: bool = True,
    gpu_id: int = -1,
    echo: Callable[[str], None] = print,
) -> dict:
    """Choose ``model``'s prediction settings on ``dev`` (and ``outside``), save the tuned
    pipeline to ``output`` and the grid to ``report``; return the chosen settings. Raises
    :class:`TrainingError` on bad input, before anything is written."""
    if not 0 <= medline_weight <= 1:
        raise TrainingError(f"--medline-weight must be in [0, 1], not {medline_weight}")
    if not 0 <= outside_weight < 1:
        raise TrainingError(f"--outside-weight must be in [0, 1), not {outside_weight}")
    check_writable(output, "-o", folder=True)
    check_writable(report, "--report", folder=False)
    nlp = load_pipeline(model, gpu_id)
    gold = read_gold(dev, nlp.vocab, "dev")
    n_dev = len(gold)
    if outside is not None:
        gold += read_gold(outside, nlp.vocab, "--outside")
    else:
        outside_weight = 0.0
    relations = required_relation_component(nlp)
    has_medline = any(doc_source(g) == "MedLine" for g in gold[:n_dev])
    if medline_weight and not has_medline:
        echo(f"{dev} has no MedLine sentences: choosing on the whole of dev")
        medline_weight = 0.0

    def score(ner_scores, ddi):
        """(row fields, objective) of one setting: DDI 2013 dev, and the outside set apart."""
        fields = {"ner_f": ner_scores[0]["ents_f"], "ddi_p": ddi[0]["ddi_strict_p"], "ddi_r": ddi[0]["ddi_strict_r"],
                  "ddi_f": ddi[0]["ddi_strict_f"], "ner_f_medline": ner_scores[0].get("ents_f_medline", 0.0),
                  "ddi_f_medline": ddi[0].get("ddi_strict_f_medline", 0.0)}
        value = objective(fields["ner_f"], fields["ddi_f"], fields["ner_f_medline"], fields["ddi_f_medline"], medline_weight)
        if outside_weight:
            fields["ner_f_outside"], fields["ddi_f_outside"] = ner_scores[1]["ents_f"], ddi[1]["ddi_strict_f"]
            value = (1 - outside_weight) * value + outside_weight * (fields["ner_f_outside"] + fields["ddi_f_outside"]) / 2
        return fields, value

    def split_examples(docs):
        examples = [Example(p, g) for p, g in zip(docs, gold)]
        return examples[:n_dev], examples[n_dev:]

    def ner_of(docs):
        dev_eg, out_eg = split_examples(docs)
        return score_ner_strict(dev_eg), (score_ner_strict(out_eg) if out_eg else None)

    def ddi_of(docs):
        dev_eg, out_eg = split_examples(docs)
        return score_ddi_strict(dev_eg), (score_ddi_strict(out_eg) if out_eg else None)

    heads = [name for name in ("drug_ner", relations, "sentence_flags") if name in nlp.pipe_names]
    with nlp.select_pipes(disable=heads):
        encoded = list(nlp.pipe(docs_with_genre(nlp, gold), batch_size=64))
    ner, rel = nlp.get_pipe("drug_ner"), nlp.get_pipe(relations)
    rel.cfg["negated"] = "keep"  # the grid reads every pair; negated pairs are chosen last
    readings = (False, True) if relations == "dstc_relations" else (None,)
    results = []
    for w_ner, join in itertools.product(GRID, (False, True)):
        ner.cfg["prior_at_inference"] = w_ner
        ner.cfg["join_attached"] = join
        docs = list(ner.pipe(encoded, batch_size=64))
        ner_scores = ner_of(docs)
        for w_ddi, symmetric in itertools.product(GRID, readings):
            rel.cfg["prior_at_inference"] = w_ddi
            if symmetric is not None:
                rel.cfg["symmetric_reading"] = symmetric
            batches = [(batch, rel.predict(batch)) for batch in minibatch(docs, 64)]
            for rule in (False, True):  # a prediction-time rule: the scores stay the same
                rel.cfg["same_name_rule"] = rule
                for batch, predictions in batches:
                    rel.set_annotations(batch, predictions)
                fields, value = score(ner_scores, ddi_of(docs))
                row = {"ner": w_ner, "join_attached": join, "ddi": w_ddi, "symmetric": symmetric, "same_name_rule": rule,
                       **fields, "score": value}
                echo(json.dumps(row))
                results.append(row)
    best = max(results, key=lambda r: r["score"])
    choose(nlp, ner.name, "prior_at_inference", best["ner"])
    choose(nlp, ner.name, "join_attached", best["join_attached"])
    choose(nlp, rel.name, "prior_at_inference", best["ddi"])
    if best["symmetric"] is not None:
        choose(nlp, rel.name, "symmetric_reading", best["symmetric"])
    choose(nlp, rel.name, "same_name_rule", best["same_name_rule"])
    if "drug_linker" not in nlp.pipe_names:
        # a pipeline trained from a config without the linker (it has nothing to learn)
        nlp.add_pipe("drug_linker", after="drug_ner").initialize()
        echo("added drug_linker after drug_ner")
    linker = nlp.get_pipe("drug_linker")
    docs = list(ner.pipe(encoded, batch_size=64))  # at the chosen prior (set by choose above)
    brands = {}
    for relabel in (False, True):  # False first: it leaves the entities as drug_ner set them
        linker.cfg["relabel_brands"] = relabel
        linked = [linker(doc) for doc in docs]
        brands[relabel] = ner_of(linked)[0]["ents_f"]
        echo(json.dumps({"relabel_brands": relabel, "ner_f": brands[relabel]}))
    best["relabel_brands"] = brands[True] > brands[False]
    best["relabel_brands_ner_f"] = {str(k).lower(): v for k, v in brands.items()}
    choose(nlp, "drug_linker", "relabel_brands", best["relabel_brands"])
    for key in LINKER_ENTITY_RULES:  # each on against off, at the settings chosen so far
        best[key + "_score"] = {}
        for value in (False, True):
            linker.cfg[key] = value
            docs = [linker(doc) for doc in ner.pipe(encoded, batch_size=64)]
            docs = list(rel.pipe(docs, batch_size=64))
            fields, value_score = score(ner_of(docs), ddi_of(docs))
            best[key + "_score"][str(value).lower()] = value_score
            echo(json.dumps({key: value, "score": value_score, "ner_f": fields["ner_f"], "ddi_f": fields["ddi_f"]}))
        best[key] = best[key + "_score"]["true"] > best[key + "_score"]["false"]
        choose(nlp, "drug_linker", key, best[key])
    # negated pairs ("X had no effect on Y"): reported and marked, or read as FALSE, whichever
    # gives the better objective at the settings chosen so far
    best["negated_score"] = {}
    for value in ("keep", "drop"):
        rel.cfg["negated"] = value
        docs = [linker(doc) for doc in ner.pipe(encoded, batch_size=64)]
        docs = list(rel.pipe(docs, batch_size=64))
        fields, value_score = score(ner_of(docs), ddi_of(docs))
        best["negated_score"][value] = value_score
        echo(json.dumps({"negated": value, "score": value_score, "ddi_f": fields["ddi_f"], "ddi_f_medline": fields["ddi_f_medline"]}))
    best["negated"] = "drop" if best["negated_score"]["drop"] > best["negated_score"]["keep"] else "keep"
    choose(nlp, rel.name, "negated", best["negated"])
    if calibrate:
        # the map on DDI 2013 dev; the abstracts' shift on dev's abstracts and the outside set
        best["calibration"] = fit_calibration(nlp, rel, ner, encoded, gold, n_dev, echo)
    else:  # knots of an earlier tuning were fitted under other settings
        choose(nlp, rel.name, "calibration", None)
        choose(nlp, rel.name, "genre_shift", None)
    if "sentence_flags" in nlp.pipe_names and "sentence_flags" not in nlp.disabled:
        # The auxiliary heads shape the encoder in training; at prediction nothing reads their
        # sentence flags (not the interactions, the records or extract), so the tuned pipeline
        # is saved with them disabled (nlp.enable_pipe("sentence_flags") brings them back).
        nlp.disable_pipe("sentence_flags")
        echo("saved with sentence_flags disabled (nothing reads it at prediction)")
    nlp.to_disk(output)
    if report is not None:
        report = Path(report)
        report.parent.mkdir(parents=True, exist_ok=True)
        record = {"model": str(model), "dev": str(dev), "medline_weight": medline_weight, "grid": results, "best": best}
        if outside is not None:
            record.update({"outside": str(outside), "outside_weight": outside_weight})
        report.write_text(json.dumps(record, indent=2))
    echo(f"best on dev: {best}; saved {output}")
    return best


