"""drug_linker: the normalisation rules one by one, the pick among candidates, the component.

Rule tests use a small hand-made vocabulary: each mention is first shown to miss the plain
lower-case lookup, then to link with the rule, and (for the text rules) not to link with the
rule taken out. The end-to-end tests use the real vocabulary of drug-named-entity-recognition.
"""
import pickle

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ddi.linking import normalise, vocabulary as vocabulary_module
from spacy_ddi.linking.linker_component import DrugLinker
from spacy_ddi.linking.vocabulary import Drug, DrugVocabulary, VocabularyError

DRUGS = [
    ("diltiazem", "Diltiazem", "DB00343"),
    ("warfarin", "Warfarin", "DB00682"),
    ("ethinylestradiol", "Ethinylestradiol", "DB00977"),
    ("ethinyl estradiol", "Ethinyl Estradiol", None),  # a MeSH entry without a DrugBank id
    ("simethicone", "Simethicone", "DB09512"),
    ("calcitonin salmon", "Calcitonin Salmon", "DB00017"),
    ("theophylline", "Theophylline", "DB00277"),
    ("mirtazapine", "Mirtazapine", "DB00370"),
    ("tiludronate", "Tiludronate", None),
    ("tiludronic acid", "Tiludronic acid", "DB01133"),
    ("valproic acid", "Valproic acid", "DB00313"),
    ("tamsulosin", "Tamsulosin", "DB00706"),
    ("lithium", "Lithium", None),
    ("lithium cation", "Lithium cation", "DB01356"),
    ("lithium carbonate", "Lithium carbonate", "DB14509"),
    ("tetracyclines", "Tetracyclines", None),
    ("tetracycline", "Tetracycline", "DB00759"),
    ("anticoagulants", "Anticoagulants", None),
    ("adrenergic beta-antagonists", "Adrenergic beta-Antagonists", None),
    ("interferon alfa-2b", "Interferon alfa-2b", "DB00105"),
    ("amphotericin b", "Amphotericin B", "DB00681"),
    ("amphotericin b liposomal", "Amphotericin B liposomal", "DB00682X"),
]
VARIANTS = {
    "coumadin": "warfarin", "remeron": "mirtazapine", "skelid": "tiludronate",
    "beta blockers": "adrenergic beta-antagonists", "interferon alpha-2b": "interferon alfa-2b",
    "fungizone": "amphotericin b", "ambisome": "amphotericin b liposomal",
}


@pytest.fixture(scope="module")
def vocab():
    keys = [key for key, _, _ in DRUGS]
    variants = {key: i for i, key in enumerate(keys)}
    variants.update({v: keys.index(c) for v, c in VARIANTS.items()})
    brands = {"coumadin": True, "remeron": True, "warfarin": False}
    return DrugVocabulary([Drug(*d) for d in DRUGS], variants, brands, "test")


def without_rule(monkeypatch, name):
    monkeypatch.setattr(normalise, "RULES", [(n, r) for n, r in normalise.RULES if n != name])


def test_clean_spells_out_greek_letters_and_drops_marks():
    assert normalise.clean("β-Blockers®") == "beta-blockers"
    assert normalise.clean("Interferon-α 2b") == "interferon-alpha 2b"
    assert normalise.clean("EquetroTM") == "equetro"
    assert normalise.clean("  Warfarin \n Sodium ") == "warfarin sodium"
    assert normalise.clean("14- hydroxy\u2013clarithromycin") == "14-hydroxy-clarithromycin"


def test_case(vocab):
    assert vocab.link("DILTIAZEM").drug_id == "DB00343"


def test_greek_letter(vocab):
    assert "interferon α-2b" not in vocab.variants
    link = vocab.link("interferon α-2b")
    assert (link.drug_id, link.rule) == ("DB00105", "exact")  # exact once cleaned


@pytest.mark.parametrize("mention,drug_id", [("ethinyl-estradiol", "DB00977"), ("beta-blockers", None)])
def test_squashed_spaces_and_hyphens(vocab, mention, drug_id):
    assert mention not in vocab.variants
    link = vocab.link(mention, "DRUG")
    assert link.rule.endswith("squash")
    assert link.drug_id == drug_id


def test_squash_prefers_the_drug_with_a_drugbank_id(vocab):
    # "ethinyl estradiol" is exactly a MeSH entry without an id; its squashed twin has one
    link = vocab.link("ethinyl estradiol", "DRUG")
    assert (link.drug_id, link.drug_name) == ("DB00977", "Ethinylestradiol")
    assert [d.name for d in link.candidates] == ["Ethinyl Estradiol", "Ethinylestradiol"]


