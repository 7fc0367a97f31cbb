"""spacy-ddi convert on a team's own annotations: BRAT, BioC XML/JSON, PubTator, reviewed JSONL.

The fixtures in tests/data/import/ hold the same two documents in each format, with the team's own
labels; each must import to the same mentions and interactions. Round trips: converted sentences
-> BRAT / BioC / PubTator / extract JSONL -> convert give the same annotation back.
"""
import json
import shutil
import warnings
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ddi.records import doc_record
from spacy_ddi.cli import app
from spacy_ddi.corpus import CorpusError, create_drug_tokenizer
from spacy_ddi.corpus.annotated import annotated_docs, document_annotation
from spacy_ddi.corpus.brat import write_brat
from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, SOURCE_KEY
from spacy_ddi.corpus.imports import UnmappedLabels, detect_format, export_brat, import_annotations, parse_labels
from spacy_ddi.extensions import from_docs, install_extensions

DATA = Path(__file__).parent / "data" / "import"
LABELS = "Chemical=DRUG,Brand=BRAND,DrugClass=GROUP,Increases_level=MECHANISM,Potentiates=EFFECT,Avoid_with=ADVISE"

T1 = "Ketoconazole increases the plasma concentration of midazolam. Aspirin may enhance warfarin in NSAIDs users."
T2 = "Patients taking lithium should avoid diuretics."


def at(text, mention):
    start = text.index(mention)
    return start, start + len(mention)


# the two documents: (text, mentions, interactions between mention indexes)
CORPUS = {
    "1001": (
        T1,
        [(*at(T1, "Ketoconazole"), "DRUG"), (*at(T1, "midazolam"), "DRUG"), (*at(T1, "Aspirin"), "BRAND"),
         (*at(T1, "warfarin"), "DRUG"), (*at(T1, "NSAIDs"), "GROUP")],
        [(0, 1, "MECHANISM"), (2, 3, "EFFECT"), (3, 4, "ADVISE")],
    ),
    "1002": (T2, [(*at(T2, "lithium"), "DRUG"), (*at(T2, "diuretics"), "GROUP")], [(0, 1, "ADVISE")]),
}


def expected(doc_id):
    text, mentions, interactions = CORPUS[doc_id]
    pairs = {(frozenset({mentions[a][:2], mentions[b][:2]}), label) for a, b, label in interactions}
    return set(mentions), pairs


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    return nlp


def by_document(documents):
    return {docs[0].user_data[DOCUMENT_ID_KEY]: docs for docs in documents if docs}


def corpus_docs(nlp):
    return {doc_id: annotated_docs(nlp, text, m, i, doc_id, source="MedLine") for doc_id, (text, m, i) in CORPUS.items()}


@pytest.mark.parametrize(
    "path, fmt, ids",
    [
        ("brat", "brat", {"doc1": "1001", "doc2": "1002"}),
        ("bioc.xml", "bioc-xml", None),
        ("bioc.json", "bioc-json", None),
        ("pubtator.txt", "pubtator", None),
        ("reviewed.jsonl", "jsonl", None),
    ],
)
def test_each_format_imports_the_same_annotation(nlp, path, fmt, ids):
    assert detect_format(DATA / path) == fmt
    documents, report = import_annotations(
        DATA / path, None, parse_labels(LABELS), nlp=nlp, corpus_source="MedLine", log=lambda _: None
    )
    found = by_document(documents)
    assert set(found) == set(ids or CORPUS)
    for name, docs in found.items():
        doc_id = ids[name] if ids else name
        text = CORPUS[doc_id][0]
        assert document_annotation(docs, text) == expected(doc_id), (fmt, doc_id)
        assert all(doc.user_data[SOURCE_KEY] == "MedLine" for doc in docs)
    assert (report.documents, report.sentences) == (2, 3)
    if fmt == "brat":  # warfarin's second fragment, the attribute and the note
        assert report.counts == {"discontinuous": 1, "ignored": 2}
        assert report.of_kind("discontinuous")[0].where.endswith("doc1.ann, line 4")
    elif fmt == "pubtator":  # concept relations: one mention pair each here
        assert report.counts == {"relation_mentions": 4}
    elif fmt == "jsonl":  # the rejected interaction
        assert report.counts == {"rejected": 1}
    else:
        assert report.counts == {}


