"""spacy-ddi review answers every record its start-up check accepts, or the check refuses the
record with its file and line; no acknowledged decision is lost, and a failed write leaves no
fragment; --export refuses to overwrite; a cut line never overwrites an earlier one's side file;
a server on port 80 answers browsers that leave the port out of the Host header."""
import json
import math
import random

import pytest
from typer.testing import CliRunner

from spacy_ddi.cli import app
from spacy_ddi.review import ReviewError, ReviewStore

from .test_review import RECORDS, client, pair, write_records

GOOD = {"X-Review-Token": "secret", "Origin": "http://127.0.0.1:8000"}


def one_record(tmp_path, change, name="one.jsonl"):
    rec = json.loads(json.dumps(RECORDS[0]))
    change(rec)
    path = tmp_path / name
    # json.dumps writes NaN and Infinity as Python does: what a careless writer produces
    path.write_text(json.dumps(rec) + "\n", encoding="utf8")
    return path


def every_route(store):
    """Each read route, then a decision on the first interaction (if any): the statuses."""
    web = client(store)
    statuses = [web.get("/").status_code, web.get("/api/state").status_code, web.get("/api/queue").status_code]
    statuses += [web.get(f"/api/doc/{i}").status_code for i in range(len(store.index))]
    state = store.state(0)
    if state.interactions:
        ddi = state.interactions[0]
        decision = {"doc": state.id, "action": "accept",
                    "interaction": {"subject": [ddi["subject"]["start"], ddi["subject"]["end"]],
                                    "object": [ddi["object"]["start"], ddi["object"]["end"]]}}
        statuses.append(web.post("/api/decide", json=decision, headers=GOOD).status_code)
        reset = {**decision, "action": "reset"}
        statuses.append(web.post("/api/decide", json=reset, headers=GOOD).status_code)
    return statuses


def answers_or_refuses(path):
    """Either the start-up check refuses the file, naming it and the line, or every route answers
    without a server error; a decision is never logged without being acknowledged."""
    try:
        store = ReviewStore(path)
    except ReviewError as err:
        assert f"{path}, line 1" in str(err) or f"{path} line 1" in str(err), str(err)
        return "refused"
    log_lines_before = 0
    statuses = every_route(store)
    assert all(s < 500 for s in statuses), statuses
    if store.log_path.exists():
        logged = len(store.log_path.read_text(encoding="utf8").splitlines()) - log_lines_before
        acknowledged = sum(1 for s in statuses[-2:] if s == 200) if store.state(0).interactions or logged else 0
        assert logged == acknowledged, (logged, statuses)
    return "answered"


@pytest.mark.parametrize("score", [float("nan"), float("inf"), -float("inf"), 1.5, -0.2, "0.9", True])
def test_a_score_that_is_not_a_probability(tmp_path, score):
    path = one_record(tmp_path, lambda r: r["interactions"][0].update(score=score))
    assert answers_or_refuses(path) == "refused"


def test_an_interaction_label_outside_the_known_ones(tmp_path):
    path = one_record(tmp_path, lambda r: r["interactions"][0].update(label="SYNERGY"))
    with pytest.raises(ReviewError, match=r"one.jsonl, line 1: interaction 0 has the label 'SYNERGY'"):
        ReviewStore(path)


def test_mentions_without_text_are_read_from_the_offsets(tmp_path):
    def strip(rec):
        for ddi in rec["interactions"]:
            del ddi["subject"]["text"], ddi["object"]["text"]

    path = one_record(tmp_path, strip)
    assert answers_or_refuses(path) == "answered"
    store = ReviewStore(path)
    items = store.queue("pair", 0, 10)
    assert {i["subject"]["text"] for i in items} == {"Ketoconazole", "Aspirin"}


