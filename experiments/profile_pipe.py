"""Where the time of ``nlp.pipe`` goes, component by component, on the DDI test sentences.

    python experiments/profile_pipe.py training/ddi_mtmg/model-tuned corpus/test.spacy [--threads 1] [--repeats 2]

Runs the pipeline's components one after the other over all texts (each component's own
``pipe`` with the pipeline's batch size, as ``nlp.pipe`` chains them), ``--repeats`` times,
and prints each component's best seconds and share. It also times ``dstc_relations`` scoring
every token of each row (as before it scored only the drugs' tokens) against the default, and
checks that both give the same interactions (offsets and labels; scores to float rounding). ``--threads`` sets torch's thread count (1 keeps
the figures meaningful while another process uses the other core; compare ratios only).
"""
import time

import torch
import typer


def main(
    model: str = typer.Argument(..., help="Pipeline folder or package"),
    corpus: str = typer.Argument(..., help="A .spacy file of texts (e.g. corpus/test.spacy)"),
    threads: int = typer.Option(0, help="torch threads (0: torch's default)"),
    repeats: int = typer.Option(2, help="Rounds; the best of each counts"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.extensions import records_of
    from spacy_ddi.relations import pytorch_dstc

    if threads:
        torch.set_num_threads(threads)
    nlp = spacy.load(model)
    texts = [d.text for d in DocBin().from_disk(corpus).get_docs(nlp.vocab)]
    list(nlp.pipe(texts[:32]))  # warm up
    best = {}
    for _ in range(repeats):
        start = time.perf_counter()
        docs = [nlp.make_doc(t) for t in texts]
        best["tokenizer"] = min(best.get("tokenizer", 1e9), time.perf_counter() - start)
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            docs = list(proc.pipe(docs, batch_size=nlp.batch_size)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
            best[name] = min(best.get(name, 1e9), time.perf_counter() - start)
    total = sum(best.values())
    words = sum(len(d) for d in docs)
    typer.echo(f"{len(texts)} texts, {words} words; torch threads {torch.get_num_threads()}; best of {repeats}")
    for name, seconds in best.items():
        typer.echo(f"  {name:16s} {seconds:7.2f} s  {seconds / total:6.1%}")
    typer.echo(f"  {'total':16s} {total:7.2f} s  ({words / total:.0f} words/s)")

    if "dstc_relations" in nlp.pipe_names:
        dstc = nlp.get_pipe("dstc_relations")
        scored_here = pytorch_dstc.TorchDSTC.forward

        def every_token(self, tokens, row_segment, drug_start, drug_end, positions=None, *types):
            # score every token, then keep the asked ones: the computation before the change
            out = scored_here(self, tokens, row_segment, drug_start, drug_end, None, *types)
            return out if positions is None else out[torch.arange(out.shape[0], device=out.device).unsqueeze(1), positions]

        results = {}
        for variant, forward in (("drugs' tokens (default)", scored_here), ("every token", every_token)):
            pytorch_dstc.TorchDSTC.forward = forward
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                out = list(dstc.pipe(docs, batch_size=nlp.batch_size))
                seconds.append(time.perf_counter() - start)
            results[variant] = (min(seconds), [records_of(d) for d in out])
        pytorch_dstc.TorchDSTC.forward = scored_here
        for variant, (seconds, _) in results.items():
            typer.echo(f"dstc_relations scoring {variant}: {seconds:.2f} s")
        (_, one), (_, other) = results.values()
        same = all([r[:5] for r in a] == [r[:5] for r in b] for a, b in zip(one, other))
        diff = max((abs(x.score - y.score) for a, b in zip(one, other) for x, y in zip(a, b)), default=0.0)
        typer.echo(f"same interactions (offsets, labels): {same}; largest score difference {diff:.1e}")


if __name__ == "__main__":
    typer.run(main)
