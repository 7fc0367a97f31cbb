"""Draw a sample of test sentences, gold and predicted side by side, on one HTML page.

    python scripts/visualize_sample.py training/ddi_mtmg/model-best corpus/test.spacy \\
        docs/visualize/test_sample.html [--n 25] [--seed 0]

The gold entities and interactions come from the DocBin; the model runs on the sentences' text.
Most of the sample (80%) is drawn from sentences with at least one gold interaction, the rest from
sentences without, where false alarms show. Under each sentence the interactions that differ
(missed, spurious, or of the wrong type) are listed; FALSE pairs are neither drawn nor counted.
"""
import html
import random
from pathlib import Path
from typing import List, Tuple

import spacy
import typer
from spacy.tokens import Doc, DocBin

import spacy_ddi  # noqa: F401 - registers the Doc extensions the DocBin holds
from spacy_ddi.evaluation import entity_keys, interaction_diff, pair_labels
from spacy_ddi.visualize import legend_html, page_html, render_body

PAGE_CSS = """
.ddi-sample h1 { font-size: 20px; margin: 0 0 4px; }
.ddi-sample .meta { color: #555; font-size: 13px; margin: 0 0 8px; }
.ddi-sample section { border-top: 1px solid #ddd; padding: 10px 0 6px; }
.ddi-sample h2 { font-size: 14px; margin: 0 0 6px; color: #333; }
.ddi-sample .pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
  gap: 8px 24px; }
.ddi-sample .pair > div { min-width: 0; }
.ddi-sample h3 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em;
  color: #777; margin: 0 0 2px; }
.ddi-sample .diff { font-size: 12px; margin: 4px 0 0; padding-left: 18px; }
.ddi-sample .ok { color: #2e7d32; font-size: 12px; margin: 4px 0 0; }
.ddi-sample .missed { color: #b71c1c; }
.ddi-sample .spurious { color: #e65100; }
.ddi-sample .retyped { color: #6a1b9a; }
"""

def interactions(doc: Doc) -> dict:
    """{unordered pair of character spans: label} of the positive interactions, as scored."""
    return pair_labels(doc, gold=True)


def choose(docs: List[Doc], n: int, seed: int) -> List[int]:
    """Indices of the sample: 80% with gold interactions (as many as there are), rest without."""
    rng = random.Random(seed)
    with_ddi = [i for i, d in enumerate(docs) if interactions(d)]
    without = [i for i, d in enumerate(docs) if not interactions(d) and len(d.ents)]
    n_with = min(len(with_ddi), max(n - len(without), round(n * 0.8)))
    picked = rng.sample(with_ddi, n_with)
    picked += rng.sample(without, min(len(without), n - n_with))
    return sorted(picked)


def describe(text: str, pair: frozenset, label: str) -> str:
    (s0, s1), (o0, o1) = sorted(pair)
    return f"{html.escape(text[s0:s1])} \u2192 {html.escape(text[o0:o1])} ({html.escape(label)})"


def compare(gold: Doc, pred: Doc) -> Tuple[str, dict]:
    """The summary line and the differing interactions under a sentence, by the scorer's
    matching (spacy_ddi.evaluation), so the page agrees with the scores."""
    diff = interaction_diff(gold, pred)
    gold_ents, pred_ents = entity_keys(gold, gold=True), entity_keys(pred, gold=False)
    counts = {
        "gold": len(diff.correct) + len(diff.missed) + len(diff.retyped),
        "predicted": len(diff.correct) + len(diff.retyped) + len(diff.spurious),
        "correct": len(diff.correct),
        "gold_ents": len(gold_ents),
        "pred_ents": len(pred_ents),
        "correct_ents": len(gold_ents & pred_ents),
    }
    text = gold.text
    items = [f'<li class="missed">missed: {describe(text, pair, label)}</li>' for pair, label in diff.missed]
    items += [
        f'<li class="retyped">wrong type: {describe(text, pair, label)} predicted as {html.escape(found)}</li>'
        for pair, label, found in diff.retyped
    ]
    items += [f'<li class="spurious">spurious: {describe(text, pair, label)}</li>' for pair, label in diff.spurious]
    summary = (
        f"entities {counts['correct_ents']}/{counts['gold_ents']} found "
        f"({counts['pred_ents']} predicted); interactions {counts['correct']}/{counts['gold']} "
        f"found ({counts['predicted']} predicted)"
    )
    if items:
        return f'<p class="meta">{summary}</p><ul class="diff">{"".join(items)}</ul>', counts
    return f'<p class="ok">{summary}: all interactions right</p>', counts


def main(
    model: str = typer.Argument(..., help="Trained pipeline folder or package name"),
    corpus: Path = typer.Argument(..., help="DocBin (.spacy) with gold entities and interactions"),
    output: Path = typer.Argument(..., help="HTML page to write"),
    n: int = typer.Option(25, "--n", help="Number of sentences"),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample"),
    width: int = typer.Option(620, "--width", help="Wrap width of each drawing in pixels"),
) -> None:
    nlp = spacy.load(model)
    gold_docs = list(DocBin().from_disk(corpus).get_docs(nlp.vocab))
    picked = choose(gold_docs, n, seed)
    gold = [gold_docs[i] for i in picked]
    pred = list(nlp.pipe([d.text for d in gold]))
    options = {"legend": False, "width": width}
    sections = []
    totals = {"gold": 0, "predicted": 0, "correct": 0}
    for index, g, p in zip(picked, gold, pred):
        diff, counts = compare(g, p)
        for k in totals:
            totals[k] += counts[k]
        sections.append(
            f"<section><h2>Sentence {index}</h2><div class=\"pair\">"
            f"<div><h3>Gold</h3>{render_body(g, options)}</div>"
            f"<div><h3>Predicted</h3>{render_body(p, options)}</div></div>{diff}</section>"
        )
    precision = totals["correct"] / totals["predicted"] if totals["predicted"] else 0.0
    recall = totals["correct"] / totals["gold"] if totals["gold"] else 0.0
    header = (
        "<h1>spacy-ddi: gold and predicted interactions</h1>"
        f'<p class="meta">model {html.escape(str(model))}; {len(picked)} sentences of '
        f"{html.escape(str(corpus))} (seed {seed}); on these, interactions {totals['correct']} "
        f"right of {totals['predicted']} predicted and {totals['gold']} gold (precision "
        f"{precision:.2f}, recall {recall:.2f}). Hover over an arc for its score.</p>"
    )
    body = (
        f"<style>{PAGE_CSS}</style><div class=\"ddi-sample\">{header}"
        f"<div class=\"ddi-viz\">{legend_html(gold + pred)}</div>{''.join(sections)}</div>"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page_html(body, title="spacy-ddi: gold and predicted"), encoding="utf8")
    typer.echo(f"Wrote {len(picked)} sentences to {output}")


if __name__ == "__main__":
    typer.run(main)