def test_spelling(vocab):
    assert normalise.squash("simeticone") not in vocab.squashed
    link = vocab.link("simeticone")
    assert (link.drug_id, link.rule) == ("DB09512", "spelling")


def test_brackets(vocab, monkeypatch):
    assert vocab.link("calcitonin (salmon)").drug_id == "DB00017"  # squash alone finds this one
    assert vocab.link("diltiazem (oral)").drug_id == "DB00343"
    without_rule(monkeypatch, "brackets")
    assert DrugVocabulary(vocab.drugs, vocab.variants, vocab.brands, "t").link("diltiazem (oral)").drug_id is None


def test_singular(vocab, monkeypatch):
    assert vocab.link("theophyllines").drug_id == "DB00277"
    without_rule(monkeypatch, "singular")
    assert DrugVocabulary(vocab.drugs, vocab.variants, vocab.brands, "t").link("theophyllines").drug_id is None


@pytest.mark.parametrize("mention,drug_id", [
    ("diltiazem hydrochloride", "DB00343"), ("warfarin sodium", "DB00682"), ("tamsulosin HCl", "DB00706"),
    ("tamsulosin HCI", "DB00706"), ("Remeron SolTab", "DB00370"), ("diltiazem 120 mg", "DB00343"),
    ("warfarin sodium tablets", "DB00682"),
])
def test_salt_and_form_words(vocab, monkeypatch, mention, drug_id):
    assert vocab.link(mention).drug_id == drug_id
    without_rule(monkeypatch, "salt_or_form")
    assert DrugVocabulary(vocab.drugs, vocab.variants, vocab.brands, "t").link(mention).drug_id is None


def test_anion_and_acid(vocab, monkeypatch):
    # a salt word first, then the anion as its acid
    link = vocab.link("sodium valproate")
    assert (link.drug_id, link.rule) == ("DB00313", "salt_or_form+acid+exact")
    without_rule(monkeypatch, "acid")
    assert DrugVocabulary(vocab.drugs, vocab.variants, vocab.brands, "t").link("sodium valproate").drug_id is None


def test_salt_stripped_vocabulary_names_prefer_the_moiety(vocab):
    link = vocab.link("lithium", "DRUG")
    assert (link.drug_id, link.drug_name, link.rule) == ("DB01356", "Lithium cation", "salt_base")
    assert {d.name for d in link.candidates} == {"Lithium", "Lithium cation", "Lithium carbonate"}


def test_brand_to_generic(vocab):
    link = vocab.link("Coumadin", "BRAND")
    assert (link.drug_id, link.drug_name, link.is_brand) == ("DB00682", "Warfarin", True)
    assert vocab.link("warfarin").is_brand is False


def test_a_drug_without_id_is_looked_up_by_its_canonical_name(vocab):
    link = vocab.link("Skelid", "BRAND")
    assert (link.drug_id, link.drug_name, link.rule) == ("DB01133", "Tiludronic acid", "exact>acid+exact")


def test_group_mentions_stay_classes(vocab):
    link = vocab.link("tetracyclines", "GROUP")
    assert (link.drug_id, link.drug_name) == (None, "Tetracyclines")
    # the same text tagged DRUG climbs to the drug with an id
    assert vocab.link("tetracyclines", "DRUG").drug_id == "DB00759"
    link = vocab.link("anticoagulant", "GROUP")  # MeSH names it (an entry term), before the plural lookup
    assert (link.drug_name, link.rule) == ("Anticoagulants", "mesh")
    assert vocab.class_of(link.drug, "GROUP") == ("D000925", "Anticoagulants")


def test_ambiguous_name_keeps_its_candidates_and_picks_by_the_stated_rule():
    # two drugs squash to the same key: both stay candidates; the one with a DrugBank id wins,
    # and between two with ids the one with more name variants, then the name alphabetically
    drugs = [Drug("abc-12", "ABC-12", None), Drug("abc 12", "ABC 12", "DB1"), Drug("abc12", "ABC12", "DB2")]
    vocab = DrugVocabulary(drugs, {"abc-12": 0, "abc 12": 1, "abc12": 2, "abecedol": 2}, {}, "t")
    link = vocab.link("ABC_12")
    assert [d.name for d in link.candidates] == ["ABC12", "ABC 12", "ABC-12"]
    assert link.drug_id == "DB2"  # two variants against one
    vocab = DrugVocabulary(drugs, {"abc-12": 0, "abc 12": 1, "abc12": 2}, {}, "t")
    assert vocab.link("ABC_12").drug_id == "DB1"  # a tie: "ABC 12" < "ABC12"