def test_brat_round_trip(nlp, tmp_path):
    """sentence Docs -> write_brat -> convert: the same mentions and positive interactions."""
    original = corpus_docs(nlp)
    for doc_id, docs in original.items():
        write_brat(docs, tmp_path, doc_id)
    assert (tmp_path / "1001.txt").read_text() == T1
    documents, report = import_annotations(tmp_path, "brat", nlp=nlp, log=lambda _: None)
    found = by_document(documents)
    for doc_id, docs in original.items():
        assert document_annotation(found[doc_id]) == document_annotation(docs) == expected(doc_id)
        assert [d._.ddi_records for d in found[doc_id]] == [d._.ddi_records for d in docs]
    assert report.issues == []


def test_export_brat_of_a_docbin_and_back_through_the_cli(nlp, tmp_path):
    docs = [doc for docs in corpus_docs(nlp).values() for doc in docs]
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "team.spacy")
    result = CliRunner().invoke(app, ["convert", str(tmp_path / "team.spacy"), str(tmp_path / "brat"), "--to", "brat"])
    assert result.exit_code == 0, result.output
    assert "2 documents (3 sentences, 7 mentions, 4 interactions)" in result.output
    assert (tmp_path / "brat" / "annotation.conf").exists()
    result = CliRunner().invoke(app, ["convert", str(tmp_path / "brat"), str(tmp_path / "back.spacy")])
    assert result.exit_code == 0, result.output
    back = list(DocBin().from_disk(tmp_path / "back.spacy").get_docs(nlp.vocab))
    assert [(d.text, list(map(list, d._.ddi_records)), [(e.start, e.end, e.label_) for e in d.ents]) for d in back] == [
        (d.text, d._.ddi_records, [(e.start, e.end, e.label_) for e in d.ents]) for d in docs
    ]


def test_bioc_round_trip(nlp, tmp_path):
    """sentence Docs -> a BioC collection (one passage per sentence, at its document offset) ->
    convert, in XML and in JSON."""
    import bioc
    from bioc import biocjson, biocxml

    collection = bioc.BioCCollection()
    for doc_id, docs in corpus_docs(nlp).items():
        document = bioc.BioCDocument()
        document.id = doc_id
        offset, n = 0, 0
        for doc in docs:
            passage = bioc.BioCPassage.of_text(doc.text, offset)
            ids = {}
            for ent in doc.ents:
                n += 1
                annotation = bioc.BioCAnnotation()
                annotation.id, annotation.text = f"T{n}", ent.text
                annotation.infons["type"] = ent.label_.lower()
                annotation.add_location(bioc.BioCLocation(offset + ent.start_char, len(ent.text)))
                passage.add_annotation(annotation)
                ids[ent.start] = annotation.id
            for ddi in doc._.ddis:
                if ddi.is_positive:
                    relation = bioc.BioCRelation()
                    relation.id = f"R{len(passage.relations)}"
                    relation.infons["type"] = ddi.label.lower()
                    relation.add_node(bioc.BioCNode(ids[ddi.subject.start], "Arg1"))
                    relation.add_node(bioc.BioCNode(ids[ddi.object.start], "Arg2"))
                    passage.add_relation(relation)
            document.add_passage(passage)
            offset += len(doc.text) + 1
        collection.add_document(document)
    (tmp_path / "c.xml").write_text(biocxml.dumps(collection))
    (tmp_path / "c.json").write_text(biocjson.dumps(collection))
    for name in ("c.xml", "c.json"):
        documents, report = import_annotations(tmp_path / name, nlp=nlp, log=lambda _: None)
        for doc_id, docs in by_document(documents).items():
            assert document_annotation(docs) == expected(doc_id), name
        assert report.issues == []


