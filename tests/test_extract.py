"""spacy-ddi extract: inputs by type, exact offsets, errors recorded, resume equals one run."""
import json

import pytest
from typer.testing import CliRunner

from spacy_ddi.extract.readers import read_inputs
from spacy_ddi.extract.runner import extract
from spacy_ddi.cli import app

from .conftest import TRAIN_DATA

TEXTS = [row[0] for row in TRAIN_DATA]


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(" ".join(TEXTS[:2]), encoding="utf8")
    (folder / "sub" / "b.txt").write_text(TEXTS[2], encoding="utf8")
    (folder / "sub" / "bad.txt").write_bytes(b"\xff\xfe not utf-8")
    rows = [json.dumps({"pmid": f"p{k}", "body": text}) for k, text in enumerate(TEXTS)]
    (folder / "docs.jsonl").write_text("\n".join(rows[:2] + ["not json", json.dumps({"pmid": "x"})] + rows[2:]) + "\n")
    return folder


def read_records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


def test_extract_reads_every_input_type_and_records_failures(model_dir, inputs, tmp_path):
    out = tmp_path / "out" / "records.jsonl"
    result = CliRunner().invoke(
        app, ["extract", str(model_dir), str(inputs), "-o", str(out), "--id-field", "pmid", "--text-field", "body", "-q"]
    )
    assert result.exit_code == 1, result.output  # some documents failed
    records = read_records(out)
    assert [r["id"] for r in records] == ["a.txt", "p0", "p1", "p2", "p3", "sub/b.txt"]
    errors = read_records(out.with_name("records.jsonl.errors.jsonl"))
    assert sorted(e["error"].split(": ")[1][:12] for e in errors) == ["no string fi", "not JSON (Ex", "not UTF-8 ('"]
    assert any("docs.jsonl, line 3" in e["id"] for e in errors)
    for record in records:
        text = record["text"]
        for ent in record["entities"]:
            assert text[ent["start"] : ent["end"]] == ent["text"]
        for ddi in record["interactions"]:
            for part in ("subject", "object", "sentence"):
                assert text[ddi[part]["start"] : ddi[part]["end"]] == ddi[part]["text"]
            assert ddi["sentence"]["start"] <= ddi["subject"]["start"] < ddi["object"]["end"] <= ddi["sentence"]["end"]
    assert any(r["interactions"] for r in records)
    # drug_linker's DrugBank ids, on mentions and on both ends of each interaction
    by_text = {e["text"]: (e["drug_id"], e["drug_name"]) for r in records for e in r["entities"]}
    assert by_text["Ketoconazole"] == ("DB01026", "Ketoconazole") and by_text["warfarin"] == ("DB00682", "Warfarin")
    for ddi in (d for r in records for d in r["interactions"]):
        for part in ("subject", "object"):
            assert (ddi[part]["drug_id"], ddi[part]["drug_name"]) == by_text[ddi[part]["text"]]


def test_stdin_is_one_document(model_dir, tmp_path):
    out = tmp_path / "stdin.jsonl"
    result = CliRunner().invoke(app, ["extract", str(model_dir), "-", "-o", str(out), "-q"], input=TEXTS[0])
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["text"]) for r in read_records(out)] == [("stdin", TEXTS[0])]


def test_min_score_leaves_out_weaker_interactions(model_dir, trained_nlp, tmp_path):
    from spacy_ddi.records import doc_record

    doc = trained_nlp(TEXTS[1])
    assert [d.label for d in doc._.ddis if d.label != "FALSE"], "the trained pipeline reports an interaction"
    record = doc._.ddi_records[0]
    doc._.ddi_records = [record[:5] + [0.4]] + [r[:5] + [0.9] for r in doc._.ddi_records[1:]]
    scores = [d["score"] for d in doc_record("x", doc)["interactions"]]
    assert [d["score"] for d in doc_record("x", doc, min_score=0.5)["interactions"]] == [s for s in scores if s >= 0.5]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{k}", "text": t}) + "\n" for k, t in enumerate(TEXTS)), encoding="utf8")
    kept = {}
    for name, args in (("all", []), ("none", ["--min-score", "1.01"])):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "-q", *args])
        assert result.exit_code == 0, result.output
        kept[name] = [d["score"] for r in read_records(out) for d in r["interactions"]]
    assert kept["all"] and kept["none"] == []


