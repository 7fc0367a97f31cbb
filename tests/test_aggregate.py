"""spacy-ddi aggregate: exact pair rows from a hand-made extraction file, in every format."""
import csv
import json

import pytest
from typer.testing import CliRunner

from spacy_ddi.aggregate import aggregate_frame, pair_rows, read_interaction_rows, write_pairs
from spacy_ddi.extract import tables
from spacy_ddi.extract.tables import write_table
from spacy_ddi.cli import app

from .conftest import TRAIN_DATA


def mention(text, drug_id=None, name=None, start=0):
    return {"start": start, "end": start + len(text), "text": text, "drug_id": drug_id, "drug_name": name}


WARFARIN = ("DB00682", "Warfarin")
CIMETIDINE = ("DB00501", "Cimetidine")
LIDOCAINE = ("DB00281", "Lidocaine")


def ddi(subject, obj, label, score, sentence_start, sentence="s"):
    return {
        "subject": mention(subject[0], *subject[1:]), "object": mention(obj[0], *obj[1:]),
        "label": label, "score": score,
        "sentence": {"start": sentence_start, "end": sentence_start + len(sentence), "text": sentence},
    }


S1, S2 = "Coumadin is potentiated by cimetidine.", "Cimetidine raises warfarin levels; warfarin sodium too."
S3, S4 = "Warfarin and cimetidine interact; beta blockers and lidocaine need care.", "Beta-Blockers with lidocaine: take care."
RECORDS = [
    {"id": "d1", "text": "", "tokens": 0, "entities": [], "interactions": [
        ddi(("Coumadin", *WARFARIN), ("cimetidine", *CIMETIDINE), "EFFECT", 0.9, 0, S1),
        # the same pair the other way round, twice in one sentence: one statement, the best one
        ddi(("Cimetidine", *CIMETIDINE), ("warfarin", *WARFARIN), "MECHANISM", 0.8, 40, S2),
        ddi(("Cimetidine", *CIMETIDINE), ("warfarin sodium", *WARFARIN), "EFFECT", 0.6, 40, S2),
        # one drug with itself: left out
        ddi(("Coumadin", *WARFARIN), ("warfarin", *WARFARIN), "EFFECT", 0.99, 40, S2),
    ]},
    {"id": "d2", "text": "", "tokens": 0, "entities": [], "interactions": [
        ddi(("Warfarin", *WARFARIN), ("cimetidine", *CIMETIDINE), "MECHANISM", 0.7, 0, S3),
        ddi(("beta blockers",), ("lidocaine", *LIDOCAINE), "ADVISE", 0.95, 0, S3),
        ddi(("Warfarin", *WARFARIN), ("lidocaine", *LIDOCAINE), "FALSE", 0.9, 0, S3),  # not an interaction
    ]},
    {"id": "d3", "text": "", "tokens": 0, "entities": [], "interactions": [
        ddi(("Beta-Blockers",), ("lidocaine", *LIDOCAINE), "ADVISE", 0.5, 0, S4),
        ddi(("Coumadin", *WARFARIN), ("lidocaine", *LIDOCAINE), "INT", 0.05, 0, S4),  # below --min-score 0.1
    ]},
]

EXPECTED = [
    {
        "drug_a": "Cimetidine", "drug_a_id": "DB00501", "drug_a_by_name": False,
        "drug_b": "Warfarin", "drug_b_id": "DB00682", "drug_b_by_name": False,
        "documents": 2, "sentences": 3, "MECHANISM": 2, "EFFECT": 1, "ADVISE": 0, "INT": 0,
        # records as spacy-ddi 1.0 wrote them: no assertion
        "affirmed": 0, "negated": 0, "speculated": 0, "not_assessed": 3,
        "majority_type": "MECHANISM", "max_score": 0.9, "mean_score": 0.8,
        "evidence": [
            {"doc_id": "d1", "sentence": S1, "score": 0.9, "assertion": None},
            {"doc_id": "d1", "sentence": S2, "score": 0.8, "assertion": None},
        ],
    },
    {
        "drug_a": "Lidocaine", "drug_a_id": "DB00281", "drug_a_by_name": False,
        "drug_b": "beta blockers", "drug_b_id": None, "drug_b_by_name": True,
        "documents": 2, "sentences": 2, "MECHANISM": 0, "EFFECT": 0, "ADVISE": 2, "INT": 0,
        "affirmed": 0, "negated": 0, "speculated": 0, "not_assessed": 2,
        "majority_type": "ADVISE", "max_score": 0.95, "mean_score": 0.725,
        "evidence": [
            {"doc_id": "d2", "sentence": S3, "score": 0.95, "assertion": None},
            {"doc_id": "d3", "sentence": S4, "score": 0.5, "assertion": None},
        ],
    },
]


