"""Bounded loss: the local path writes every few documents; Ray's workers write part files
that a resumed run, a killed driver and a lost node leave exactly once."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_ddi import records as records_module
from spacy_ddi.extract import parts
from spacy_ddi.extract.readers import Item
from spacy_ddi.extract.runner import extract
from spacy_ddi.cli import app

from .conftest import TRAIN_DATA

TEXTS = [row[0] for row in TRAIN_DATA]


def lines(path: Path):
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line.strip()]


class Crashing:
    """A pipeline that records how many records are on disk each time it is given a batch,
    takes ``seconds`` per document, and dies (as a killed process would) at batch ``crash_at``."""

    def __init__(self, nlp, output: Path, crash_at=None, seconds=0.0):
        self.nlp, self.output, self.crash_at, self.seconds = nlp, output, crash_at, seconds
        self.batches = []

    def pipe(self, texts, **kwargs):
        texts = list(texts)
        on_disk = len(self.output.read_text(encoding="utf8").splitlines()) if self.output.exists() else 0
        self.batches.append((len(texts), on_disk))
        if self.crash_at is not None and len(self.batches) == self.crash_at:
            raise KeyboardInterrupt("the process is killed")
        time.sleep(self.seconds * len(texts))
        return self.nlp.pipe(texts)

    def __call__(self, text):
        return self.nlp(text)


def test_the_local_path_writes_at_least_every_n_documents_whatever_the_pipe_batch(trained_nlp, tmp_path):
    """A pipe batch of 2,048 used to mean one write per 2,048 documents: a crash lost them all.
    Now the records are on disk every --flush-every documents, and a crash loses one chunk."""
    items = [Item(f"d{k}", TEXTS[k % len(TEXTS)]) for k in range(40)]
    out = tmp_path / "o.jsonl"
    nlp = Crashing(trained_nlp, out, crash_at=5)
    with pytest.raises(KeyboardInterrupt):
        extract(nlp, items, out, batch_size=2048, flush_every=8)
    assert [size for size, _ in nlp.batches] == [8] * 5
    assert [on_disk for _, on_disk in nlp.batches] == [0, 8, 16, 24, 32]
    assert [r["id"] for r in lines(out)] == [f"d{k}" for k in range(32)]
    # and the run resumes from there
    summary = extract(trained_nlp, items, out, batch_size=2048, flush_every=8, resume=True)
    assert summary.skipped == 32 and [r["id"] for r in lines(out)] == [f"d{k}" for k in range(40)]


def test_the_local_path_writes_about_every_t_seconds(trained_nlp, tmp_path, monkeypatch):
    """Chunks follow the measured speed: at 0.05 s a document and --flush-seconds 0.2, about
    4 documents a chunk after the first, and the progress bar moves with every chunk."""
    from spacy_ddi.extract import runner

    updates = []

    class Bar:
        def __init__(self, **kwargs):
            pass

        def update(self, n):
            updates.append(n)

        def set_postfix_str(self, text):
            pass

        def close(self):
            pass

    import tqdm

    monkeypatch.setattr(tqdm, "tqdm", Bar)
    monkeypatch.setattr(runner, "FIRST_CHUNK", 4)
    items = [Item(f"d{k}", TEXTS[k % len(TEXTS)]) for k in range(24)]
    out = tmp_path / "o.jsonl"
    nlp = Crashing(trained_nlp, out, seconds=0.05)
    extract(nlp, items, out, batch_size=2048, flush_every=100, flush_seconds=0.2, progress=True)
    sizes = [size for size, _ in nlp.batches]
    assert sizes[0] == 4 and max(sizes) <= 5 and sum(sizes) == 24
    assert updates == sizes and len(lines(out)) == 24


def test_cli_flush_options_and_engines(model_dir, tmp_path):
    import typer.main

    from spacy_ddi.extract import runner

    defaults = {p.name: p.default for p in typer.main.get_command(app).commands["extract"].params}
    assert (defaults["flush_every"], defaults["flush_seconds"]) == (runner.FLUSH_EVERY, runner.FLUSH_SECONDS)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{k}", "text": t}) + "\n" for k, t in enumerate(TEXTS)), encoding="utf8")
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "-q", "--flush-every", "2", "--flush-seconds", "5"])
    assert result.exit_code == 0, result.output
    assert len(lines(out)) == len(TEXTS)
    for args, message in (
        (["-o", str(out), "--flush-every", "0"], "--flush-every is 1 or more"),
        (["-o", str(tmp_path / "r.jsonl"), "--engine", "ray", "--resume"], "--engine ray writes a folder of part files"),
        (["-o", str(tmp_path / "r"), "--engine", "ray", "--flush-seconds", "5"], "--flush-seconds is an option of --engine local"),
        (["-o", str(tmp_path / "r"), "--engine", "ray", "--errors", "e.jsonl"], "--errors is an option of --engine local"),
        (["-o", str(out), "--format", "parquet"], "--format is an option of --engine ray"),
        (["-o", str(tmp_path)], "a folder; --engine local writes one file"),
    ):
        result = CliRunner().invoke(app, ["extract", str(model_dir), str(source), *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_a_part_is_whole_or_absent_and_named_by_its_documents(tmp_path, monkeypatch):
    ids = ["a", "b", "c"]
    records = [json.dumps({"id": i, "text": "x", "tokens": 1, "entities": [], "interactions": []}) for i in ids[:2]]
    errors = [{"id": "c", "source": "f", "error": "not JSON"}]
    key = parts.write_part(tmp_path, ids, records, errors)
    assert key == parts.part_key(ids) != parts.part_key(ids[::-1])
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"errors-{key}.jsonl", f"records-{key}.jsonl"]
    # the same documents written again (a retried task) replace the part
    parts.write_part(tmp_path, ids, records, errors)
    assert len(list(tmp_path.iterdir())) == 2 and [r["id"] for r in records_module.read_records(tmp_path)] == ["a", "b"]
    # a task killed while writing leaves only a temporary file, which no reader counts
    import pyarrow.parquet

    def killed(table, where):  # the part is written through an open file, then fsynced
        where.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(pyarrow.parquet, "write_table", killed)
    with pytest.raises(KeyboardInterrupt):
        parts.write_part(tmp_path, ["d"], [records[0].replace('"a"', '"d"')], [], part_format="parquet")
    assert [p.name for p in records_module.record_parts(tmp_path)] == [f"records-{key}.jsonl"]
    assert sorted(parts.done_ids(tmp_path).tolist()) == [b"a", b"b"]


def test_resume_reads_done_ids_from_the_parts_and_tolerates_a_cut_line(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "records-1.jsonl").write_text('{"id": "a"}\n{"id": "bb"}\n{"id": "c", "te', encoding="utf8")
    (folder / "records-2.jsonl").write_text('{"id": "dddd"}\n', encoding="utf8")
    (folder / "errors-2.jsonl").write_text('{"id": "e", "source": "", "error": "x"}\n', encoding="utf8")
    (folder / ".tmp-123-records-3.jsonl").write_text('{"id": "f"}\n', encoding="utf8")
    (folder / "notes.txt").write_text("a user's file", encoding="utf8")
    parts.prepare(folder, resume=True)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "records-1.jsonl", "records-2.jsonl"]
    done = parts.done_ids(folder)
    assert done.tolist() == [b"a", b"bb", b"dddd"]
    assert (folder / "records-1.jsonl").read_text().endswith('"bb"}\n')  # the cut line is gone
    assert parts.is_done(done, ["a", "c", "dddd", "ddddd", "b", "é", "f"]).tolist() == [True, False, True, False, False, False, False]
    parts.prepare(folder, resume=False)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_the_parquet_part_schema_holds_every_field_of_a_record(trained_nlp, tmp_path):
    """Every field of a record has a fixed Parquet type (the same in every part), and a
    Parquet part gives back exactly the records written, a reader's extra fields included."""
    import pyarrow as pa

    from spacy_ddi.records import doc_record

    def fields(value, typ, where):
        if isinstance(value, dict):
            names = {f.name for f in typ}
            assert set(value) <= names, f"{where}: {sorted(set(value) - names)} not in parts.record_schema()"
            for name, item in value.items():
                fields(item, typ.field(name).type, f"{where}.{name}")
        elif isinstance(value, list):
            for item in value:
                fields(item, typ.value_type, f"{where}[]")

    records = [doc_record(str(k), doc) for k, doc in enumerate(trained_nlp.pipe(TEXTS))]
    schema = parts.record_schema()
    assert any(r["interactions"] for r in records)
    for record in records:
        fields(record, pa.struct(list(schema)), "record")
    sections = {"sections": [{"part": "abstract", "heading": "", "type": None, "depth": 0, "start": 0, "end": 5}]}
    records[0].update(sections)
    parts.write_part(tmp_path, [r["id"] for r in records], [json.dumps(r) for r in records], [], part_format="parquet")
    assert list(records_module.read_records(tmp_path)) == [{**r, "sections": r.get("sections")} for r in records]