def test_unlinked_mention(vocab):
    link = vocab.link("xyzzyvir", "DRUG")
    assert (link.drug, link.drug_id, link.drug_name, link.is_brand, link.candidates) == (None, None, None, None, [])
    assert vocab.link("", "DRUG").drug is None


def test_vocabulary_bytes_round_trip(vocab):
    again = DrugVocabulary.from_bytes(vocab.to_bytes())
    assert again.drugs == vocab.drugs and again.variants == vocab.variants and again.brands == vocab.brands
    assert again.link("lithium").drug_id == "DB01356"


# -- the real vocabulary and the component ----------------------------------------------------

@pytest.fixture(scope="module")
def linker_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("drug_linker")
    nlp.initialize()
    return nlp


def coumadin_doc(nlp):
    doc = nlp.make_doc("Coumadin may be potentiated by cimetidine and thiazide diuretics or xyzzyvir.")
    doc.ents = [doc.char_span(0, 8, "BRAND"), doc.char_span(31, 41, "DRUG"), doc.char_span(46, 64, "GROUP"), doc.char_span(68, 76, "DRUG")]
    return doc


def links(doc):
    return [(e.text, e._.drug_id, e._.drug_name, e._.is_brand) for e in doc.ents]


EXPECTED = [
    ("Coumadin", "DB00682", "Warfarin", True),
    ("cimetidine", "DB00501", "Cimetidine", False),
    ("thiazide diuretics", None, "Sodium Chloride Symporter Inhibitors", False),
    ("xyzzyvir", None, None, False),
]


def test_component_links_the_real_vocabulary(linker_nlp):
    doc = linker_nlp(coumadin_doc(linker_nlp))
    assert links(doc) == EXPECTED
    assert doc.ents[0]._.drug_candidates == [{"name": "Warfarin", "drug_id": "DB00682"}]
    assert doc.ents[3]._.drug_candidates == []


@pytest.mark.parametrize("mention,label,drug_id", [
    ("warfarin sodium", "DRUG", "DB00682"), ("diltiazem hydrochloride", "DRUG", "DB00343"),
    ("lithium", "DRUG", "DB01356"), ("ethinyl estradiol", "DRUG", "DB00977"), ("caffeine", "DRUG", "DB00201"),
])
def test_real_vocabulary_examples(linker_nlp, mention, label, drug_id):
    assert linker_nlp.get_pipe("drug_linker").vocabulary.link(mention, label).drug_id == drug_id


@pytest.mark.slow
def test_component_serialises_with_its_table_and_loads_without_the_package(linker_nlp, tmp_path, monkeypatch):
    linker_nlp.to_disk(tmp_path / "nlp")
    data = linker_nlp.to_bytes()

    def no_package():
        raise VocabularyError("not installed")

    monkeypatch.setattr(vocabulary_module, "dictionary_path", no_package)
    loaded = spacy.load(tmp_path / "nlp")
    assert links(loaded(coumadin_doc(loaded))) == EXPECTED
    blank = spacy.blank("en")
    blank.add_pipe("drug_linker")
    blank.from_bytes(data)
    assert links(blank(coumadin_doc(blank))) == EXPECTED
    clone = pickle.loads(pickle.dumps(linker_nlp.get_pipe("drug_linker")))
    assert links(clone(coumadin_doc(linker_nlp))) == EXPECTED


def test_links_survive_docbin(linker_nlp):
    doc = linker_nlp(coumadin_doc(linker_nlp))
    docbin = DocBin(store_user_data=True)
    docbin.add(doc)
    again = list(DocBin().from_bytes(docbin.to_bytes()).get_docs(linker_nlp.vocab))[0]
    assert links(again) == EXPECTED


def test_labels_option_links_only_those_labels():
    nlp = spacy.blank("en")
    linker = nlp.add_pipe("drug_linker", config={"labels": ["DRUG"]})
    linker._vocabulary = DrugVocabulary([Drug("warfarin", "Warfarin", "DB00682")], {"warfarin": 0, "coumadin": 0}, {}, "t")
    doc = nlp.make_doc("Coumadin and warfarin")
    doc.ents = [doc.char_span(0, 8, "BRAND"), doc.char_span(13, 21, "DRUG")]
    assert [e._.drug_id for e in nlp(doc).ents] == [None, "DB00682"]