@pytest.fixture
def extracted(tmp_path):
    path = tmp_path / "extracted.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf8")
    return path


def test_pairs_from_records(extracted):
    assert pair_rows(read_interaction_rows([extracted]), evidence=2, min_score=0.1) == EXPECTED


def test_low_scores_count_without_min_score(extracted):
    rows = pair_rows(read_interaction_rows([extracted]), evidence=2)
    assert len(rows) == 3 and rows[2]["drug_a"] == "Lidocaine" and rows[2]["drug_b"] == "Warfarin"
    assert (rows[2]["INT"], rows[2]["majority_type"]) == (1, "INT")


def test_majority_tie_goes_to_the_higher_summed_score():
    rows = [
        {"doc_id": "d", "subject": "a", "object": "b", "label": "ADVISE", "score": 0.6, "sentence": "x", "sentence_start": 0},
        {"doc_id": "d", "subject": "b", "object": "a", "label": "EFFECT", "score": 0.9, "sentence": "y", "sentence_start": 5},
    ]
    (row,) = pair_rows(rows)
    assert (row["majority_type"], row["sentences"], row["ADVISE"], row["EFFECT"]) == ("EFFECT", 2, 1, 1)
    assert [e["sentence"] for e in row["evidence"]] == ["y", "x"]


@pytest.mark.parametrize("table", ["csv", "parquet"])
def test_extract_tables_give_the_same_pairs(extracted, tmp_path, table):
    path = tmp_path / f"interactions.{table}"
    write_table(RECORDS, path)
    assert pair_rows(read_interaction_rows([path]), evidence=2, min_score=0.1) == EXPECTED


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_cli_writes_each_format(extracted, tmp_path, suffix):
    out = tmp_path / f"pairs.{suffix}"
    result = CliRunner().invoke(app, ["aggregate", str(extracted), "-o", str(out), "-k", "2", "--min-score", "0.1"])
    assert result.exit_code == 0, result.output
    assert "2 drug pairs (1 with a drug known by name only)" in result.output
    if suffix == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif suffix == "csv":
        import csv

        rows = list(csv.DictReader(out.open()))
        assert rows[0]["documents"] == "2" and rows[1]["drug_b_by_name"] == "True"
        rows = [{**r, "evidence": json.loads(r["evidence"])} for r in rows]
        assert [r["evidence"] for r in rows] == [e["evidence"] for e in EXPECTED]
        return
    else:
        import pyarrow.parquet

        rows = [{**r, "evidence": json.loads(r["evidence"])} for r in pyarrow.parquet.read_table(out).to_pylist()]
    assert rows == EXPECTED


def test_dataframe(extracted):
    frame = aggregate_frame([extracted], evidence=2, min_score=0.1)
    assert list(frame["drug_a"]) == ["Cimetidine", "Lidocaine"]
    assert frame.iloc[0]["sentences"] == 3 and frame.iloc[1]["drug_b_by_name"]