def test_aggregate_reads_a_folder_of_jsonl_and_parquet_parts(trained_nlp, tmp_path):
    from spacy_ddi.aggregate import pair_rows, read_interaction_rows
    from spacy_ddi.records import doc_record

    records = [json.dumps(doc_record(f"d{k}", doc)) for k, doc in enumerate(trained_nlp.pipe(TEXTS * 2))]
    whole = tmp_path / "whole.jsonl"
    whole.write_text("".join(r + "\n" for r in records), encoding="utf8")
    folder = tmp_path / "parts"
    folder.mkdir()
    half = len(records) // 2
    parts.write_part(folder, [f"d{k}" for k in range(half)], records[:half], [])
    parts.write_part(folder, [f"d{k}" for k in range(half, len(records))], records[half:], [], part_format="parquet")
    expected = pair_rows(read_interaction_rows([whole]))
    assert expected and pair_rows(read_interaction_rows([folder])) == expected
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="without the part files"):
        list(read_interaction_rows([empty]))


# -- on Ray -----------------------------------------------------------------------------------

def start_cluster(worker_node: bool):
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 2, "object_store_memory": 200 * 1024 * 1024, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, connect=False, head_node_args=dict(node))
    worker = cluster.add_node(**node) if worker_node else None
    cluster.wait_for_nodes()
    return cluster, worker