def test_pubtator_round_trip_maps_concept_relations_to_mention_pairs_within_sentences(nlp, tmp_path):
    """A relation between two concepts is every pair of their mentions within a sentence:
    aspirin twice in the second sentence gives two pairs, the one in the first sentence none."""
    text = "Aspirin is well tolerated. Aspirin may enhance warfarin; aspirin lowers it too."
    starts = [0, text.index("Aspirin may"), text.index("aspirin lowers")]
    lines = [f"7|t|{text}", "7|a|"]
    lines += [f"7\t{s}\t{s + 7}\t{text[s:s + 7]}\tChemical\tD001241" for s in starts]
    lines += [f"7\t{text.index('warfarin')}\t{text.index('warfarin') + 8}\twarfarin\tChemical\tD014859"]
    lines += ["7\tPotentiates\tD001241\tD014859", ""]
    (tmp_path / "p.pubtator").write_text("\n".join(lines))
    documents, report = import_annotations(tmp_path / "p.pubtator", labels=parse_labels(LABELS), nlp=nlp, log=lambda _: None)
    (docs,) = documents
    mentions, interactions = document_annotation(docs, text)
    w = at(text, "warfarin")
    # the ddi_sentences rules end a sentence at "; ": the third aspirin is a sentence of its own
    assert interactions == {(frozenset({(starts[1], starts[1] + 7), w}), "EFFECT")}
    assert report.counts == {"relation_mentions": 1}
    assert "1 mention pairs within sentences" in report.of_kind("relation_mentions")[0].message


def test_jsonl_round_trip_through_extract_records(nlp, tmp_path):
    """extract's record of a document (its sentences joined) -> convert: the same annotation."""
    install_extensions()
    with (tmp_path / "records.jsonl").open("w") as file:
        for doc_id, docs in corpus_docs(nlp).items():
            with warnings.catch_warnings():  # the sentence ids do not merge (W102)
                warnings.simplefilter("ignore")
                document = from_docs(docs, ensure_whitespace=True)
            file.write(json.dumps(doc_record(doc_id, document)) + "\n")
    documents, report = import_annotations(tmp_path / "records.jsonl", nlp=nlp, log=lambda _: None)
    for doc_id, docs in by_document(documents).items():
        assert document_annotation(docs) == expected(doc_id)
    assert report.issues == []


def test_unmapped_labels_are_one_error_listing_them(nlp):
    with pytest.raises(UnmappedLabels) as err:
        import_annotations(DATA / "brat", None, parse_labels("Chemical=DRUG"), nlp=nlp, log=lambda _: None)
    message = str(err.value)
    # Brand maps to BRAND without an entry (spacy-ddi's names, any case)
    assert message.startswith("4 labels without a spacy-ddi label") and "'Brand'" not in message
    for label in ("'DrugClass'", "'Potentiates'", "'Avoid_with'", "'Increases_level'"):
        assert label in message
    assert "doc1.ann, T5 (line 5)" in message and "--labels DrugClass=DRUG," in message and "--drop-unmapped" in message


def test_drop_unmapped_and_dash_drop_and_report(nlp):
    documents, report = import_annotations(
        DATA / "brat", None, parse_labels("Chemical=DRUG,Brand=-,Increases_level=MECHANISM"), drop_unmapped=True,
        nlp=nlp, log=lambda _: None,
    )
    found = by_document(documents)
    mentions, interactions = document_annotation(found["doc1"], T1)
    assert {m[2] for m in mentions} == {"DRUG"} and len(mentions) == 3
    assert {label for _, label in interactions} == {"MECHANISM"}
    dropped = report.of_kind("unmapped_dropped")
    assert any("'Aspirin'" in i.message and "mapped to -" in i.message for i in dropped)
    assert any("Potentiates" in i.message for i in dropped)


@pytest.mark.parametrize("spec", ["drug", "drug=", "drug=CHEMICAL"])
def test_bad_label_table(spec):
    with pytest.raises(ValueError, match="--labels"):
        parse_labels(spec)


def copy_brat(tmp_path):
    folder = tmp_path / "team"
    shutil.copytree(DATA / "brat", folder)
    return folder


def edit(path, old, new):
    path.write_text(path.read_text().replace(old, new))