def test_missing_input_is_a_clear_error(model_dir, tmp_path):
    result = CliRunner().invoke(app, ["extract", str(model_dir), str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "nope.txt: no such file or folder" in result.output


def test_resume_after_an_interruption_gives_one_runs_output(trained_nlp, inputs, tmp_path):
    items = list(read_inputs([inputs], id_field="pmid", text_field="body"))
    whole = tmp_path / "whole.jsonl"
    extract(trained_nlp, items, whole, batch_size=2)
    part = tmp_path / "part.jsonl"
    extract(trained_nlp, items[:3], part, batch_size=2)
    with part.open("a", encoding="utf8") as handle:
        handle.write('{"id": "p2", "text": "cut off mid-li')  # the line an interrupted write left
    summary = extract(trained_nlp, items, part, batch_size=2, resume=True)
    assert summary.skipped == 3  # a.txt, p0, p1; the cut-off p2 line is removed and p2 redone
    assert sorted(part.read_text(encoding="utf8").splitlines()) == sorted(whole.read_text(encoding="utf8").splitlines())


def test_a_cut_last_line_longer_than_a_read_block_is_removed(tmp_path):
    """done_ids reads a JSONL output from its end in blocks, not whole: a cut-off last line
    longer than a block, a whole last line, an empty file and a file of one cut line."""
    from spacy_ddi.extract.runner import _cut_partial_line, done_ids

    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c", "text": "' + "x" * 300, encoding="utf8")
    _cut_partial_line(out, block=16)
    assert out.read_text(encoding="utf8") == '{"id": "a"}\n{"id": "b"}\n'
    assert done_ids(out) == {"a", "b"}
    _cut_partial_line(out, block=16)  # whole: unchanged
    assert done_ids(out) == {"a", "b"}
    out.write_text('{"id": "cut', encoding="utf8")
    assert done_ids(out) == set() and out.read_bytes() == b""
    assert done_ids(out) == set()


def test_resume_tries_failed_documents_again_and_lists_only_this_runs_failures(trained_nlp, tmp_path):
    from spacy_ddi.extract.readers import Item

    out, errors = tmp_path / "o.jsonl", tmp_path / "o.jsonl.errors.jsonl"
    items = [Item("ok1", TEXTS[0]), Item("bad", "BOOM " + TEXTS[1])]
    extract(Raising(trained_nlp), items, out, batch_size=2)
    extract(Raising(trained_nlp), items, out, batch_size=2, resume=True)
    assert [json.loads(line)["id"] for line in errors.read_text(encoding="utf8").splitlines()] == ["bad"]
    # the document now reads: it is done, and no longer listed as failed
    summary = extract(trained_nlp, items, out, batch_size=2, resume=True)
    assert summary.skipped == 1 and summary.failures == 0
    assert sorted(r["id"] for r in read_records(out)) == ["bad", "ok1"]
    assert errors.read_text(encoding="utf8") == ""


class Raising:
    """A pipeline that raises on any text containing BOOM, in pipe and alone."""

    def __init__(self, nlp):
        self.nlp = nlp

    def pipe(self, texts, **kwargs):
        texts = list(texts)
        if any("BOOM" in t for t in texts):
            raise RuntimeError("BOOM in the batch")
        return self.nlp.pipe(texts)

    def __call__(self, text):
        if "BOOM" in text:
            raise RuntimeError("cannot read BOOM")
        return self.nlp(text)


def test_a_document_that_makes_the_pipeline_raise_is_recorded_and_the_run_goes_on(trained_nlp, tmp_path):
    from spacy_ddi.extract.readers import Item

    items = [Item("ok1", TEXTS[0]), Item("bad", "BOOM " + TEXTS[1]), Item("ok2", TEXTS[2])]
    out = tmp_path / "o.jsonl"
    summary = extract(Raising(trained_nlp), items, out, batch_size=3)
    assert [r["id"] for r in read_records(out)] == ["ok1", "ok2"]
    assert summary.failures == 1 and "RuntimeError: cannot read BOOM" in summary.errors[0]


def test_the_ray_actor_fails_the_documents_the_local_runner_fails(trained_nlp, tmp_path):
    """Both engines run a batch with runner.pipe_documents: the same records, the same error
    for the document that makes the pipeline raise (no Ray needed: the actor is called as is)."""
    import numpy

    from spacy_ddi.extract.ray import PipelineActor
    from spacy_ddi.extract.readers import Item

    items = [Item("ok1", TEXTS[0]), Item("bad", "BOOM " + TEXTS[1]), Item("ok2", TEXTS[2])]
    out = tmp_path / "o.jsonl"
    summary = extract(Raising(trained_nlp), items, out, batch_size=3)
    actor = PipelineActor.__new__(PipelineActor)  # __init__ would load a model by name
    actor.nlp, actor.id_column, actor.text_column = Raising(trained_nlp), "id", "text"
    batch = {"id": numpy.array([i.id for i in items]), "text": numpy.array([i.text for i in items], dtype=object)}
    result = actor(batch)
    assert [json.loads(r) for r in result["record"] if r is not None] == read_records(out)
    # the error column states the reason as the local errors file does
    assert result["error"] == [None, "the pipeline raised RuntimeError: cannot read BOOM", None]
    assert summary.errors[0] == "bad: the pipeline raised RuntimeError: cannot read BOOM"
    assert read_records(out.with_name("o.jsonl.errors.jsonl")) == [
        {"id": "bad", "source": "", "error": "the pipeline raised RuntimeError: cannot read BOOM"}
    ]


MEDLINE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">111</PMID>
<Article><ArticleTitle>Ketoconazole and <i>midazolam</i>.</ArticleTitle>
<Abstract><AbstractText Label="BACKGROUND">Ketoconazole increases the plasma concentration of midazolam.</AbstractText>
<AbstractText Label="CONCLUSIONS">Patients taking lithium should avoid diuretics.</AbstractText></Abstract>
</Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">222</PMID><Article><ArticleTitle>No abstract here.</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"""


def test_medline_xml_plain_gzipped_and_malformed(model_dir, tmp_path):
    import gzip

    from spacy_ddi.extract.readers import read_inputs

    folder = tmp_path / "medline"
    folder.mkdir()
    (folder / "a.xml").write_text(MEDLINE, encoding="utf8")
    with gzip.open(folder / "b.xml.gz", "wt", encoding="utf8") as handle:
        handle.write(MEDLINE.replace(">111<", ">333<").replace(">222<", ">444<"))
    (folder / "c.xml").write_text(MEDLINE.replace("</PubmedArticle>\n<PubmedArticle>", "</PubmedArticle>\n<PubmedArticle><oops>"), encoding="utf8")
    items = list(read_inputs([folder]))
    assert [i.id for i in items if i.error is None] == ["111", "222", "333", "444", "111"]
    first = items[0].text
    assert first == (
        "Ketoconazole and midazolam.\n\nBACKGROUND: Ketoconazole increases the plasma concentration of "
        "midazolam.\nCONCLUSIONS: Patients taking lithium should avoid diuretics."
    )
    bad = [i for i in items if i.error is not None]
    assert len(bad) == 1 and "c.xml: malformed XML at line" in bad[0].error
    out = tmp_path / "medline.jsonl"
    result = CliRunner().invoke(app, ["extract", str(model_dir), str(folder), "-o", str(out), "-q"])
    assert result.exit_code == 1 and len(read_records(out)) == 5


def test_pubtator_text_is_one_document_per_pmid(tmp_path):
    from spacy_ddi.extract.readers import read_inputs

    path = tmp_path / "corpus.txt"
    path.write_text(
        "10|t|Aspirin and warfarin\n10|a|Aspirin may enhance warfarin.\n10\t0\t7\tAspirin\tChemical\tD001241\n\n"
        "11|t|Lithium\n11|a|Patients taking lithium should avoid diuretics.\n",
        encoding="utf8",
    )
    items = list(read_inputs([path]))
    assert [(i.id, i.text) for i in items] == [
        ("10", "Aspirin and warfarin\nAspirin may enhance warfarin."),
        ("11", "Lithium\nPatients taking lithium should avoid diuretics."),
    ]
    assert items[0].text[0:7] == "Aspirin"  # PubTator's offsets hold


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_of_interactions_and_mentions(model_dir, inputs, tmp_path, suffix):
    import csv

    out = tmp_path / f"table{suffix}"
    args = ["extract", str(model_dir), str(inputs / "a.txt"), str(inputs / "sub" / "b.txt"), "-o", str(out), "-q"]
    assert CliRunner().invoke(app, args).exit_code == 0
    records = read_records(out.with_name(out.name + ".records.jsonl"))
    expected = [(r["id"], d["subject"]["text"], d["object"]["text"], d["label"]) for r in records for d in r["interactions"]]
    assert expected
    mentions_out = tmp_path / f"mentions{suffix}"
    assert CliRunner().invoke(app, args[:-3] + ["-o", str(mentions_out), "--mentions", "-q"]).exit_code == 0
    if suffix == ".csv":
        rows = list(csv.DictReader(out.open(encoding="utf8")))
        mention_rows = list(csv.DictReader(mentions_out.open(encoding="utf8")))
    else:
        import pyarrow.parquet

        rows = pyarrow.parquet.read_table(out).to_pylist()
        mention_rows = pyarrow.parquet.read_table(mentions_out).to_pylist()
    assert [(r["doc_id"], r["subject"], r["object"], r["label"]) for r in rows] == expected
    texts = {r["id"]: r["text"] for r in records}
    for row in rows:
        assert texts[row["doc_id"]][int(row["sentence_start"]) : int(row["sentence_end"])] == row["sentence"]
    assert len(mention_rows) == sum(len(r["entities"]) for r in records)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_ray_gives_the_local_records(model_dir, trained_nlp, inputs, tmp_path):
    """The Ray Data path (a local Ray with 2 CPUs: one for reading, one for the actor) writes
    the same records as the local runner on the same JSONL input, and on folders of text,
    JSONL and plain, gzipped and malformed MEDLINE XML, with the same unreadable documents;
    its workers write them as part files (JSONL, or Parquet with --format parquet), and
    aggregate reads the part folders as it reads the local records."""
    import gzip

    ray = pytest.importorskip("ray")
    from spacy_ddi.extract import ray as ray_engine

    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{k}", "text": t}) + "\n" for k, t in enumerate(TEXTS * 3)), encoding="utf8")
    local = tmp_path / "local.jsonl"
    extract(trained_nlp, read_inputs([source]), local, batch_size=4)
    medline = tmp_path / "medline"
    medline.mkdir()
    with gzip.open(medline / "b.xml.gz", "wt", encoding="utf8") as handle:
        handle.write(MEDLINE)
    (medline / "c.xml").write_text(MEDLINE.replace("</PubmedArticle>\n<PubmedArticle>", "</PubmedArticle>\n<PubmedArticle><oops>"), encoding="utf8")
    folders = [inputs, medline]
    local_folders = tmp_path / "local_folders.jsonl"
    extract(trained_nlp, read_inputs(folders, id_field="pmid", text_field="body"), local_folders, batch_size=4)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 1024 * 1024)
    try:
        remote = tmp_path / "ray"
        from spacy_ddi.extract.options import ExtractOptions

        summary = ray_engine.run(str(model_dir), [source], remote, ExtractOptions(batch_size=4, actors=1, flush_every=5))
        # the same documents as Parquet, through Ray's reader
        import pyarrow
        import pyarrow.parquet

        rows = [json.loads(line) for line in source.read_text().splitlines()]
        pyarrow.parquet.write_table(pyarrow.Table.from_pylist(rows), tmp_path / "in.parquet")
        remote_parquet = tmp_path / "ray_parquet"
        ray_engine.run(str(model_dir), [tmp_path / "in.parquet"], remote_parquet, ExtractOptions(batch_size=4, actors=1, part_format="parquet"))
        remote_folders = tmp_path / "ray_folders"
        folder_summary = ray_engine.run(
            str(model_dir), folders, remote_folders, ExtractOptions(id_field="pmid", text_field="body", batch_size=4, actors=1),
        )
    finally:
        ray.shutdown()
    from spacy_ddi.aggregate import pair_rows, read_interaction_rows
    from spacy_ddi.extract.parts import read_errors
    from spacy_ddi.records import read_records as read_part_records, record_parts

    def same(records):  # parts are not in input order: compare as multisets
        return sorted(json.dumps(r, sort_keys=True) for r in records)

    assert summary.documents == len(TEXTS) * 3 and summary.failures == 0
    assert len(record_parts(remote)) >= 2 and all(p.suffix == ".jsonl" for p in record_parts(remote))
    assert record_parts(remote_parquet) and all(p.suffix == ".parquet" for p in record_parts(remote_parquet))
    assert same(read_part_records(remote)) == same(read_records(local)) == same(read_part_records(remote_parquet))
    assert same(read_part_records(remote_folders)) == same(read_records(local_folders))
    local_errors = read_records(tmp_path / "local_folders.jsonl.errors.jsonl")
    assert folder_summary.failures == len(local_errors) == 4  # bad UTF-8, 2 bad JSONL lines, malformed XML
    assert same(read_errors(remote_folders)) == same(local_errors)
    pairs = pair_rows(read_interaction_rows([local]))
    assert pairs and pair_rows(read_interaction_rows([remote])) == pairs == pair_rows(read_interaction_rows([remote_parquet]))


def test_a_fresh_run_does_not_keep_an_old_runs_errors(trained_nlp, tmp_path):
    from spacy_ddi.extract.readers import Item

    items = [Item("ok", TEXTS[0]), Item("bad", None, "bad: unreadable")]
    out = tmp_path / "o.jsonl"
    for _ in range(2):
        extract(trained_nlp, items, out)
    assert len(read_records(out)) == 1
    assert [e["id"] for e in read_records(out.with_name("o.jsonl.errors.jsonl"))] == ["bad"]


def test_document_count_for_the_progress_bar_matches_what_is_read(inputs, tmp_path):
    import gzip

    from spacy_ddi.extract.readers import count_documents, read_inputs

    medline = tmp_path / "medline"
    medline.mkdir()
    (medline / "a.xml").write_text(MEDLINE, encoding="utf8")
    with gzip.open(medline / "b.xml.gz", "wt", encoding="utf8") as handle:
        handle.write(MEDLINE)
    (medline / "c.xml").write_text(MEDLINE.replace("</PubmedArticle>\n<PubmedArticle>", "</PubmedArticle>\n<PubmedArticle><oops>"), encoding="utf8")
    pubtator = tmp_path / "pubtator.txt"
    pubtator.write_text("10|t|A\n10|a|B\n\n11|t|C\n", encoding="utf8")
    for given in ([inputs], [medline], [pubtator], [inputs, medline, pubtator]):
        assert count_documents(given) == len(list(read_inputs(given, id_field="pmid", text_field="body")))
    assert count_documents([inputs]) == 9  # 3 .txt files and 6 JSONL lines, bad ones included


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_are_written_in_row_groups_and_empty_tables_keep_their_columns(tmp_path, monkeypatch, suffix):
    from spacy_ddi.extract import tables

    record = {"id": "d", "interactions": [
        {"subject": {"start": 0, "end": 1, "text": "a"}, "object": {"start": 2, "end": 3, "text": "b"},
         "label": "EFFECT", "score": 0.5, "sentence": {"start": 0, "end": 3, "text": "a b"}},
    ] * 5, "entities": []}
    monkeypatch.setattr(tables, "ROW_GROUP", 2)
    assert tables.write_table([record, record], tmp_path / f"t{suffix}") == 10
    assert tables.write_table([], tmp_path / f"empty{suffix}") == 0
    if suffix == ".parquet":
        import pyarrow.parquet

        written = pyarrow.parquet.read_table(tmp_path / f"t{suffix}")
        assert written.num_rows == 10 and pyarrow.parquet.ParquetFile(tmp_path / f"t{suffix}").num_row_groups == 5
        assert pyarrow.parquet.read_table(tmp_path / f"empty{suffix}").column_names == tables.INTERACTION_COLUMNS
    else:
        assert (tmp_path / f"empty{suffix}").read_text().strip() == ",".join(tables.INTERACTION_COLUMNS)


def test_ray_refuses_parquet_mixed_with_other_inputs_and_missing_parquet(tmp_path):
    pytest.importorskip("ray")
    from spacy_ddi.extract import ray as ray_engine

    (tmp_path / "a.jsonl").write_text("")
    with pytest.raises(ValueError, match="Parquet files alone"):
        ray_engine.run("m", [tmp_path / "x.parquet", tmp_path / "a.jsonl"], tmp_path / "o")
    with pytest.raises(FileNotFoundError, match="x.parquet: no such file"):
        ray_engine.run("m", [tmp_path / "x.parquet"], tmp_path / "o")


def test_a_folder_is_listed_once(model_dir, inputs, tmp_path, monkeypatch):
    """The folder's files are listed once per run (a baseline folder may hold many files)."""
    from pathlib import Path

    calls = []
    rglob = Path.rglob

    def counting_rglob(self, pattern, *args, **kwargs):
        calls.append(self)
        return rglob(self, pattern, *args, **kwargs)

    monkeypatch.setattr(Path, "rglob", counting_rglob)
    out = tmp_path / "once.jsonl"
    result = CliRunner().invoke(app, ["extract", str(model_dir), str(inputs), "-o", str(out), "--id-field", "pmid", "--text-field", "body", "-q"])
    assert result.exit_code == 1, result.output  # the fixture's bad documents
    assert calls == [inputs]
    assert len(read_records(out)) == 6