def extract_command(model_dir, source, folder, address, *more):
    return [
        sys.executable, "-m", "spacy_ddi", "extract", str(model_dir), str(source), "-o", str(folder),
        "--engine", "ray", "--address", address, "--cpus-per-actor", "0.5", "--batch-size", "2", "--flush-every", "4", *more,
    ]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ray_resume_after_the_driver_is_killed_gives_one_runs_records(model_dir, trained_nlp, tmp_path):
    """The driver is killed (SIGKILL) once some parts are written; a rerun with --resume
    does the rest: the same records as one uninterrupted run, none twice, and the document
    that failed is tried again and recorded once."""
    pytest.importorskip("ray")
    from spacy_ddi.extract.readers import read_inputs

    source = tmp_path / "in.jsonl"
    rows = [json.dumps({"id": f"d{k}", "text": TEXTS[k % len(TEXTS)]}) for k in range(160)]
    source.write_text("\n".join(rows[:50] + ["not json"] + rows[50:]) + "\n", encoding="utf8")
    whole = tmp_path / "whole.jsonl"
    extract(trained_nlp, read_inputs([source]), whole)
    folder = tmp_path / "parts"
    cluster, _ = start_cluster(worker_node=False)
    try:
        driver = subprocess.Popen(extract_command(model_dir, source, folder, cluster.address), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while driver.poll() is None and time.monotonic() < deadline:
            if folder.exists() and len(records_module.record_parts(folder)) >= 2:
                driver.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        driver.wait()
        assert driver.returncode == -signal.SIGKILL, "the run ended before it could be killed"
        # the killed job's workers end with their driver; wait until none writes any more
        time.sleep(10)
        before = parts.done_ids(folder)
        assert 0 < len(before) < 160
        resumed = subprocess.run(extract_command(model_dir, source, folder, cluster.address, "--resume"), capture_output=True, text=True, timeout=600)
    finally:
        cluster.shutdown()
    assert resumed.returncode == 1, resumed.stderr[-3000:]  # the bad line failed again
    assert f"{len(before)} skipped as already done" in resumed.stderr
    ids = [r["id"] for r in records_module.read_records(folder)]
    assert len(ids) == len(set(ids)) == 160
    same = lambda records: sorted(json.dumps(r, sort_keys=True) for r in records)  # noqa: E731
    assert same(records_module.read_records(folder)) == same(lines(whole))
    errors = list(parts.read_errors(folder))
    assert len(errors) == 1 and errors[0]["id"].endswith("in.jsonl, line 51") and "not JSON" in errors[0]["error"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ray_survives_a_lost_node(model_dir, tmp_path):
    """scripts/ray_lost_node.py on the tiny pipeline: a worker node with an actor on it is
    killed mid-run; the run completes with every document exactly once."""
    pytest.importorskip("ray")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{k}", "text": t}) + "\n" for k, t in enumerate(TEXTS)), encoding="utf8")
    record_path = tmp_path / "lost.json"
    script = Path(__file__).parents[1] / "scripts" / "ray_lost_node.py"
    result = subprocess.run(
        [sys.executable, str(script), str(model_dir), str(source), str(record_path), "--documents", "200",
         "--no-steady", "--batch-size", "2", "--flush-every", "4", "--timeout", "600"],
        capture_output=True, text=True, timeout=800, env={**os.environ, "RAY_DEDUP_LOGS": "0"},
    )
    assert record_path.exists(), result.stderr[-3000:]
    run = json.loads(record_path.read_text())["runs"][-1]
    assert run["actors_on_killed_node"] >= 1 and run["killed_at_seconds"] > 0
    assert 0 < run["documents_written_when_killed"] < 200
    assert (run["documents_out"], run["duplicates"], run["missing"], run["exit_code"]) == (200, 0, 0, 0), run