@pytest.mark.parametrize("where", ["id", "text"])
def test_a_lone_surrogate_in_an_id_or_a_text(tmp_path, where):
    path = tmp_path / "surrogate.jsonl"
    rec = json.loads(json.dumps(RECORDS[0]))
    if where == "id":
        raw = json.dumps(rec).replace('"d1"', '"d\\ud8001"')
    else:
        raw = json.dumps(rec).replace("Ketoconazole increases", "Ketoconazole increases \\ud800")
    path.write_text(raw + "\n", encoding="utf8")
    with pytest.raises(ReviewError, match=r"surrogate.jsonl, line 1: .*lone surrogate"):
        ReviewStore(path)


def test_a_text_over_spacys_max_length_is_served(tmp_path):
    import spacy

    long_text = RECORDS[0]["text"] + " " + "x " * (spacy.blank("en").max_length // 2 + 10)
    path = one_record(tmp_path, lambda r: r.update(text=long_text))
    assert answers_or_refuses(path) == "answered"


@pytest.mark.parametrize("entities", [5, "drugs", [5], [{"start": 0}]])
def test_malformed_entities_are_refused_with_the_line(tmp_path, entities):
    path = one_record(tmp_path, lambda r: r.update(entities=entities))
    with pytest.raises(ReviewError, match=r"one.jsonl, line 1"):
        ReviewStore(path)


def test_hostile_records_are_answered_or_refused_with_their_line(tmp_path):
    """Generated records: odd floats, labels, missing keys, surrogates, sizes. Every one is
    refused by the start-up check (file and line) or answered on every route without a 500."""
    rng = random.Random(7)
    odd = [float("nan"), float("inf"), -1e308, 1e-320, 0.5, None, "x", [], {}, True, 2**70, -3]
    labels = ["EFFECT", "effect", "FALSE", "", None, 3, "\ud800", "MECHANISM" * 50]
    outcomes = {"refused": 0, "answered": 0}
    for k in range(60):
        rec = json.loads(json.dumps(RECORDS[k % 3]))
        for _ in range(rng.randint(1, 3)):
            target = rng.choice(["score", "label", "drop", "text", "id", "entity_label", "offsets"])
            if target == "score" and rec["interactions"]:
                rec["interactions"][0]["score"] = rng.choice(odd)
            elif target == "label" and rec["interactions"]:
                rec["interactions"][0]["label"] = rng.choice(labels)
            elif target == "drop":
                holder = rng.choice([rec, *rec["interactions"][:1], *rec["entities"][:1]])
                if holder:
                    holder.pop(rng.choice(sorted(holder)), None)
            elif target == "text":
                rec["text"] = rng.choice(["", "\ud800", rec.get("text", "") * 3, 7])
            elif target == "id":
                rec["id"] = rng.choice(["", "\udfff", 0, None, ["a"], "id " * 100])
            elif target == "entity_label" and rec["entities"]:
                rec["entities"][0]["label"] = rng.choice(labels)
            elif target == "offsets" and rec["interactions"]:
                rec["interactions"][0]["subject"]["end"] = rng.choice(odd)
        path = tmp_path / f"hostile-{k}.jsonl"
        try:
            raw = json.dumps(rec)
        except ValueError:
            continue
        path.write_text(raw + "\n", encoding="utf8", errors="surrogatepass")
        outcomes[answers_or_refuses(path)] += 1
    assert outcomes["refused"] and outcomes["answered"]


def test_a_failed_log_write_leaves_no_fragment_and_loses_no_acknowledged_decision(tmp_path, monkeypatch):
    import os

    from spacy_ddi.review import log as log_module

    path = write_records(tmp_path / "extracted.jsonl")
    store = ReviewStore(path)
    d1 = RECORDS[0]
    store.decide({"doc": "d1", "action": "accept", "interaction": pair(d1, "Aspirin", "warfarin")})
    real_fsync = os.fsync
    calls = {"n": 0}

    def full_disk(fd):  # the write lands in the page cache, then the sync fails (ENOSPC)
        calls["n"] += 1
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(log_module.os, "fsync", full_disk)
    with pytest.raises(ReviewError, match="could not be written"):
        store.decide({"doc": "d1", "action": "reject", "interaction": pair(d1, "Ketoconazole", "midazolam")})
    monkeypatch.setattr(log_module.os, "fsync", real_fsync)
    assert calls["n"] >= 1
    lines = store.log_path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 2  # one complete line, no fragment
    # the refused decision changed nothing; the next one is acknowledged and its own line
    assert store.state(0).by_origin(0)["review"] == "pending"
    store.decide({"doc": "d1", "action": "relabel", "interaction": pair(d1, "Ketoconazole", "midazolam"), "value": {"label": "EFFECT"}})
    again = ReviewStore(path)  # a restart reads every acknowledged decision
    assert [d["action"] for d in again.log.decisions] == ["accept", "relabel"]


def test_export_refuses_an_existing_file_unless_forced(tmp_path):
    path = write_records(tmp_path / "extracted.jsonl")
    ReviewStore(path).decide({"doc": "d1", "action": "accept", "interaction": pair(RECORDS[0], "Aspirin", "warfarin")})
    log = path.with_name("extracted.review.jsonl")
    before = log.read_bytes()
    out = tmp_path / "reviewed.jsonl"
    out.write_text("another review's export\n")
    result = CliRunner().invoke(app, ["review", str(path), "--export", str(out)])
    assert result.exit_code == 2 and "exists" in result.output and "--force" in result.output
    assert out.read_text() == "another review's export\n"
    result = CliRunner().invoke(app, ["review", str(path), "--export", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text().splitlines()[0])["id"] == "d1"
    # the decision log itself (or the input) is never an export target, even with --force
    for target in (log, path):
        result = CliRunner().invoke(app, ["review", str(path), "--export", str(target), "--force"])
        assert result.exit_code == 2 and "of this review" in result.output
    assert log.read_bytes() == before


@pytest.mark.parametrize("option", ["--log", "--export"])
def test_a_folder_for_the_log_or_the_export_is_an_error_not_a_traceback(tmp_path, option):
    path = write_records(tmp_path / "extracted.jsonl")
    folder = tmp_path / "folder"
    folder.mkdir()
    result = CliRunner().invoke(app, ["review", str(path), option, str(folder)])
    assert result.exit_code == 2 and "is a folder" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_second_cut_line_at_the_same_line_keeps_the_first_side_file(tmp_path):
    path = write_records(tmp_path / "extracted.jsonl")
    log = path.with_name("extracted.review.jsonl")
    good = json.dumps({"doc": "d1", "action": "accept", "interaction": pair(RECORDS[0], "Aspirin", "warfarin")})
    log.write_text(good + "\n" + '{"doc": "d1", "act')
    ReviewStore(path)
    log.write_text(good + "\n" + '{"doc": "d3", "second')
    store = ReviewStore(path)
    sides = sorted(p.name for p in tmp_path.glob("extracted.review.jsonl.cut-line-2*"))
    assert len(sides) == 2, sides
    assert {(tmp_path / s).read_text() for s in sides} == {'{"doc": "d1", "act', '{"doc": "d3", "second'}
    assert any("cut short" in note for note in store.notes)


def test_a_server_on_port_80_answers_a_host_header_without_the_port(tmp_path):
    from starlette.testclient import TestClient

    from spacy_ddi.review.server import allowed_hosts, create_app

    store = ReviewStore(write_records(tmp_path / "extracted.jsonl"))
    web = TestClient(create_app(store, hosts=allowed_hosts("127.0.0.1", 80), token="t"), base_url="http://127.0.0.1")
    for host in ("127.0.0.1", "localhost", "127.0.0.1:80"):
        assert web.get("/", headers={"Host": host}).status_code == 200, host
    assert web.get("/", headers={"Host": "evil.example"}).status_code == 421
    wild = TestClient(create_app(store, hosts=allowed_hosts("0.0.0.0", 80), token="t", ip_literals=80), base_url="http://10.0.0.5")
    assert wild.get("/", headers={"Host": "10.0.0.5"}).status_code == 200
    assert wild.get("/", headers={"Host": "evil.example"}).status_code == 421
