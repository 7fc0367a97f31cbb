"""spacy-ddi review: the decision log, the queue, the exports, the web app's guards, a 50 MB
input, and a curator's session in headless Chromium with the server killed halfway."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ddi.cli import app
from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY
from spacy_ddi.extensions import install_extensions, records_of
from spacy_ddi.review import ReviewError, ReviewStore, export

from .conftest import find_chromium

HOSTILE_ID = "d2 <script>alert(\"id\")</script> 'q'"
HOSTILE_TEXT = 'Lithium & "<b>diuretics</b>" should not be combined with NSAIDs or <img src=x onerror=alert(1)> digoxin.'


def mention(text, word, **link):
    start = text.index(word)
    return {"start": start, "end": start + len(word), "text": word, "drug_id": link.get("drug_id"),
            "drug_name": link.get("drug_name")}


def record(doc_id, text, ents, rels):
    """A record as ``spacy-ddi extract`` writes it, from (word, label) and (subject, object, label, score)."""
    entities = [{**mention(text, word), "label": label} for word, label in ents]
    interactions = [
        {"subject": mention(text, a), "object": mention(text, b), "label": label, "score": score,
         "sentence": {"start": 0, "end": len(text), "text": text}}
        for a, b, label, score in rels
    ]
    return {"id": doc_id, "text": text, "tokens": 0, "entities": entities, "interactions": interactions}


RECORDS = [
    record(
        "d1", "Ketoconazole increases the plasma concentration of midazolam. Aspirin may enhance warfarin.",
        [("Ketoconazole", "DRUG"), ("midazolam", "DRUG"), ("Aspirin", "BRAND"), ("warfarin", "DRUG")],
        [("Ketoconazole", "midazolam", "MECHANISM", 0.9), ("Aspirin", "warfarin", "EFFECT", 0.55)],
    ),
    record(
        HOSTILE_ID, HOSTILE_TEXT,
        [("Lithium", "DRUG"), ("diuretics", "GROUP"), ("NSAIDs", "GROUP"), ("digoxin", "DRUG")],
        [("Lithium", "diuretics", "ADVISE", 0.45), ("Lithium", "NSAIDs", "INT", 0.7)],
    ),
    record(
        "d3", "Cimetidine raises theophylline levels and phenytoin lowers them.",
        [("Cimetidine", "DRUG"), ("theophylline", "DRUG"), ("phenytoin", "DRUG")],
        [("Cimetidine", "theophylline", "MECHANISM", 0.52)],
    ),
]
# the queue, most uncertain first: score distance to 0.5, ties in input order
UNCERTAINTY_ORDER = [("d3", 0.52), ("d1", 0.55), (HOSTILE_ID, 0.45), (HOSTILE_ID, 0.7), ("d1", 0.9)]


def write_records(path, records=RECORDS):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")
    return path


def span(rec, word):
    m = mention(rec["text"], word)
    return [m["start"], m["end"]]


def pair(rec, a, b):
    return {"subject": span(rec, a), "object": span(rec, b)}


@pytest.fixture
def extracted(tmp_path):
    return write_records(tmp_path / "extracted.jsonl")


def test_queue_orders_by_uncertainty_and_by_pair(extracted):
    store = ReviewStore(extracted)
    assert store.log_path == extracted.with_name("extracted.review.jsonl")
    items = store.queue("uncertainty", 0, 10)
    assert [(i["doc_id"], i["score"]) for i in items] == UNCERTAINTY_ORDER
    assert [i["pos"] for i in items] == list(range(5))
    pairs = [(i["subject"]["text"].lower(), i["object"]["text"].lower()) for i in store.queue("pair", 0, 10)]
    assert pairs == [("aspirin", "warfarin"), ("cimetidine", "theophylline"), ("lithium", "diuretics"),
                     ("ketoconazole", "midazolam"), ("lithium", "nsaids")]
    assert store.progress() == {"reviewed": 0, "total": 5, "added": 0, "entity_changes": 0, "decisions": 0, "documents": 3}
    assert store.resume("uncertainty") == {"pos": 0, "doc": 2}
    with pytest.raises(ReviewError, match="order is one of"):
        store.queue("alphabetical", 0, 1)


def test_each_decision_is_one_log_line_and_a_restart_replays_them(extracted):
    d1, d2, d3 = RECORDS
    store = ReviewStore(extracted)
    store.decide({"doc": "d3", "action": "accept", "interaction": pair(d3, "Cimetidine", "theophylline")})
    store.decide({"doc": "d1", "action": "accept", "interaction": pair(d1, "Aspirin", "warfarin")})
    store.decide({"doc": HOSTILE_ID, "action": "reject", "interaction": pair(d2, "Lithium", "diuretics")})
    store.decide({"doc": HOSTILE_ID, "action": "relabel", "interaction": pair(d2, "NSAIDs", "Lithium"), "value": {"label": "EFFECT"}})
    store.decide({"doc": "d3", "action": "add", "interaction": pair(d3, "phenytoin", "Cimetidine"), "value": {"label": "ADVISE"}})
    lines = store.log_path.read_text(encoding="utf8").splitlines()
    assert len(lines) == 5
    logged = [json.loads(line) for line in lines]
    assert [d["action"] for d in logged] == ["accept", "accept", "reject", "relabel", "add"]
    for d in logged:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"])
    assert logged[2] == {**logged[2], "doc": HOSTILE_ID, "interaction": pair(d2, "Lithium", "diuretics"), "value": {"label": "FALSE"}}
    assert logged[0]["value"] == {"label": "MECHANISM"}
    assert logged[3]["value"] == {"label": "EFFECT"}
    assert logged[4]["value"] == {"label": "ADVISE"}

    def statuses(s):
        return [i["review"] for i in s.queue("uncertainty", 0, 10)]

    assert statuses(store) == ["accepted", "accepted", "rejected", "relabelled", "pending"]
    again = ReviewStore(extracted)  # a restart
    assert statuses(again) == statuses(store)
    assert again.progress() == {**store.progress()} == {
        "reviewed": 4, "total": 5, "added": 1, "entity_changes": 0, "decisions": 5, "documents": 3,
    }
    assert again.resume("uncertainty") == {"pos": 4, "doc": 0}  # the one left, in d1
    added = [d for d in again.state(2).interactions if d["review"] == "added"]
    assert [(d["subject"]["text"], d["object"]["text"], d["label"], d["score"]) for d in added] == [
        ("Cimetidine", "phenytoin", "ADVISE", None)
    ]
    assert again.notes == []


def test_refused_decisions_change_nothing(extracted):
    d1, _, d3 = RECORDS
    store = ReviewStore(extracted)
    cases = [
        ({"doc": "nope", "action": "accept"}, "no document with the id"),
        ({"doc": "d1", "action": "approve"}, "unknown action"),
        ({"doc": "d1", "action": "relabel", "interaction": pair(d1, "Ketoconazole", "midazolam"), "value": {"label": "FALSE"}}, "label is one of"),
        ({"doc": "d1", "action": "accept", "interaction": pair(d1, "Ketoconazole", "Aspirin")}, "no interaction between"),
        ({"doc": "d1", "action": "add", "interaction": pair(d1, "midazolam", "Aspirin"), "value": {"label": "INT"}}, "different sentences"),
        ({"doc": "d1", "action": "add", "interaction": pair(d1, "midazolam", "Ketoconazole"), "value": {"label": "INT"}}, "already have an interaction"),
        ({"doc": "d3", "action": "fix_entity", "entity": span(d3, "phenytoin"), "value": {"start": 40, "end": 52}}, "whitespace|overlaps"),
        ({"doc": "d3", "action": "fix_entity", "entity": span(d3, "phenytoin"), "value": {"label": "PROTEIN"}}, "entity label"),
        ({"doc": "d1", "action": "accept", "interaction": {"subject": "0-12"}}, r"\[start, end\]"),
    ]
    for decision, message in cases:
        with pytest.raises(ReviewError, match=message):
            store.decide(decision)
    assert not store.log_path.exists()
    assert store.progress()["decisions"] == 0


def test_entity_fixes_carry_their_interactions(extracted):
    d1 = RECORDS[0]
    text = d1["text"]
    store = ReviewStore(extracted)
    # "plasma concentration of midazolam" is not a drug; shrink, widen and relabel "midazolam"
    store.decide({"doc": "d1", "action": "fix_entity", "entity": span(d1, "midazolam"),
                  "value": {"start": text.index("midazolam"), "end": text.index("midazolam") + 5, "label": "DRUG_N"}})
    state = store.state(0)
    ddi = state.interactions[0]
    assert (ddi["object"]["text"], ddi["review"]) == ("midaz", "pending")
    assert [e["text"] for e in state.entities] == ["Ketoconazole", "midaz", "Aspirin", "warfarin"]
    assert state.entities[1]["label"] == "DRUG_N" and state.entities[1]["review"] == "changed"
    # the queue shows it as it stands now
    assert [i["object"]["text"] for i in store.queue("uncertainty", 4, 1)] == ["midaz"]
    store.decide({"doc": "d1", "action": "add_entity", "entity": [text.index("plasma"), text.index("plasma") + 6], "value": {"label": "GROUP"}})
    store.decide({"doc": "d1", "action": "remove_entity", "entity": span(d1, "Ketoconazole")})
    state = store.state(0)
    assert [e["text"] for e in state.entities] == ["plasma", "midaz", "Aspirin", "warfarin"]
    assert [i["review"] for i in store.queue("uncertainty", 0, 5)][4] == "removed"
    assert store.progress()["reviewed"] == 1 and store.progress()["entity_changes"] == 3
    again = ReviewStore(extracted)
    assert [e["text"] for e in again.state(0).entities] == ["plasma", "midaz", "Aspirin", "warfarin"]
    logged = [json.loads(line) for line in store.log_path.read_text().splitlines()]
    assert logged[0]["entity"] == span(d1, "midazolam")
    assert logged[0]["value"] == {"start": text.index("midazolam"), "end": text.index("midazolam") + 5, "label": "DRUG_N"}


def test_a_log_line_cut_short_is_set_aside_and_reported(extracted):
    d1 = RECORDS[0]
    store = ReviewStore(extracted)
    store.decide({"doc": "d1", "action": "accept", "interaction": pair(d1, "Aspirin", "warfarin")})
    with open(store.log_path, "ab") as f:  # a kill in the middle of writing the second line
        f.write(b'{"time": "2025-01-01T00:00:00.000Z", "doc": "d1", "action": "rej')
    again = ReviewStore(extracted)
    assert again.progress()["reviewed"] == 1
    assert len(again.notes) == 1 and "line 2 was cut short" in again.notes[0]
    side = store.log_path.with_name(store.log_path.name + ".cut-line-2")
    assert side.read_bytes().endswith(b'"action": "rej')
    assert store.log_path.read_bytes().endswith(b"}\n")  # the log is whole again
    again.decide({"doc": "d1", "action": "reject", "interaction": pair(d1, "Ketoconazole", "midazolam")})
    assert [json.loads(line)["action"] for line in store.log_path.read_text().splitlines()] == ["accept", "reject"]
    assert ReviewStore(extracted).notes == []


def test_bad_inputs_and_logs_name_the_file_and_line(tmp_path, extracted):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(RECORDS[0]) + "\n{not json\n")
    with pytest.raises(ReviewError, match=r"bad.jsonl, line 2: not JSON"):
        ReviewStore(bad)
    twice = write_records(tmp_path / "twice.jsonl", [RECORDS[0], RECORDS[2], RECORDS[0]])
    with pytest.raises(ReviewError, match=r"twice.jsonl line 3: the id 'd1' is also the id of line 1"):
        ReviewStore(twice)
    no_id = write_records(tmp_path / "no_id.jsonl", [{"text": "x", "entities": [], "interactions": []}])
    with pytest.raises(ReviewError, match="no_id.jsonl, line 1: not a record of spacy-ddi extract"):
        ReviewStore(no_id)
    log = tmp_path / "log.jsonl"
    log.write_text('{"doc": "d1", "action": "accept"}\nnot json\n{"doc": "d1", "action": "accept"}\n')
    with pytest.raises(ReviewError, match=r"log.jsonl line 2 is not JSON"):
        ReviewStore(extracted, log)
    log.write_text('{"doc": "elsewhere", "action": "accept", "interaction": {"subject": [0, 1], "object": [2, 3]}}\n')
    with pytest.raises(ReviewError, match=r"log.jsonl line 1 is a decision on the document 'elsewhere'"):
        ReviewStore(extracted, log)
    with pytest.raises(ReviewError, match="cannot be the input itself"):
        ReviewStore(extracted, extracted)


def reviewed_store(extracted):
    d1, d2, d3 = RECORDS
    store = ReviewStore(extracted)
    store.decide({"doc": "d3", "action": "accept", "interaction": pair(d3, "Cimetidine", "theophylline")})
    store.decide({"doc": HOSTILE_ID, "action": "reject", "interaction": pair(d2, "Lithium", "diuretics")})
    store.decide({"doc": HOSTILE_ID, "action": "relabel", "interaction": pair(d2, "Lithium", "NSAIDs"), "value": {"label": "EFFECT"}})
    store.decide({"doc": "d3", "action": "add", "interaction": pair(d3, "Cimetidine", "phenytoin"), "value": {"label": "ADVISE"}})
    store.decide({"doc": "d3", "action": "fix_entity", "entity": span(d3, "theophylline"), "value": {"label": "GROUP"}})
    return store


def test_export_jsonl_has_the_decisions_and_each_review_status(extracted, tmp_path):
    store = reviewed_store(extracted)
    summary = export(store, tmp_path / "reviewed.jsonl")
    assert "3 documents (4 interactions reviewed or added, 2 pending)" in summary
    out = [json.loads(line) for line in (tmp_path / "reviewed.jsonl").read_text().splitlines()]
    assert [r["id"] for r in out] == ["d1", HOSTILE_ID, "d3"]
    assert [(d["label"], d["model_label"], d["status"]) for d in out[1]["interactions"]] == [
        ("FALSE", "ADVISE", "rejected"), ("EFFECT", "INT", "relabelled"),
    ]
    assert [(d["object"]["text"], d["label"], d["model_label"], d["score"], d["status"]) for d in out[2]["interactions"]] == [
        ("theophylline", "MECHANISM", "MECHANISM", 0.52, "accepted"), ("phenytoin", "ADVISE", None, None, "added"),
    ]
    assert out[2]["interactions"][1]["sentence"]["text"] == RECORDS[2]["text"]
    assert [(e["text"], e["label"], e["status"]) for e in out[2]["entities"]] == [
        ("Cimetidine", "DRUG", "model"), ("theophylline", "GROUP", "changed"), ("phenytoin", "DRUG", "model"),
    ]
    assert [d["status"] for d in out[0]["interactions"]] == ["pending", "pending"]
    assert (out[0]["decisions"], out[2]["decisions"]) == (0, 3)
    export(store, tmp_path / "only.jsonl", reviewed_only=True)
    assert [json.loads(line)["id"] for line in (tmp_path / "only.jsonl").read_text().splitlines()] == [HOSTILE_ID, "d3"]


def docbin_docs(path):
    install_extensions()
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def pairs_of(doc):
    return {(doc[r.subject_start:r.subject_end].text, doc[r.object_start:r.object_end].text): r.label for r in records_of(doc)}


def test_export_docbin_is_the_training_format(extracted, tmp_path):
    store = reviewed_store(extracted)
    summary = export(store, tmp_path / "reviewed.spacy")
    assert "2 interactions still pending" in summary
    docs = docbin_docs(tmp_path / "reviewed.spacy")
    # one Doc per sentence: d1 has two
    assert [d.user_data[DOCUMENT_ID_KEY] for d in docs] == ["d1", "d1", HOSTILE_ID, "d3"]
    assert [(e.text, e.label_) for e in docs[3].ents] == [("Cimetidine", "DRUG"), ("theophylline", "GROUP"), ("phenytoin", "DRUG")]
    # every pair of the sentence, with its label or FALSE
    assert pairs_of(docs[3]) == {
        ("Cimetidine", "theophylline"): "MECHANISM", ("Cimetidine", "phenytoin"): "ADVISE", ("theophylline", "phenytoin"): "FALSE",
    }
    assert pairs_of(docs[2]) == {
        ("Lithium", "diuretics"): "FALSE", ("Lithium", "NSAIDs"): "EFFECT", ("Lithium", "digoxin"): "FALSE",
        ("diuretics", "NSAIDs"): "FALSE", ("diuretics", "digoxin"): "FALSE", ("NSAIDs", "digoxin"): "FALSE",
    }
    assert pairs_of(docs[0]) == {("Ketoconazole", "midazolam"): "MECHANISM"}  # pending: the model's label
    assert [d.text for d in docs[:2]] == ["Ketoconazole increases the plasma concentration of midazolam.", "Aspirin may enhance warfarin."]
    export(store, tmp_path / "only.spacy", reviewed_only=True)
    assert [d.user_data[DOCUMENT_ID_KEY] for d in docbin_docs(tmp_path / "only.spacy")] == [HOSTILE_ID, "d3"]
    with pytest.raises(ReviewError, match=r"\.jsonl .* or \.spacy"):
        export(store, tmp_path / "reviewed.csv")


def test_convert_reads_the_reviewed_jsonl_as_the_docbin_export_writes_it(extracted, tmp_path):
    store = reviewed_store(extracted)
    store.decide({"doc": "d1", "action": "remove_entity", "entity": span(RECORDS[0], "Aspirin")})
    export(store, tmp_path / "reviewed.jsonl")
    export(store, tmp_path / "reviewed.spacy")
    removed = json.loads((tmp_path / "reviewed.jsonl").read_text().splitlines()[0])["entities"][2]
    assert (removed["text"], removed["status"]) == ("Aspirin", "rejected")
    result = CliRunner().invoke(app, ["convert", str(tmp_path / "reviewed.jsonl"), str(tmp_path / "converted.spacy")])
    assert result.exit_code == 0, result.output
    ours, converted = docbin_docs(tmp_path / "reviewed.spacy"), docbin_docs(tmp_path / "converted.spacy")
    assert [d.text for d in ours] == [d.text for d in converted]
    assert [[(e.text, e.label_) for e in d.ents] for d in ours] == [[(e.text, e.label_) for e in d.ents] for d in converted]
    assert [pairs_of(d) for d in ours] == [pairs_of(d) for d in converted]
    assert "Aspirin" not in [e.text for e in ours[1].ents]


def test_cli_exports_without_a_server_and_says_what_to_install(extracted, tmp_path, monkeypatch):
    reviewed_store(extracted)
    result = CliRunner().invoke(app, ["review", str(extracted), "--export", str(tmp_path / "out.spacy")])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and len(docbin_docs(tmp_path / "out.spacy")) == 4
    result = CliRunner().invoke(app, ["review", str(extracted), "--reviewed-only"])
    assert result.exit_code == 2 and "--reviewed-only is an option of --export" in result.output
    result = CliRunner().invoke(app, ["review", str(tmp_path / "missing.jsonl"), "--export", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2 and "missing.jsonl: no such file" in result.output
    import spacy_ddi.review.server as server

    monkeypatch.setattr(server, "missing_dependencies", lambda: "spacy-ddi review needs Starlette and uvicorn: pip install 'spacy-ddi[review]'")
    result = CliRunner().invoke(app, ["review", str(extracted)])
    assert result.exit_code == 2 and "pip install 'spacy-ddi[review]'" in result.output


# ----------------------------------------------------------------------------- the web app


def client(store, token="secret"):
    from starlette.testclient import TestClient

    from spacy_ddi.review.server import allowed_hosts, create_app

    return TestClient(create_app(store, hosts=allowed_hosts("127.0.0.1", 8000), token=token), base_url="http://127.0.0.1:8000")


def test_bound_to_every_network_it_answers_ip_addresses_and_its_names_but_no_rebound_name(extracted):
    """0.0.0.0: a page on another site that rebinds its DNS name to this machine is refused,
    so it can read neither the token nor the documents; IP addresses, this machine's names and
    names given with --allow-host are answered."""
    import socket

    from starlette.testclient import TestClient

    from spacy_ddi.review.server import allowed_hosts, create_app

    store = ReviewStore(extracted)
    app = create_app(store, hosts=allowed_hosts("0.0.0.0", 8000, ["review.lab.example"]), token="t", ip_literals=8000)
    web = TestClient(app, base_url="http://127.0.0.1:8000")
    for host in ("evil.example:8000", "review.lab.example:9000", "10.0.0.5:9000"):
        assert web.get("/", headers={"Host": host}).status_code == 421, host
        assert web.get("/api/doc/0", headers={"Host": host}).status_code == 421, host
    for host in ("10.0.0.5:8000", "[fe80::1]:8000", "review.lab.example:8000", f"{socket.gethostname()}:8000", "localhost:8000"):
        assert web.get("/", headers={"Host": host}).status_code == 200, host


def test_the_app_refuses_other_hosts_other_origins_and_posts_without_the_token(extracted):
    d1 = RECORDS[0]
    store = ReviewStore(extracted)
    web = client(store)
    page = web.get("/")
    assert page.status_code == 200
    assert '<meta name="review-token" content="secret">' in page.text
    assert "script-src 'nonce-" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    # a DNS name pointed at 127.0.0.1 by another site: refused, even for reading
    assert web.get("/api/doc/0", headers={"Host": "evil.example:8000"}).status_code == 421
    decision = {"doc": "d1", "action": "accept", "interaction": pair(d1, "Aspirin", "warfarin")}
    good = {"X-Review-Token": "secret", "Origin": "http://127.0.0.1:8000"}
    refusals = [
        ({"Origin": "http://127.0.0.1:8000"}, 403),  # no token
        ({**good, "X-Review-Token": "guess"}, 403),
        ({**good, "Origin": "http://evil.example"}, 403),
        ({**good, "Sec-Fetch-Site": "cross-site"}, 403),
        ({**good, "Host": "evil.example:8000"}, 421),
    ]
    for headers, status in refusals:
        assert web.post("/api/decide", json=decision, headers=headers).status_code == status, headers
    form = web.post("/api/decide", data={"doc": "d1"}, headers=good)
    assert form.status_code == 415
    assert not store.log_path.exists()
    ok = web.post("/api/decide", json=decision, headers=good)
    assert ok.status_code == 200, ok.text
    assert ok.json()["progress"]["reviewed"] == 1 and ok.json()["line"] == 1
    bad = web.post("/api/decide", json={**decision, "action": "approve"}, headers=good)
    assert bad.status_code == 400 and "unknown action" in bad.json()["error"]
    assert len(store.log_path.read_text().splitlines()) == 1


def test_text_and_ids_are_escaped_in_the_markup(extracted):
    web = client(ReviewStore(extracted))
    payload = web.get("/api/doc/1").json()
    assert payload["id"] == HOSTILE_ID and payload["text"] == HOSTILE_TEXT  # JSON: the page writes them as text
    markup = payload["markup"]
    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup and "&quot;&lt;b&gt;" in markup
    page = web.get("/").text
    assert "<script>alert" not in page and "onerror" not in page
    # the page's script writes data with textContent only; the one innerHTML is the server's markup
    assert page.count("innerHTML") == 1 and "doc.markup" in page.split("innerHTML")[1][:40]


def test_a_50_mb_input_starts_quickly_and_is_served_one_document_at_a_time(tmp_path):
    """Start-up indexes the file by byte offset (about 1 s for 50 MB on a shared 2-core machine;
    the bound is loose for slower CI runners); responses stay small."""
    rec = record(
        "x", "Ketoconazole increases the plasma concentration of midazolam. " * 20 + "Aspirin may enhance warfarin.",
        [("Ketoconazole", "DRUG"), ("midazolam", "DRUG"), ("Aspirin", "BRAND"), ("warfarin", "DRUG")],
        [("Ketoconazole", "midazolam", "MECHANISM", 0.9), ("Aspirin", "warfarin", "EFFECT", 0.55)],
    )
    path = tmp_path / "big.jsonl"
    n = 0
    with open(path, "w", encoding="utf8") as f:
        while f.tell() < 50_000_000:
            rec["id"] = f"doc{n}"
            rec["interactions"][0]["score"] = (n % 97) / 97
            f.write(json.dumps(rec) + "\n")
            n += 1
    assert path.stat().st_size >= 50_000_000
    start = time.perf_counter()
    store = ReviewStore(path)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, f"indexing 50 MB took {elapsed:.1f} s"
    assert store.progress()["documents"] == n and store.progress()["total"] == 2 * n
    web = client(store)
    sizes = {
        "page": len(web.get("/").content),
        "state": len(web.get("/api/state").content),
        "queue": len(web.get("/api/queue?start=0&limit=200").content),
        "doc": len(web.get(f"/api/doc/{n - 1}").content),
    }
    assert all(size < 100_000 for size in sizes.values()), sizes
    assert web.get(f"/api/doc/{n - 1}").json()["id"] == f"doc{n - 1}"
    assert len(web.get("/api/queue?start=0&limit=100000").json()["items"]) == 200


# ----------------------------------------------------------------------------- in a browser


def start_server(extracted, log, port=0):
    """``spacy-ddi review`` as a separate process; returns it and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacy_ddi", "review", str(extracted), "--log", str(log), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 90
    for line in proc.stdout:
        found = re.search(r"Serving on (http://\S+)", line)
        if found:
            return proc, found.group(1)
        if time.time() > deadline:
            break
    proc.kill()
    raise AssertionError(f"the review server did not start: {proc.stderr.read()[-2000:]}")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_curator_session_in_chromium_survives_a_killed_server(extracted, tmp_path):
    """(1) open the page, (2) accept two interactions, reject one, relabel one, add one, (3) kill
    the server with SIGKILL and start it again, (4) the five decisions are in the page after a
    reload and in the log, (5) the export holds them. Two server starts: about 30 s on an idle
    2-core machine, a minute when it is busy."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium found (install Debian's chromium package; .ci/run does)")
    from playwright.sync_api import sync_playwright

    log = tmp_path / "decisions.jsonl"
    proc, url = start_server(extracted, log)
    port = int(url.rsplit(":", 1)[1])
    dialogs, errors = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=binary, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def settled():
                page.wait_for_selector("body[data-ready='1']:not([data-busy])", timeout=30_000)
                assert page.locator("#error").inner_text() == ""

            def press(key):
                page.keyboard.press(key)
                settled()

            # (1) open the page: the most uncertain interaction first
            page.goto(url)
            settled()
            assert page.inner_text("#progress") == "0 of 5 reviewed"
            assert page.text_content("#card-title") == "Queue item 1 of 5"
            assert page.inner_text("#doc-id") == "d3"
            assert page.locator("#drawing .ddi-arc.current").count() == 1

            # (2) accept two, reject one, relabel one, add one
            press("a")
            assert page.inner_text("#progress") == "1 of 5 reviewed"
            assert page.inner_text("#doc-id") == "d1" and "Aspirin" in page.inner_text("#card-pair")
            press("a")
            # the document with markup in its id and text: shown as text, nothing runs
            assert page.inner_text("#doc-id") == HOSTILE_ID
            assert page.locator("#drawing img, #drawing b, #drawing script").count() == 0
            assert "<img src=x onerror=alert(1)>" in page.locator("#drawing svg.ddi-svg").first.text_content()
            assert "diuretics" in page.inner_text("#card-pair")
            press("r")
            assert "NSAIDs" in page.inner_text("#card-pair")
            press("2")
            assert page.inner_text("#progress") == "4 of 5 reviewed"
            rows = page.locator("#interactions tr[data-review]")
            assert [rows.nth(i).get_attribute("data-review") for i in range(rows.count())] == ["pending", "accepted"]  # d1
            press("n")
            press("n")
            assert page.inner_text("#doc-id") == "d3"
            # click two mentions in the drawing, choose the label, add
            page.locator("#drawing .ddi-ent", has_text="Cimetidine").click()
            settled()
            page.locator("#drawing .ddi-ent", has_text="phenytoin").click()
            settled()
            page.select_option("#add-label", "ADVISE")
            page.click("#add-button")
            settled()
            assert page.inner_text("#extra") == "1 added"
            assert page.locator("#interactions tr[data-review='added'][data-label='ADVISE']").count() == 1

            # (3) kill the server (no clean shutdown) and start it again on the same port
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc, url2 = start_server(extracted, log, port=port)
            assert url2 == url
            # the page of the killed server holds its token: this server refuses its decisions
            page.keyboard.press("a")
            page.wait_for_selector("#error:has-text('stale review token')", timeout=30_000)

            # (4) the five decisions are there: in the page after a reload, and in the log
            page.reload()
            settled()
            assert page.inner_text("#progress") == "4 of 5 reviewed"
            assert page.inner_text("#extra") == "1 added"
            assert page.inner_text("#doc-id") == "d3"
            assert page.locator("#interactions tr[data-review='added'][data-label='ADVISE']").count() == 1
            assert page.locator("#interactions tr[data-review='accepted'][data-label='MECHANISM']").count() == 1
            queue = page.locator("#queue-items li")
            assert [queue.nth(i).get_attribute("data-review") for i in range(queue.count())] == [
                "accepted", "accepted", "rejected", "relabelled", "pending",
            ]
            # a fresh visit (no remembered place) resumes at the interaction left
            page.goto(url)
            settled()
            assert page.text_content("#card-title") == "Queue item 5 of 5"
            assert "Ketoconazole" in page.inner_text("#card-pair")
            # the other order keeps the interaction in view: 4th by drug pair
            press("o")
            assert page.input_value("#order") == "pair"
            assert page.text_content("#card-title") == "Queue item 4 of 5"
            assert "Ketoconazole" in page.inner_text("#card-pair")
            browser.close()
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert dialogs == [] and errors == []
    logged = [json.loads(line) for line in log.read_text(encoding="utf8").splitlines()]
    assert [(d["action"], d["doc"], d["value"].get("label")) for d in logged] == [
        ("accept", "d3", "MECHANISM"), ("accept", "d1", "EFFECT"), ("reject", HOSTILE_ID, "FALSE"),
        ("relabel", HOSTILE_ID, "EFFECT"), ("add", "d3", "ADVISE"),
    ]
    assert logged[4]["interaction"] == pair(RECORDS[2], "Cimetidine", "phenytoin")

    # (5) export, and the DocBin holds the decisions
    out = tmp_path / "reviewed.spacy"
    result = CliRunner().invoke(app, ["review", str(extracted), "--log", str(log), "--export", str(out)])
    assert result.exit_code == 0, result.output
    docs = docbin_docs(out)
    assert [d.user_data[DOCUMENT_ID_KEY] for d in docs] == ["d1", "d1", HOSTILE_ID, "d3"]
    assert pairs_of(docs[1]) == {("Aspirin", "warfarin"): "EFFECT"}
    assert pairs_of(docs[2])[("Lithium", "diuretics")] == "FALSE"
    assert pairs_of(docs[2])[("Lithium", "NSAIDs")] == "EFFECT"
    assert pairs_of(docs[3]) == {
        ("Cimetidine", "theophylline"): "MECHANISM", ("Cimetidine", "phenytoin"): "ADVISE", ("theophylline", "phenytoin"): "FALSE",
    }