@pytest.mark.parametrize(
    "change, message",
    [
        (("R2\tPotentiates Arg1:T3 Arg2:T4", "R2\tPotentiates Arg1:T3 Arg2:T9"), "doc1.ann, line 7: relation R2 names T9, which is not defined"),
        (("T2\tChemical 51 60\tmidazolam", "T2\tChemical 51 60\tmidazolan"), "doc1.ann, line 2: T2 says 'midazolan', but the text at 51-60 is 'midazolam'"),
        (("T2\tChemical 51 60", "T2\tChemical 51 600"), "doc1.ann, line 2: T2 has offsets 51-600, outside the text"),
        (("T2\tChemical 51 60", "T2\tChemical 51 x"), "doc1.ann, line 2: T2 has offsets '51 x'"),
        (("R3\tAvoid_with", "T1\tAvoid_with"), "doc1.ann, line 8: T1 is defined again (first on line 1)"),
        (("R1\tIncreases_level Arg1:T1 Arg2:T2", "R1\tIncreases_level T1 T2"), "doc1.ann, line 6: relation R1 should read"),
        (("A1\tNegated T5", "X1\tNegated T5"), "doc1.ann, line 9: not a BRAT annotation line"),
    ],
)
def test_brat_errors_name_file_and_line_and_write_nothing(tmp_path, change, message):
    folder = copy_brat(tmp_path)
    edit(folder / "doc1.ann", *change)
    out = tmp_path / "out.spacy"
    result = CliRunner().invoke(app, ["convert", str(folder), str(out), "--labels", LABELS])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.spacy*"))


def test_brat_missing_text_file(tmp_path, nlp):
    folder = copy_brat(tmp_path)
    (folder / "doc2.txt").unlink()
    with pytest.raises(CorpusError, match=r"doc2.ann: no doc2.txt beside it"):
        import_annotations(folder, "brat", parse_labels(LABELS), nlp=nlp, log=lambda _: None)