def test_missing_package_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(vocabulary_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(VocabularyError, match="pip install 'drug-named-entity-recognition"):
        DrugLinker().initialize()


@pytest.mark.slow
def test_relabel_brands_turns_drug_mentions_of_brand_names_into_brand_entities(linker_nlp, tmp_path):
    """Off by default; on, a DRUG mention that is a capitalised name unlike its drug's name
    (Trileptal -> Oxcarbazepine) becomes BRAND, while generic names and their spellings stay."""
    text = "Trileptal and LEXAPRO raise Lithium levels; Verapamil and Propanolol do not."
    spans = [(0, 9), (14, 21), (28, 35), (44, 53), (58, 68)]

    def tagged(nlp):
        doc = nlp.make_doc(text)
        doc.ents = [doc.char_span(a, b, "DRUG") for a, b in spans]
        return doc

    assert [e.label_ for e in linker_nlp(tagged(linker_nlp)).ents] == ["DRUG"] * 5
    nlp = spacy.blank("en")
    nlp.add_pipe("drug_linker", config={"relabel_brands": True})
    nlp.initialize()
    expected = [("Trileptal", "BRAND"), ("LEXAPRO", "BRAND"), ("Lithium", "DRUG"), ("Verapamil", "DRUG"), ("Propanolol", "DRUG")]
    doc = nlp(tagged(nlp))
    assert [(e.text, e.label_) for e in doc.ents] == expected
    trileptal = doc.ents[0]
    assert (trileptal._.drug_name, trileptal._.is_brand) == ("Oxcarbazepine", True)
    assert doc.ents[1]._.drug_name == "Escitalopram"
    assert doc.ents[4]._.drug_name == "Propranolol"  # a misspelling, not a brand
    # saved in the pipeline's config; a value given at load time wins
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert [(e.text, e.label_) for e in loaded(tagged(loaded)).ents] == expected
    off = spacy.load(tmp_path / "nlp", config={"components": {"drug_linker": {"relabel_brands": False}}})
    assert [e.label_ for e in off(tagged(off)).ents] == ["DRUG"] * 5


def test_reads_as_brand_rules():
    from spacy_ddi.linking.linker_component import reads_as_brand
    from spacy_ddi.linking.vocabulary import Link

    oxcarbazepine = Drug("oxcarbazepine", "Oxcarbazepine", "DB00776")
    propranolol = Drug("propranolol", "Propranolol", "DB00571")
    assert reads_as_brand("Trileptal", Link(oxcarbazepine, None))  # the vocabulary does not say
    assert not reads_as_brand("trileptal", Link(oxcarbazepine, None))  # not capitalised
    assert not reads_as_brand("Trileptal", Link(oxcarbazepine, False))  # the vocabulary says generic
    assert reads_as_brand("trileptal", Link(oxcarbazepine, True))  # the vocabulary says brand
    assert not reads_as_brand("Propanolol", Link(propranolol, None))  # a spelling of the name
    assert not reads_as_brand("Oxcarbazepine", Link(oxcarbazepine, None))
    assert not reads_as_brand("Xyzzyvir", Link(None, None))  # unlinked
    lomustine = Drug("lomustine", "Lomustine", "DB01206")
    assert not reads_as_brand("CCNU", Link(lomustine, None))  # an abbreviation in capitals
    assert reads_as_brand("CCNU", Link(lomustine, True))  # unless the vocabulary says brand
    assert reads_as_brand("TAXOL", Link(Drug("paclitaxel", "Paclitaxel", "DB01229"), None))  # 5 capitals


# -- classes, overrides, saved pipelines ------------------------------------------------------

def test_overrides_fix_the_vocabulary_ids(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    assert vocab.link("Estradiol", "DRUG").drug_id == "DB00783"  # the package gives DB13956, estradiol valerate
    assert vocab.link("testosterone", "DRUG").drug_id == "DB00624"
    assert vocab.link("estrogen", "GROUP").drug_id is None


def test_override_rows_name_entries_of_the_bundled_vocabulary():
    """Every correction names an entry of drug-named-entity-recognition with the wrong value it
    corrects, and never gives a DrugBank id that another entry already carries."""
    _, canonical, _ = vocabulary_module.read_package_dictionary()
    carried = {d.get("drugbank_id") for d in canonical.values()}
    for row in vocabulary_module.read_overrides():
        assert canonical[row["name"]].get(row["field"]) == row["wrong"], row
        if row["field"] == "drugbank_id" and row["right"]:
            assert row["right"] not in carried, row
        assert row["reason"]


def test_overrides_apply_to_a_table_saved_before_them():
    drugs = [Drug("estradiol", "Estradiol", "DB13956")]
    again = DrugVocabulary.from_bytes(DrugVocabulary(drugs, {"estradiol": 0}, {}, "t").to_bytes())
    assert again.link("estradiol").drug_id == "DB00783"


def test_class_synonyms_name_class_entries_with_a_mesh_id(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    keys = {d.key: d for d in vocab.drugs}
    for line, synonym, key in vocabulary_module.read_class_synonyms():
        if vocabulary_module.MESH_ID.match(key):
            assert key in vocab.mesh and vocab.mesh[key].is_group, f"class_synonyms.tsv, line {line}: {key} is not a MeSH class"
            assert vocab.class_of(vocab.link(synonym, "GROUP").drug, "GROUP")[0] == key, (line, synonym)
            continue
        assert key in keys, f"class_synonyms.tsv, line {line}: {key!r} is not in the vocabulary"
        assert keys[key].drugbank_id is None and (keys[key].mesh_id or keys[key].is_class), (line, key)


@pytest.mark.parametrize("mentions,mesh_id", [
    (["PPIs", "PPI", "proton pump inhibitors", "proton pump inhibitor"], "D054328"),
    (["beta-blockers", "beta blockers", "β-adrenergic blocking agents", "Beta-Blockers"], "D000319"),
    (["NSAIDs", "nonsteroidal anti-inflammatory drugs"], "D000894"),
    (["MAO inhibitors", "MAOIs", "monoamine oxidase inhibitors"], "D008996"),
    (["anticoagulants", "anticoagulant"], "D000925"),
    (["CYP3A4 inhibitors"], "D065692"),
])
def test_class_mentions_get_one_mesh_id(linker_nlp, mentions, mesh_id):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    for mention in mentions:
        link = vocab.link(mention, "GROUP")
        assert vocab.class_of(link.drug, "GROUP")[0] == mesh_id, mention


def test_a_class_takes_the_mesh_id_of_its_name_not_the_vocabularys(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    # the vocabulary gives D014665 (Vasodilator Agents) to calcium channel blockers and three other classes
    link = vocab.link("calcium channel blockers", "GROUP")
    assert link.drug.mesh_id == "D014665"
    assert vocab.class_of(link.drug, "GROUP") == ("D002121", "Calcium Channel Blockers")
    # and D018686 (Anesthetics, Intravenous) to barbiturates
    assert vocab.class_of(vocab.link("barbiturates", "GROUP").drug, "GROUP") == ("D001463", "Barbiturates")


@pytest.mark.parametrize("mention,mesh_id,name", [
    ("phenothiazines", "D010640", "Phenothiazines"),  # a chemical group the vocabulary lacks
    ("macrolide antibiotics", "D018942", "Macrolides"),  # class_synonyms.tsv, by MeSH id
    ("neuroleptics", "D014150", "Antipsychotic Agents"),  # a MeSH entry term
    ("salicylate", "D012459", "Salicylates"),
    ("digitalis", "D004071", "Digitalis Glycosides"),
])
def test_group_mentions_find_mesh_classes(linker_nlp, mention, mesh_id, name):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    assert vocab.class_of(vocab.link(mention, "GROUP").drug, "GROUP") == (mesh_id, name)


def test_mesh_class_entries_stay_out_of_drug_links_and_the_saved_table(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    assert vocab.link("phenothiazines", "DRUG").drug_id == "DB11447"  # the compound, for a DRUG mention
    assert vocab.link("quinidine", "GROUP").drug_id == "DB00908"  # a drug's name stays the drug
    again = DrugVocabulary.from_bytes(vocab.to_bytes())
    assert len(again.drugs) == len(vocab.drugs) and again.n_vocabulary == vocab.n_vocabulary
    assert not any(d.key.startswith(vocabulary_module.MESH_KEY) for d in again.drugs[: again.n_vocabulary])


def test_the_mesh_table_agrees_with_the_checked_class_ids():
    table = vocabulary_module.read_mesh_table()
    assert len(table) > 10_000 and sum(d.is_group for d in table.values()) > 3_000
    for row in vocabulary_module.read_mesh_classes():
        assert table[row["mesh_id"]].name == row["mesh_name"], row
    assert table["D054328"].name == "Proton Pump Inhibitors" and table["D054328"].is_action


def test_mesh_class_rows_are_well_formed_and_unique():
    rows = vocabulary_module.read_mesh_classes()
    assert rows
    for row in rows:
        assert vocabulary_module.MESH_ID.match(row["mesh_id"]), row
        assert row["source"] == "curated" and row["mesh_name"] and row["evidence"], row
    assert len({r["class"] for r in rows}) == len(rows)  # one id per class
    assert len({r["mesh_id"] for r in rows}) == len(rows)  # one class per id


@pytest.mark.parametrize("text,message", [
    ("aminoglycosides\tD617\tAminoglycosides\tcurated\tx\n", "not a MeSH descriptor id"),
    ("aminoglycosides\tD000617\tAminoglycosides\tguessed\tx\n", "source 'curated'"),
    ("aminoglycosides\tD000617\tAminoglycosides\tcurated\tx\nmacrolides\tD000617\tMacrolides\tcurated\tx\n", "line 2"),
])
def test_mesh_class_rows_that_are_refused_name_their_line(tmp_path, text, message):
    path = tmp_path / "mesh_classes.tsv"
    path.write_text("class\tmesh_id\tmesh_name\tsource\tevidence\n" + text, encoding="utf8")
    with pytest.raises(VocabularyError, match=message):
        vocabulary_module.read_mesh_classes(path)


@pytest.mark.parametrize("mentions,mesh_id", [
    (["corticosteroids", "corticosteroid", "adrenal cortical steroids", "oral corticosteroids"], "D000305"),
    (["aminoglycosides", "aminoglycoside antibiotics"], "D000617"),
    (["antihypertensive drugs", "antihypertensives", "Antihypertensive agents"], "D000959"),
    (["penicillins", "sulfonamides", "antibiotics"], None),
    (["sedatives"], "D006993"),
    (["short-acting benzodiazepines"], "D001569"),
])
def test_checked_class_ids_and_class_spellings(linker_nlp, mentions, mesh_id):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    expected = {"penicillins": "D010406", "sulfonamides": "D013449", "antibiotics": "D000900"}
    for mention in mentions:
        link = vocab.link(mention, "GROUP")
        assert vocab.class_of(link.drug, "GROUP")[0] == (mesh_id or expected[mention]), mention


def test_a_checked_class_id_belongs_to_its_class_only(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    curated = {r["mesh_id"]: r["class"] for r in vocabulary_module.read_mesh_classes()}
    for i, mesh_id in vocab.class_ids.items():
        assert curated.get(mesh_id, vocab.drugs[i].key) == vocab.drugs[i].key, (vocab.drugs[i].key, mesh_id)
    # the vocabulary gives D000900 (Anti-Bacterial Agents) to penicillins and cephalosporins too
    assert vocab.class_of(vocab.link("cephalosporins", "GROUP").drug, "GROUP") == ("D002511", "Cephalosporins")
    # drugs carrying a checked id are in that class
    assert ("D000900", "Anti-Bacterial Agents") in vocab.classes_of(vocab.link("amoxicillin", "DRUG").drug)


def test_disease_ids_given_to_classes_are_dropped(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    link = vocab.link("analgesics", "GROUP")  # the vocabulary gives D010146, the descriptor Pain
    assert vocab.class_of(link.drug, "GROUP") == ("D000700", "Analgesics")
    link = vocab.link("opioid analgesics", "GROUP")  # D009293 is Opioid-Related Disorders
    assert vocab.class_of(link.drug, "GROUP") == ("D000701", "Analgesics, Opioid")


def test_a_group_plural_never_links_to_one_drug_through_its_singular(vocab, linker_nlp):
    assert vocab.link("theophyllines", "GROUP").drug is None
    assert vocab.link("theophyllines", "DRUG").drug_id == "DB00277"
    real = linker_nlp.get_pipe("drug_linker").vocabulary
    assert real.link("phenothiazines", "GROUP").drug_id is None  # the class, not the compound DB11447
    assert real.link("tetracyclines", "GROUP").drug.name == "Tetracyclines"


@pytest.mark.parametrize("mention,label,not_name", [
    ("Aedes", "GROUP", "Anticonvulsants"),  # its singular "aed" would be the synonym AED
    ("arrestin", "DRUG_N", "Minocycline"),  # the brand Arestin with one r
    ("IGF-I", "DRUG_N", "Insulin-Like Growth Factor II"),
    ("Nitrogen", "DRUG", "Nitrogen trichloride"),  # a nonmetal's chloride is not its salt
])
def test_names_found_in_abstracts_that_are_not_these_drugs(linker_nlp, mention, label, not_name):
    link = linker_nlp.get_pipe("drug_linker").vocabulary.link(mention, label)
    assert link.drug_name != not_name


def test_nlm_ids_correct_the_vocabulary(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    link = vocab.link("connexins", "GROUP")
    assert vocab.class_of(link.drug, "GROUP") == ("D017630", "Connexins")  # the vocabulary gives D056266


def test_a_short_form_defined_in_the_text_links_through_its_long_form(linker_nlp):
    from spacy.tokens import Span

    doc = linker_nlp.make_doc("Bst2 synthesis was interferon (IFN) dependent; IFN was added.")
    doc.ents = [Span(doc, 3, 4, label="DRUG_N"), Span(doc, 5, 6, label="DRUG_N"), Span(doc, 9, 10, label="DRUG_N")]
    doc = linker_nlp.get_pipe("drug_linker")(doc)
    assert [e._.drug_name for e in doc.ents] == ["Interferons"] * 3  # not the vocabulary's reading of IFN
    assert doc.ents[2]._.long_form == "interferon"


def test_class_forms():
    forms = normalise.class_forms("short-acting benzodiazepines")
    assert "benzodiazepines" in forms and "short-acting benzodiazepine" in forms
    assert "antihypertensive" in normalise.class_forms("antihypertensive drugs")
    assert list(normalise.without_modifier("oral")) == []  # a modifier alone stays


def test_drug_classes_by_vocabulary_membership(linker_nlp):
    vocab = linker_nlp.get_pipe("drug_linker").vocabulary
    assert vocab.classes_of(vocab.link("omeprazole", "DRUG").drug) == [("D054328", "Proton Pump Inhibitors")]
    assert vocab.class_of(vocab.link("omeprazole", "DRUG").drug, "DRUG") is None


@pytest.mark.parametrize("text,members", [
    ("PPIs such as omeprazole and lansoprazole", ["omeprazole", "lansoprazole"]),
    ("PPIs (omeprazole, lansoprazole) and aspirin", ["omeprazole", "lansoprazole"]),
    ("PPIs, including omeprazole", ["omeprazole"]),
    ("omeprazole, pantoprazole and other PPIs", ["omeprazole", "pantoprazole"]),
    ("PPIs reduce aspirin", []),
    ("PPIs such as omeprazole reduce aspirin", ["omeprazole"]),
])
def test_document_members(text, members):
    from spacy_ddi.linking.linker_component import document_members

    nlp = spacy.blank("en")
    doc = nlp.make_doc(text)
    ents = []
    for word in ("PPIs", "omeprazole", "lansoprazole", "pantoprazole", "aspirin"):
        at = text.find(word)
        if at >= 0:
            ents.append(doc.char_span(at, at + len(word), "GROUP" if word == "PPIs" else "DRUG"))
    doc.ents = sorted(ents, key=lambda e: e.start)
    found = document_members(doc)
    assert [e.text for e, groups in zip(doc.ents, found) if groups] == members


@pytest.mark.slow
def test_the_installed_pipeline_saved_before_classes_loads_and_links(tmp_path):
    """en_ddi_mtmg was saved by a drug_linker without MeSH fields: it loads, links, gets the
    corrections and, with the vocabulary package installed, the classes."""
    pytest.importorskip("en_ddi_mtmg")
    nlp = spacy.load("en_ddi_mtmg", exclude=["transformer", "drug_ner", "dstc_relations"])
    doc = nlp.make_doc("Proton pump inhibitors (PPIs) and estradiol; PPIs such as omeprazole.")
    doc.ents = [doc.char_span(0, 22, "GROUP"), doc.char_span(24, 28, "GROUP"), doc.char_span(34, 43, "DRUG"),
                doc.char_span(45, 49, "GROUP"), doc.char_span(58, 68, "DRUG")]
    doc = nlp.get_pipe("drug_linker")(doc)
    assert [(e._.drug_id, e._.class_id) for e in doc.ents] == [
        (None, "D054328"), (None, "D054328"), ("DB00783", None), (None, "D054328"), ("DB00338", None),
    ]


def entity_rules_doc(nlp):
    text = "Biocytin (ii) and nucleolin i.c.v. raised 16 warfarin with xyzzyvir and Coumadin."
    doc = nlp.make_doc(text)
    labels = {"Biocytin": "DRUG", "(ii)": "DRUG_N", "nucleolin": "DRUG", "i.c.v.": "DRUG", "16": "DRUG_N",
              "warfarin": "DRUG", "xyzzyvir": "DRUG", "Coumadin": "BRAND"}
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label) for t, label in labels.items()]
    return doc


@pytest.mark.parametrize("drop,drug_n,expected", [
    (False, False, [("Biocytin", "DRUG"), ("(ii)", "DRUG_N"), ("nucleolin", "DRUG"), ("i.c.v.", "DRUG"), ("16", "DRUG_N"),
                    ("warfarin", "DRUG"), ("xyzzyvir", "DRUG"), ("Coumadin", "BRAND")]),
    # a route, an enumerator, a piece without letters and a protein (MeSH D12.776) are left out
    (True, False, [("Biocytin", "DRUG"), ("warfarin", "DRUG"), ("xyzzyvir", "DRUG"), ("Coumadin", "BRAND")]),
    # a DRUG the vocabulary knows nothing of reads as DRUG_N; linked ones and other labels stay
    (False, True, [("Biocytin", "DRUG_N"), ("(ii)", "DRUG_N"), ("nucleolin", "DRUG"), ("i.c.v.", "DRUG_N"), ("16", "DRUG_N"),
                   ("warfarin", "DRUG"), ("xyzzyvir", "DRUG_N"), ("Coumadin", "BRAND")]),
    (True, True, [("Biocytin", "DRUG_N"), ("warfarin", "DRUG"), ("xyzzyvir", "DRUG_N"), ("Coumadin", "BRAND")]),
])
def test_entity_rules_leave_out_non_drugs_and_read_unknown_drugs_as_drug_n(linker_nlp, drop, drug_n, expected):
    linker = linker_nlp.get_pipe("drug_linker")
    linker.cfg.update(drop_non_drugs=drop, unlinked_drug_n=drug_n)
    try:
        doc = linker(entity_rules_doc(linker_nlp))
    finally:
        linker.cfg.update(drop_non_drugs=False, unlinked_drug_n=False)
    assert [(e.text, e.label_) for e in doc.ents] == expected
    warfarin = next(e for e in doc.ents if e.text == "warfarin")
    assert warfarin._.drug_id == "DB00682"  # the extensions are written on the entities kept
    if drug_n:
        assert next(e for e in doc.ents if e.text == "xyzzyvir")._.drug_id is None


def test_entity_rules_are_load_time_settings(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("drug_linker", config={"drop_non_drugs": True, "unlinked_drug_n": True})
    nlp.initialize()
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert len(loaded(entity_rules_doc(loaded)).ents) == 4
    off = spacy.load(tmp_path / "nlp", config={"components": {"drug_linker": {"drop_non_drugs": False, "unlinked_drug_n": False}}})
    assert [e.label_ for e in off(entity_rules_doc(off)).ents][0] == "DRUG"
    assert len(off(entity_rules_doc(off)).ents) == 8


def test_entity_rules_judge_only_the_labels_the_linker_links():
    nlp = spacy.blank("en")
    nlp.add_pipe("drug_linker", config={"labels": ["GROUP"], "drop_non_drugs": True, "unlinked_drug_n": True})
    nlp.initialize()
    doc = nlp(entity_rules_doc(nlp))
    # no DRUG mention is linked, so none is read as unknown or left out
    assert [e.label_ for e in doc.ents] == ["DRUG", "DRUG_N", "DRUG", "DRUG", "DRUG_N", "DRUG", "DRUG", "BRAND"]


@pytest.mark.parametrize("text,matches", [
    ("i.c.v.", True), ("i.v.", True), ("S.C.", True), ("p.o", True), ("(ii)", True), ("(iv)", True),
    ("IV", False), ("PO", False), ("icv", False), ("vi", False), ("ivermectin", False),
])
def test_routes_and_enumerators(text, matches):
    from spacy_ddi.linking.linker_component import ROUTE_OR_ENUMERATOR

    assert bool(ROUTE_OR_ENUMERATOR.match(text)) == matches