def test_bad_inputs_are_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "no interactions field"}\n')
    result = CliRunner().invoke(app, ["aggregate", str(bad), "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 2 and "bad.jsonl, line 1: not a record" in result.output
    result = CliRunner().invoke(app, ["aggregate", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 2 and "none.jsonl: no such file" in result.output
    result = CliRunner().invoke(app, ["aggregate", str(bad), "-o", str(tmp_path / "p.txt")])
    assert result.exit_code == 2 and "p.txt" in result.output


@pytest.mark.slow
def test_extract_then_aggregate_over_a_folder(trained_nlp, tmp_path):
    folder = tmp_path / "abstracts"
    folder.mkdir()
    for k, (text, _, _) in enumerate(TRAIN_DATA):
        (folder / f"{k}.txt").write_text(text + " " + text, encoding="utf8")
    model = tmp_path / "model"
    trained_nlp.to_disk(model)
    runner = CliRunner()
    assert runner.invoke(app, ["extract", str(model), str(folder), "-o", str(tmp_path / "x.jsonl"), "-q"]).exit_code == 0
    result = runner.invoke(app, ["aggregate", str(tmp_path / "x.jsonl"), "-o", str(tmp_path / "pairs.jsonl")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    pairs = {(r["drug_a"], r["drug_b"]): r for r in rows}
    # the overfitted pipeline finds the training interactions, twice per document
    ketoconazole = pairs[("Midazolam", "Ketoconazole")]  # drug a has the smaller id
    assert (ketoconazole["drug_a_id"], ketoconazole["drug_b_id"]) == ("DB00683", "DB01026")
    assert (ketoconazole["documents"], ketoconazole["sentences"], ketoconazole["majority_type"]) == (1, 2, "MECHANISM")
    assert len(ketoconazole["evidence"]) == 2 and all(e["doc_id"] == "0.txt" for e in ketoconazole["evidence"])


def test_damaged_inputs_are_named_with_their_line(extracted, tmp_path):
    cut = tmp_path / "cut.jsonl"
    cut.write_text(extracted.read_text() + '{"id": "d4", "text": "cut off mid-li')
    with pytest.raises(ValueError, match=r"cut.jsonl, line 4: "):
        list(read_interaction_rows([cut]))
    table = tmp_path / "bad.csv"
    write_table(RECORDS, table)
    lines = table.read_text().splitlines()
    lines[3] = lines[3].replace(",0.6,", ",,")  # the third interaction row loses its score
    table.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"bad.csv, line 4: could not convert"):
        list(read_interaction_rows([table]))
    result = CliRunner().invoke(app, ["aggregate", str(cut), "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 2 and "cut.jsonl, line 4" in result.output


def test_a_mention_table_is_refused_even_when_empty(tmp_path):
    empty = tmp_path / "mentions.csv"
    write_table([], empty, mentions=True)
    with pytest.raises(ValueError, match="not an interaction table"):
        list(read_interaction_rows([empty]))


def test_nan_scores_are_left_out_and_nan_ids_are_missing():
    rows = [
        {"doc_id": "d", "subject": "a", "object": "b", "label": "ADVISE", "score": float("nan"), "sentence": "x", "sentence_start": 0},
        {"doc_id": "d", "subject": "c", "object": "e", "subject_id": float("nan"), "object_id": "", "label": "INT", "score": 0.4,
         "sentence": "y", "sentence_start": 5},
    ]
    (row,) = pair_rows(rows)
    assert (row["drug_a"], row["drug_a_by_name"], row["drug_b"], row["drug_b_by_name"]) == ("c", True, "e", True)


def test_the_pair_table_is_written_by_the_one_table_writer(extracted, tmp_path, monkeypatch):
    """write_pairs goes through spacy_ddi.extract.tables.write_rows: streamed in row groups, typed columns."""
    parquet = pytest.importorskip("pyarrow.parquet")
    from spacy_ddi.extract import tables

    monkeypatch.setattr(tables, "ROW_GROUP", 1)
    rows = pair_rows(read_interaction_rows([extracted]), evidence=2, min_score=0.1)
    write_pairs(rows, tmp_path / "pairs.parquet")
    assert parquet.ParquetFile(tmp_path / "pairs.parquet").num_row_groups == 2
    schema = parquet.read_schema(tmp_path / "pairs.parquet")
    types = {name: str(schema.field(name).type) for name in ("drug_a_by_name", "documents", "max_score", "evidence")}
    assert types == {"drug_a_by_name": "bool", "documents": "int64", "max_score": "double", "evidence": "string"}
    with pytest.raises(ValueError, match=r"pairs.txt: the pair table is .csv, .parquet or .jsonl"):
        write_pairs(rows, tmp_path / "pairs.txt")
    with pytest.raises(ValueError, match=r"t.txt: a table is .csv, .parquet or .jsonl"):
        tables.write_rows(rows, tmp_path / "t.txt", ["drug_a"])


def class_mention(text, class_id, class_name, long_form=None, start=0):
    return {**mention(text, start=start), "class_id": class_id, "class_name": class_name, "long_form": long_form}


PPI = ("D054328", "Proton Pump Inhibitors")
CLOPIDOGREL = ("DB00758", "Clopidogrel")
IN_PPI = [{"id": "D054328", "name": "Proton Pump Inhibitors", "source": "vocabulary"}]


def class_records():
    s1 = "Proton pump inhibitors (PPIs) reduce the effect of clopidogrel."
    s2 = "PPIs such as omeprazole inhibit clopidogrel activation."
    s3 = "A PPI lowered clopidogrel levels."
    omeprazole = {**mention("omeprazole", "DB00338", "Omeprazole"), "drug_classes": IN_PPI}
    return [{"id": "p1", "text": "", "tokens": 0, "entities": [], "interactions": [
        {"subject": class_mention("Proton pump inhibitors", *PPI), "object": mention("clopidogrel", *CLOPIDOGREL),
         "label": "EFFECT", "score": 0.9, "sentence": {"start": 0, "end": len(s1), "text": s1}},
        {"subject": class_mention("PPIs", *PPI, long_form="Proton pump inhibitors"), "object": mention("clopidogrel", *CLOPIDOGREL),
         "label": "EFFECT", "score": 0.8, "sentence": {"start": 0, "end": len(s1), "text": s1}},
        {"subject": omeprazole, "object": mention("clopidogrel", *CLOPIDOGREL),
         "label": "MECHANISM", "score": 0.7, "sentence": {"start": 70, "end": 70 + len(s2), "text": s2}},
    ]}, {"id": "p2", "text": "", "tokens": 0, "entities": [], "interactions": [
        {"subject": class_mention("PPI", *PPI), "object": mention("clopidogrel", *CLOPIDOGREL),
         "label": "MECHANISM", "score": 0.6, "sentence": {"start": 0, "end": len(s3), "text": s3}},
    ]}]


def test_abbreviated_and_spelled_out_classes_are_one_row():
    rows = pair_rows(row for record in class_records() for row in tables.interaction_rows(record))
    assert [(r["drug_a"], r["drug_a_id"], r["drug_b"], r["drug_b_id"], r["documents"], r["sentences"]) for r in rows] == [
        ("Proton Pump Inhibitors", "D054328", "Clopidogrel", "DB00758", 2, 2),
        ("Omeprazole", "DB00338", "Clopidogrel", "DB00758", 1, 1),
    ]


@pytest.mark.parametrize("table", [None, "csv", "parquet"])
def test_by_class_adds_roll_up_rows_beside_the_drug_rows(tmp_path, table):
    records = class_records()
    if table is None:
        rows_in = [row for record in records for row in tables.interaction_rows(record)]
    else:
        if table == "parquet":
            pytest.importorskip("pyarrow")
        path = tmp_path / f"x.{table}"
        write_table(records, path)
        rows_in = list(read_interaction_rows([path]))
    rows = pair_rows(rows_in, by_class=True)
    drug_rows = [r for r in rows if r["level"] == "drug"]
    class_rows = [r for r in rows if r["level"] == "class"]
    assert len(drug_rows) == 2 and all(r["rolled_up_from"] == [] for r in drug_rows)
    (rolled,) = class_rows
    assert (rolled["drug_a_id"], rolled["drug_b"], rolled["documents"], rolled["sentences"]) == ("D054328", "Clopidogrel", 2, 3)
    assert rolled["rolled_up_from"] == [
        "Proton pump inhibitors (class mention)", "PPIs (class mention)", "Omeprazole (DB00338, vocabulary)", "PPI (class mention)",
    ]
    assert [e["via"] for e in rolled["evidence"]] == ["Proton pump inhibitors", "Omeprazole", "PPI"]


def test_by_class_cli_writes_the_level_columns(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in class_records()), encoding="utf8")
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, ["aggregate", str(path), "-o", str(out), "--by-class"])
    assert result.exit_code == 0, result.output
    assert "2 drug pairs (0 with a drug known by name only) and 1 class roll-up rows" in result.output
    import csv

    rows = list(csv.DictReader(out.open()))
    assert [r["level"] for r in rows] == ["class", "drug", "drug"]
    assert json.loads(rows[0]["rolled_up_from"])[2] == "Omeprazole (DB00338, vocabulary)"
    plain = tmp_path / "plain.csv"
    assert CliRunner().invoke(app, ["aggregate", str(path), "-o", str(plain)]).exit_code == 0
    assert "level" not in plain.read_text().splitlines()[0]


def test_negated_and_hedged_findings_are_counted_apart_and_left_out_when_asked(tmp_path):
    """A negated finding is not evidence for the pair: counted as negated, and gone with
    --affirmed-only; in one sentence an affirmed reading of the pair wins over a negated one."""
    both = "Rifampin decreased the AUC of amprenavir, but amprenavir had no effect on rifampin."
    rows = [
        {"doc_id": "a", "subject": "Rifampin", "subject_id": "DB01045", "subject_name": "Rifampicin",
         "object": "amprenavir", "object_id": "DB00701", "object_name": "Amprenavir", "label": "MECHANISM",
         "score": 0.6, "assertion": "affirmed", "sentence": both, "sentence_start": 0},
        {"doc_id": "a", "subject": "amprenavir", "subject_id": "DB00701", "subject_name": "Amprenavir",
         "object": "rifampin", "object_id": "DB01045", "object_name": "Rifampicin", "label": "MECHANISM",
         "score": 0.9, "assertion": "negated", "sentence": both, "sentence_start": 0},
        {"doc_id": "b", "subject": "Rifampin", "subject_id": "DB01045", "subject_name": "Rifampicin",
         "object": "amprenavir", "object_id": "DB00701", "object_name": "Amprenavir", "label": "MECHANISM",
         "score": 0.8, "assertion": "negated", "sentence": "Rifampin did not change amprenavir levels.", "sentence_start": 0},
        {"doc_id": "c", "subject": "Rifampin", "subject_id": "DB01045", "subject_name": "Rifampicin",
         "object": "amprenavir", "object_id": "DB00701", "object_name": "Amprenavir", "label": "MECHANISM",
         "score": 0.7, "assertion": "speculated", "sentence": "Rifampin may lower amprenavir levels.", "sentence_start": 0},
    ]
    [row] = pair_rows(rows)
    assert (row["sentences"], row["affirmed"], row["negated"], row["speculated"], row["not_assessed"]) == (3, 1, 1, 1, 0)
    assert row["evidence"][0]["assertion"] in ("affirmed", "negated", "speculated")
    assert {e["doc_id"]: e["assertion"] for e in row["evidence"]}["a"] == "affirmed"
    [only] = pair_rows(rows, affirmed_only=True)
    assert (only["sentences"], only["affirmed"], only["negated"]) == (1, 1, 0)
    assert pair_rows(rows[2:], affirmed_only=True) == []


def test_an_assertion_outside_the_three_is_named_with_its_row(tmp_path):
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf8") as f:
        writer = csv.DictWriter(f, fieldnames=["doc_id", "subject", "object", "label", "score", "sentence", "sentence_start", "assertion"])
        writer.writeheader()
        writer.writerow({"doc_id": "a", "subject": "X", "object": "Y", "label": "EFFECT", "score": 0.9,
                         "sentence": "X and Y.", "sentence_start": 0, "assertion": "Negated"})
    with pytest.raises(ValueError, match=r"pairs.csv, line 2: assertion is affirmed, negated or speculated"):
        list(read_interaction_rows([path]))