@pytest.mark.parametrize(
    "name, old, new, message",
    [
        ("pubtator.txt", "1001\t51\t60\tmidazolam", "1001\t51\t60\tmidazolan", "pubtator.txt, line 4: the mention says 'midazolan'"),
        ("pubtator.txt", "1001\tPotentiates\tD001241\tD014859", "1001\tPotentiates\tD001241\tD999999", "pubtator.txt, line 9: relation Potentiates names D999999, which no mention of document 1001 carries"),
        ("pubtator.txt", "1001\t62\t69\tAspirin\tBrand", "1001\t62\tAspirin\tBrand", "pubtator.txt, line 5: not a PubTator line"),
        ("pubtator.txt", "\n\n1002|t|", "\n1002|t|", "pubtator.txt, line 11: document 1002 starts without a blank line after document 1001"),
        ("bioc.xml", '<node refid="A4" role="Arg2"/>', '<node refid="A9" role="Arg2"/>', "bioc.xml, document 1001: relation R2 names A9, which is not an annotation of the document"),
        ("bioc.xml", '<location offset="51" length="9"/>', '<location offset="50" length="9"/>', "bioc.xml, document 1001: annotation A2 says 'midazolam', but the text at 50-59"),
        ("bioc.xml", "<infon key=\"type\">Chemical</infon>\n        <location offset=\"0\"", "<location offset=\"0\"", "bioc.xml, document 1001: annotation A1 has no infon 'type'"),
        ("bioc.xml", "</collection>", "", "bioc.xml: not BioC XML"),
    ],
)
def test_pubtator_and_bioc_errors_name_the_file_and_place(tmp_path, name, old, new, message):
    path = tmp_path / name
    text = (DATA / name).read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    result = CliRunner().invoke(app, ["convert", str(path), str(tmp_path / "out.spacy"), "--labels", LABELS])
    assert result.exit_code == 1, result.output
    assert message in result.stderr


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "bad.jsonl, line 2: not JSON"),
        ("[1, 2]", "bad.jsonl, line 2: not a JSON object"),
        ('{"id": "x"}', "bad.jsonl, line 2: the record has no 'text'"),
        ('{"id": "x", "text": "Aspirin.", "entities": [{"start": 0, "end": 7, "label": "DRUG"}], "interactions": [{"subject": {"start": 0, "end": 7}, "object": {"start": 1, "end": 3}, "label": "INT"}]}',
         "bad.jsonl, line 2: interaction 0's object at 1-3 is not one of the record's entities"),
        ('{"id": "1001", "text": "Aspirin."}', "document id 1001 is used again"),
    ],
)
def test_jsonl_errors(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text((DATA / "reviewed.jsonl").read_text().split("\n")[0] + "\n" + line + "\n")
    result = CliRunner().invoke(app, ["convert", str(path), str(tmp_path / "out.spacy")])
    assert result.exit_code == 1, result.output
    assert message in result.stderr


def test_dev_split_by_document_and_report_file(tmp_path):
    out = tmp_path / "own"
    result = CliRunner().invoke(
        app, ["convert", str(DATA / "bioc.xml"), str(out), "--labels", LABELS, "--dev-fraction", "0.5",
              "--report", str(tmp_path / "report.json")],
    )
    assert result.exit_code == 0, result.output
    nlp = spacy.blank("en")
    train = list(DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab))
    dev = list(DocBin().from_disk(out / "dev.spacy").get_docs(nlp.vocab))
    ids = [{d.user_data[DOCUMENT_ID_KEY] for d in part} for part in (train, dev)]
    assert len(ids[0]) == len(ids[1]) == 1 and not ids[0] & ids[1]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["documents"] == 2 and report["outputs"]["dev"]["documents"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dev-fraction", "0.2"], "give a folder as OUTPUT"),
        (["--medline-dev-fraction", "0.2"], "--medline-dev-fraction is for the DDI corpus"),
        (["--format", "word"], "--format is one of"),
        (["--labels", "Chemical"], "--labels: 'Chemical' is not NAME=LABEL"),
    ],
)
def test_usage_errors(tmp_path, args, message):
    result = CliRunner().invoke(app, ["convert", str(DATA / "bioc.xml"), str(tmp_path / "out.spacy"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_docbin_converts_to_brat_only(tmp_path):
    DocBin().to_disk(tmp_path / "x.spacy")
    result = CliRunner().invoke(app, ["convert", str(tmp_path / "x.spacy"), str(tmp_path / "y.spacy")])
    assert result.exit_code == 2 and "add --to brat" in result.stderr


def test_brat_offsets_count_windows_line_ends(nlp, tmp_path):
    text = "Aspirin and warfarin.\r\nLithium and diuretics."
    (tmp_path / "d.txt").write_bytes(text.encode("utf8"))
    s = text.index("Lithium")
    (tmp_path / "d.ann").write_text(f"T1\tDRUG {s} {s + 7}\tLithium\nT2\tGROUP {s + 12} {s + 21}\tdiuretics\nR1\tADVISE Arg1:T1 Arg2:T2\n")
    (docs,) = import_annotations(tmp_path, nlp=nlp, log=lambda _: None)[0]
    assert [d.text for d in docs] == ["Aspirin and warfarin.", "Lithium and diuretics."]
    assert document_annotation(docs, text)[1] == {(frozenset({(s, s + 7), (s + 12, s + 21)}), "ADVISE")}


def test_pubtator_to_brat(tmp_path):
    result = CliRunner().invoke(app, ["convert", str(DATA / "pubtator.txt"), str(tmp_path / "b"), "--to", "brat", "--labels", LABELS])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "1001.txt").read_text() == T1
    assert "R3\tADVISE Arg1:T4 Arg2:T5" in (tmp_path / "b" / "1001.ann").read_text()


# characters str.splitlines breaks at that are text inside a PubTator or BRAT line
INLINE_BREAKS = "\u2028\u0085\x0b\x0c\x1c"


def test_pubtator_is_split_at_line_feeds_only_and_read_alike_by_extract_and_convert(tmp_path):
    """A U+2028 (or form feed, U+0085, ...) inside an abstract is text: nothing after it is
    lost, extract and convert read the same text (title, a line break, abstract), and the
    annotation offsets after it still index the text."""
    from spacy_ddi.extract.readers import read_pubtator as extract_pubtator
    from spacy_ddi.corpus.annotated import ImportReport
    from spacy_ddi.formats.annotated import read_pubtator as convert_pubtator

    title, abstract = "Title", f"Aspirin raises{INLINE_BREAKS}warfarin levels."
    start = len(title) + 1 + abstract.index("warfarin")
    content = (f"123|t|{title}\r\n123|a|{abstract}\r\n123\t{start}\t{start + 8}\twarfarin\tChemical\tD1\r\n\r\n"
               "7|t|No abstract\n7|a|\n")
    (tmp_path / "p.txt").write_bytes(content.encode("utf8"))
    extracted = {item.id: item.text for item in extract_pubtator(content, "p.txt")}
    converted = list(convert_pubtator(tmp_path / "p.txt", ImportReport()))
    assert extracted == {"123": f"{title}\n{abstract}", "7": "No abstract"}
    assert {doc.id: doc.text for doc in converted} == extracted
    (entity,) = converted[0].entities
    assert converted[0].text[entity.start:entity.end] == "warfarin"


def test_brat_ann_is_split_at_line_feeds_only(tmp_path):
    from spacy_ddi.corpus.annotated import ImportReport
    from spacy_ddi.corpus.brat import read_brat_document

    text = "Aspirin\u2028warfarin raise levels."
    (tmp_path / "d.txt").write_text(text, encoding="utf8")
    (tmp_path / "d.ann").write_bytes(
        "T1\tDrug 0 16\tAspirin\u2028warfarin\r\nT2\tDrug 8 16\twarfarin\r\nR1\tInteracts Arg1:T1 Arg2:T2\r\n".encode("utf8"))
    document = read_brat_document(tmp_path / "d.ann", "d", ImportReport())
    assert [(e.start, e.end, e.label) for e in document.entities] == [(0, 16, "Drug"), (8, 16, "Drug")]
    assert [(r.first, r.second) for r in document.relations] == [("T1", "T2")]


def bioc_collection(passages):
    parts = "".join(f"<passage><offset>{offset}</offset>{body}</passage>" for offset, body in passages)
    return f'<?xml version="1.0"?><collection><source>s</source><date>d</date><key>k</key><document><id>9</id>{parts}</document></collection>'


def test_bioc_layout_is_extracts_and_guards_against_far_offsets(tmp_path):
    """convert lays BioC passages out as extract does: an empty sentence at an earlier offset is
    no overlap, gaps are line breaks, and an absurd offset is an error naming the file and the
    document, not a 2 GB text."""
    from spacy_ddi.extract.readers import read_inputs
    from spacy_ddi.corpus.annotated import ImportReport
    from spacy_ddi.formats.annotated import read_bioc

    good = bioc_collection([
        (0, "<text>Aspirin.</text>"),
        (20, '<sentence><offset>20</offset><text>Warfarin.</text></sentence><sentence><offset>5</offset></sentence>'),
    ])
    (tmp_path / "good.xml").write_text(good)
    (document,) = read_bioc(tmp_path / "good.xml", ImportReport(), json_format=False)
    (item,) = read_inputs([tmp_path / "good.xml"])
    assert document.text == item.text == "Aspirin." + "\n" * 12 + "Warfarin."
    (tmp_path / "far.xml").write_text(bioc_collection([(0, "<text>Aspirin.</text>"), (2000000000, "<text>Warfarin.</text>")]))
    with pytest.raises(CorpusError, match=r"far\.xml, document 9: passage 2 at offset 2000000000 leaves a gap"):
        list(read_bioc(tmp_path / "far.xml", ImportReport(), json_format=False))


def test_write_brat_refuses_two_ids_that_make_one_file_name(nlp, tmp_path):
    docs = corpus_docs(nlp)["1002"]
    in_this_run = {}
    write_brat(docs, tmp_path, "sub/doc1", in_this_run)
    write_brat(docs, tmp_path, "sub/doc1", in_this_run)  # the same document again: its own file
    with pytest.raises(CorpusError, match=r"documents 'sub/doc1' and 'sub_doc1' would both be written as .*sub_doc1\.ann"):
        write_brat(docs, tmp_path, "sub_doc1", in_this_run)
    written = {}
    write_brat(docs, tmp_path / "run", "a:b", written)
    with pytest.raises(CorpusError, match="'a:b' and 'a_b'"):
        write_brat(docs, tmp_path / "run", "a_b", written)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["sub_doc1.ann", "sub_doc1.txt"]


def test_write_atomic_syncs_before_replacing_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    import os

    from spacy_ddi.corpus import brat

    calls = []
    monkeypatch.setattr(brat.os, "fsync", lambda fd: calls.append("fsync"))
    real_replace = os.replace
    monkeypatch.setattr(brat.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    brat.write_atomic(tmp_path / "a.txt", "new")
    assert calls == ["fsync", "replace"] and (tmp_path / "a.txt").read_text() == "new"
    monkeypatch.setattr(brat.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        brat.write_atomic(tmp_path / "a.txt", "newer")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"] and (tmp_path / "a.txt").read_text() == "new"
