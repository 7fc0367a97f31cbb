"""The offline drug vocabulary of ``drug_linker`` and the lookup that links a mention to it.

The vocabulary comes from the MIT-licensed PyPI package ``drug-named-entity-recognition``
(2.0.x): its bundled ``drug_ner_dictionary.pkl.bz2`` maps about 107,000 name variants
(generic, brand, synonyms; from the DrugBank open vocabulary, MeSH and MedlinePlus) to about
20,000 drugs, most with a DrugBank id. It is read once, from the installed package's folder
without importing the package (whose import reads files in the home folder and whose helpers
call web services), and is then kept in the pipeline: ``to_bytes``/``to_disk`` write it, so a
saved pipeline links without the package.

How a mention is linked (:meth:`DrugVocabulary.link`):

1. Its text is cleaned (:func:`normalise.clean`: Unicode, case, spaces, Greek letters, marks)
   and spelt in more ways by the rules of :data:`normalise.RULES` (brackets, singular, salt or
   form words, anion/acid), each applied to every spelling so far. Each spelling is looked up
   exactly among the vocabulary's variants and canonical names, then with spaces and hyphens
   removed (:func:`normalise.squash`), then by a loose spelling key (:func:`normalise.spelling`,
   names of 6 letters or more); last, each spelling is looked up among the vocabulary's names
   without their salt words ("lithium" finds "lithium cation" and "lithium carbonate").
2. The first lookup that finds a drug with a DrugBank id decides; when none does, the first
   lookup that finds anything (a drug class such as MeSH "Anticoagulants", linked by name with
   no DrugBank id). A drug found without an id is looked up once more by its canonical name
   ("Skelid" -> "tiludronate" -> "tiludronic acid", DB01133).
   ``GROUP`` mentions are looked up first among the class names of ``data/class_synonyms.tsv``
   ("NSAIDs", "beta-blockers", "PPIs"), then take the first lookup that finds a class (else
   the first that finds anything; so "tetracyclines" stays the class, not the drug
   tetracycline), may also be looked up in the plural and without a last generic noun
   ("anticholinergic drugs") and without modifier words in front ("short-acting
   benzodiazepines"), skip the anion/acid rule ("salicylate" the class is not salicylic acid),
   and never take a drug with a DrugBank id found through the singular ("phenothiazines", the
   class, is not the compound phenothiazine; such a mention stays unlinked).
3. Among the drugs one lookup finds, the pick is: one with a DrugBank id; then (salt-stripped
   names) a moiety ("lithium cation") before a salt; then the drug whose canonical name is the
   spelling looked up; then the drug with the most name variants; then the name, alphabetically.
   The drugs found by the lookups up to the deciding one are kept as candidates (at most 10,
   the chosen drug always among them). (The package maps every variant to one canonical drug,
   checked for 2.0.9; were a variant to map to several, the first is kept.)

Classes (:meth:`DrugVocabulary.class_of`, :meth:`DrugVocabulary.classes_of`): the package's
MeSH fields mean two things. An entry with a MeSH tree number under D27 (pharmacological
action) and no DrugBank id is a class ("Proton Pump Inhibitors"); a drug's ``mesh_id`` is not
the drug's own descriptor but a class it belongs to (omeprazole and five other PPIs carry
D054328). The package's MeSH ids of classes are often not the class's own (of the 151 entries
without DrugBank id whose name NLM's 2016 MEDLINE file medline16n0902 also names, 45 carry
another id than NLM gives that name; D014665, Vasodilator Agents, is given to calcium channel
blockers and three other classes), so a class's id is checked against MeSH itself:
``data/mesh_descriptors.tsv.gz`` holds NLM's MeSH descriptors of chemicals and drugs (tree D;
``scripts/build_mesh_table.py``), the drug classes among them (pharmacological actions and
chemical groups with descriptors below them) with their entry terms. An entry without DrugBank
id takes, in this order, the id ``data/mesh_classes.tsv`` gives it (checked by hand against a
public source; no other entry keeps that id), the id of the MeSH descriptor its name is the
name of (or an entry term of that descriptor alone), or the id ``data/overrides.tsv`` set
(checked against NLM's MEDLINE records); else it has a name and no id. The MeSH classes no
entry names are added as class entries that only ``GROUP`` mentions find: a ``GROUP`` mention
is looked up among the class synonyms of ``data/class_synonyms.tsv`` (a vocabulary key or a
MeSH id each), then among MeSH's names and entry terms ("phenothiazines", "neuroleptics" ->
Antipsychotic Agents), in the forms of :func:`normalise.class_forms`, a form that is the name
of a drug with a DrugBank id left to the lookups above ("theophylline" has descriptors below it
in MeSH, and is a drug). A drug is a member of the class its ``mesh_id`` names where MeSH
files that id under D27 (or ``data/mesh_classes.tsv`` checked it).

``data/overrides.tsv`` corrects ids the package gets wrong (a parent name under the id of its
ester or salt: estradiol under DB13956, estradiol valerate); it is applied whenever a
vocabulary is built or loaded, so pipelines saved before a correction get it too.
"""
import bz2
import csv
import dataclasses
import functools
import gzip
import importlib.util
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple

import srsly

from . import normalise

PACKAGE = "drug-named-entity-recognition"
MODULE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
MAX_CANDIDATES = 10
MIN_SPELLING_LENGTH = 6
GROUP = "GROUP"
PHARMACOLOGICAL_ACTION = "D27"  # the MeSH tree of pharmacological actions (drug classes)
DATA = Path(__file__).parent / "data"
OVERRIDES_FILE = DATA / "overrides.tsv"
CLASS_SYNONYMS_FILE = DATA / "class_synonyms.tsv"
MESH_CLASSES_FILE = DATA / "mesh_classes.tsv"
MESH_TABLE_FILE = DATA / "mesh_descriptors.tsv.gz"
MESH_KEY = "mesh:"  # the key prefix of a class entry added from the MeSH table
MESH_ID = re.compile(r"^D\d{6}(\d{3})?$")
MALFORMED = re.compile(r"^[\s,;:]|[\s,;:]$")


class VocabularyError(RuntimeError):
    pass


@dataclass(frozen=True)
class Drug:
    key: str  # the vocabulary's canonical key (lower case)
    name: str  # its canonical name, as the vocabulary writes it
    drugbank_id: Optional[str]
    # the vocabulary's MeSH id: a class entry's own, a drug's class (see the module docstring)
    mesh_id: Optional[str] = None
    is_class: bool = False  # a MeSH pharmacological action (tree D27)


@dataclass
class Link:
    """The result of linking one mention."""

    drug: Optional[Drug]
    is_brand: Optional[bool]  # None: the vocabulary does not say
    candidates: List[Drug] = field(default_factory=list)
    rule: Optional[str] = None  # which lookup decided: "exact", "squash", "singular+exact", ...

    @property
    def drug_id(self) -> Optional[str]:
        return self.drug.drugbank_id if self.drug else None

    @property
    def drug_name(self) -> Optional[str]:
        return self.drug.name if self.drug else None


def dictionary_path() -> Path:
    """The dictionary file inside the installed ``drug-named-entity-recognition`` package."""
    spec = importlib.util.find_spec(MODULE)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise VocabularyError(
            f"drug_linker needs the drug vocabulary of the PyPI package {PACKAGE} (2.0.x) to "
            f"build its table: pip install '{PACKAGE}>=2.0,<2.1' (a pipeline saved with a "
            "drug_linker carries its table and loads without it)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / DICTIONARY_FILE
    if not path.exists():
        raise VocabularyError(f"{path} is missing: reinstall {PACKAGE} 2.0.x")
    return path


def read_package_dictionary() -> Tuple[Dict, Dict, Dict]:
    """The package's three tables as it ships them: variant -> [canonical keys], canonical key
    -> data (name, drugbank_id, ...), variant -> data (is_brand)."""
    path = dictionary_path()
    try:
        with bz2.open(path, "rb") as handle:
            data = pickle.load(handle)  # the package's own bundled file
        return (
            data["drug_variant_to_canonical"], data["drug_canonical_to_data"],
            data["drug_variant_to_variant_data"],
        )
    except Exception as err:  # a damaged or changed file: say which
        raise VocabularyError(f"cannot read the drug vocabulary {path}: {err!r}") from err


@dataclass(frozen=True)
class MeshDescriptor:
    """A MeSH descriptor of ``data/mesh_descriptors.tsv.gz``."""

    mesh_id: str
    name: str
    is_group: bool  # a drug class: a pharmacological action or a chemical group
    terms: Tuple[str, ...]  # its entry terms (synonyms; kept for groups only)
    trees: Tuple[str, ...]  # its tree numbers

    @property
    def is_action(self) -> bool:
        """A pharmacological action (tree D27), the kind of class a drug is a member of."""
        return any(tree.startswith(PHARMACOLOGICAL_ACTION) for tree in self.trees)


@functools.lru_cache(maxsize=4)
def read_mesh_table(path: Path = MESH_TABLE_FILE) -> Dict[str, MeshDescriptor]:
    """The MeSH descriptors of chemicals and drugs (``scripts/build_mesh_table.py``), by id."""
    table: Dict[str, MeshDescriptor] = {}
    for k, row in _tsv_rows(path):
        if not MESH_ID.match(row["mesh_id"]) or not row["name"]:
            raise VocabularyError(f"{path}, line {k}: expected a MeSH descriptor id and a name, got {row!r}")
        table[row["mesh_id"]] = MeshDescriptor(
            row["mesh_id"], row["name"], row["class"] == "1",
            tuple(t for t in row["entry_terms"].split("|") if t), tuple(t for t in row["trees"].split("|") if t),
        )
    return table


def _tsv_rows(path: Path) -> Iterator[Tuple[int, Dict[str, str]]]:
    """(line number, row) of a tab-separated file (gzip-compressed if its name ends in .gz)
    whose lines starting with # are comments."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf8") as handle:
        lines = [(k, line) for k, line in enumerate(handle, 1) if line.strip() and not line.startswith("#")]
    header = lines[0][1].rstrip("\n").split("\t")
    for k, line in lines[1:]:
        cells = line.rstrip("\n").split("\t")
        if len(cells) != len(header):
            raise VocabularyError(f"{path}, line {k}: {len(cells)} fields, expected {len(header)} ({', '.join(header)})")
        yield k, dict(zip(header, cells))


def read_overrides(path: Path = OVERRIDES_FILE) -> List[Dict[str, str]]:
    """The corrections of ``data/overrides.tsv``: name, field, wrong, right, reason."""
    rows = []
    for k, row in _tsv_rows(path):
        if row["field"] not in ("drugbank_id", "mesh_id"):
            raise VocabularyError(f"{path}, line {k}: field is drugbank_id or mesh_id, not {row['field']!r}")
        rows.append({**row, "line": str(k)})
    return rows


def read_class_synonyms(path: Path = CLASS_SYNONYMS_FILE) -> List[Tuple[int, str, str]]:
    """(line, synonym, class entry key) of ``data/class_synonyms.tsv``."""
    return [(k, row["synonym"], row["class"]) for k, row in _tsv_rows(path)]


def read_mesh_classes(path: Path = MESH_CLASSES_FILE) -> List[Dict[str, str]]:
    """The checked MeSH ids of ``data/mesh_classes.tsv``: class, mesh_id, mesh_name, source,
    evidence; one id per class and one class per id."""
    rows: List[Dict[str, str]] = []
    line_of_id: Dict[str, int] = {}
    line_of_class: Dict[str, int] = {}
    for k, row in _tsv_rows(path):
        where = f"{path}, line {k}"
        if not MESH_ID.match(row["mesh_id"]):
            raise VocabularyError(f"{where}: {row['mesh_id']!r} is not a MeSH descriptor id (D and 6 or 9 digits)")
        if row["source"] != "curated" or not row["mesh_name"] or not row["evidence"]:
            raise VocabularyError(f"{where}: every row needs mesh_name, source 'curated' and evidence")
        if row["class"] != row["class"].lower():
            raise VocabularyError(f"{where}: class is the vocabulary's key, in lower case ({row['class']!r})")
        for seen, key in ((line_of_class, row["class"]), (line_of_id, row["mesh_id"])):
            if key in seen:
                raise VocabularyError(f"{where}: {key} is already on line {seen[key]} (one id per class, one class per id)")
            seen[key] = k
        rows.append({**row, "line": str(k)})
    return rows


def apply_mesh_classes(
    drugs: List[Drug], variants: Dict[str, int], rows: List[Dict[str, str]],
) -> Tuple[List[Drug], Dict[str, int], FrozenSet[str]]:
    """``drugs`` with the checked class ids of ``data/mesh_classes.tsv`` set (a class the
    vocabulary lacks is added, with its key and its MeSH name as names), and those keys."""
    position = {d.key: i for i, d in enumerate(drugs)}
    drugs, variants = list(drugs), dict(variants)
    for row in rows:
        key = row["class"]
        i = position.get(key)
        if i is None:
            position[key] = i = len(drugs)
            drugs.append(Drug(key, row["mesh_name"], None, mesh_id=row["mesh_id"], is_class=True))
            for name in (key, row["mesh_name"]):
                variants.setdefault(normalise.clean(name), i)
        elif drugs[i].drugbank_id is None:
            drugs[i] = dataclasses.replace(drugs[i], mesh_id=row["mesh_id"], is_class=True)
    return drugs, variants, frozenset(r["class"] for r in rows if drugs[position[r["class"]]].drugbank_id is None)


def apply_overrides(drugs: List[Drug], overrides: List[Dict[str, str]]) -> Tuple[List[Drug], FrozenSet[str]]:
    """``drugs`` with the corrections applied where the vocabulary still has the wrong value,
    and the keys whose MeSH id a correction set."""
    position = {d.key: i for i, d in enumerate(drugs)}
    drugs = list(drugs)
    mesh_set = set()
    for row in overrides:
        i = position.get(row["name"])
        if i is None or getattr(drugs[i], row["field"]) != row["wrong"]:
            continue  # not in this vocabulary, or already right
        drugs[i] = dataclasses.replace(drugs[i], **{row["field"]: row["right"] or None})
        if row["field"] == "mesh_id" and row["right"]:
            mesh_set.add(row["name"])
    return drugs, frozenset(mesh_set)


def _is_class(data: Dict) -> bool:
    return not data.get("drugbank_id") and any(
        str(tree).startswith(PHARMACOLOGICAL_ACTION) for tree in data.get("mesh_tree") or []
    )


class DrugVocabulary:
    """Drugs (canonical key, name, DrugBank id) and name variants, with the lookup indexes."""

    def __init__(self, drugs: List[Drug], variants: Dict[str, int], brands: Dict[str, bool], source: str):
        drugs, overridden = apply_overrides(drugs, read_overrides())
        # exact variant (cleaned) -> index into drugs
        self.drugs, self.variants, self.mesh_curated = apply_mesh_classes(drugs, variants, read_mesh_classes())
        self.mesh_overridden = overridden | self.mesh_curated
        self.mesh = read_mesh_table()
        self.brands = brands  # variant -> the vocabulary's brand flag, where it gives one
        self.source = source
        self._build_indexes()
        self._build_class_indexes()
        self._cache: Dict[Tuple[str, bool], Link] = {}

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_package(cls) -> "DrugVocabulary":
        """Read the dictionary of the installed ``drug-named-entity-recognition``."""
        to_canonical, canonical_data, variant_data = read_package_dictionary()
        version = _installed_version()
        keys = sorted(canonical_data)
        drugs = [_drug(key, canonical_data[key]) for key in keys]
        position = {key: i for i, key in enumerate(keys)}
        variants: Dict[str, int] = {}
        for variant, canonicals in to_canonical.items():
            known = [c for c in canonicals if c in position]
            # a few variants are cut-off list items ("alcohol," for benzyl alcohol): left out
            if known and not MALFORMED.search(variant):
                variants.setdefault(normalise.clean(variant), position[known[0]])
        # canonical keys and names are names too (about 760 drugs with a DrugBank id, caffeine
        # and nicotine among them, are reachable by no variant)
        for key, i in position.items():
            variants.setdefault(normalise.clean(key), i)
            variants.setdefault(normalise.clean(drugs[i].name), i)
        brands = {
            normalise.clean(v): bool(d["is_brand"])
            for v, d in variant_data.items()
            if isinstance(d, dict) and d.get("is_brand") is not None
        }
        return cls(drugs, variants, brands, f"{PACKAGE} {version}")

    def _build_indexes(self) -> None:
        self.squashed: Dict[str, List[str]] = {}
        self.spelt: Dict[str, List[str]] = {}
        self.bases: Dict[str, List[Tuple[str, int]]] = {}
        self.n_variants = [0] * len(self.drugs)
        for variant, i in self.variants.items():
            self.n_variants[i] += 1
            squashed = normalise.squash(variant)
            if squashed:  # a name of no ASCII letter or digit has no squashed key
                self.squashed.setdefault(squashed, []).append(variant)
            key = normalise.spelling(variant)
            if len(key) >= MIN_SPELLING_LENGTH:
                self.spelt.setdefault(key, []).append(variant)
            base, rank = normalise.salt_base(variant)
            if base != variant and base not in normalise.NONMETALS:
                self.bases.setdefault(base, []).append((variant, rank))

    def _build_class_indexes(self) -> None:
        """The MeSH id of each class entry, class entries for the MeSH classes the vocabulary
        lacks, and the names a ``GROUP`` mention may call a class by (see the module docstring)."""
        mesh = self.mesh
        preferred: Dict[str, str] = {}  # a descriptor's name, cleaned -> its id
        terms: Dict[str, List[str]] = {}  # an entry term, cleaned -> the descriptors that have it
        for mesh_id in sorted(mesh):
            descriptor = mesh[mesh_id]
            preferred.setdefault(normalise.clean(descriptor.name), mesh_id)
            for term in descriptor.terms:
                holders = terms.setdefault(normalise.clean(term), [])
                if mesh_id not in holders:
                    holders.append(mesh_id)
        # a name finds a descriptor by its name, else by the entry term of one descriptor alone
        self.mesh_names: Dict[str, str] = {t: ids[0] for t, ids in terms.items() if len(ids) == 1}
        self.mesh_names.update(preferred)
        curated_ids = {self.drugs[i].mesh_id for i, d in enumerate(self.drugs) if d.key in self.mesh_curated}
        self.class_ids: Dict[int, str] = {}  # entry index -> the class's MeSH id
        for i, drug in enumerate(self.drugs):
            if drug.drugbank_id:
                continue
            if drug.key in self.mesh_curated:
                self.class_ids[i] = drug.mesh_id
                continue
            found = self._mesh_name(drug.name) or self._mesh_name(drug.key)
            if found is None and drug.key in self.mesh_overridden and drug.mesh_id:
                found = drug.mesh_id  # set by overrides.tsv, checked against NLM's records
            if found and found not in curated_ids:
                self.class_ids[i] = found
        # the MeSH classes no vocabulary entry names become class entries (kept out of the
        # variants, so only GROUP mentions find them, and out of the saved table)
        self.n_vocabulary = len(self.drugs)
        entry_of: Dict[str, int] = {}
        for i, mesh_id in sorted(self.class_ids.items()):
            # the entry whose name is the descriptor's own before one that names it otherwise
            own_name = mesh_id in mesh and normalise.clean(self.drugs[i].name) == normalise.clean(mesh[mesh_id].name)
            if mesh_id not in entry_of or own_name:
                entry_of[mesh_id] = i
        for mesh_id in sorted(mesh):
            if mesh_id not in entry_of:
                entry_of[mesh_id] = len(self.drugs)
                self.class_ids[len(self.drugs)] = mesh_id
                descriptor = mesh[mesh_id]
                self.drugs.append(Drug(MESH_KEY + mesh_id, descriptor.name, None, mesh_id=mesh_id, is_class=descriptor.is_group))
                self.n_variants.append(0)
        self.class_entry = entry_of  # MeSH id -> the entry a GROUP mention of that class links to
        position = {d.key: i for i, d in enumerate(self.drugs)}
        self.class_names: Dict[str, int] = {}
        for k, synonym, key in read_class_synonyms():
            # a MeSH descriptor id, or a vocabulary key (which a vocabulary read from another
            # package version may lack)
            found = self.class_entry.get(key) if MESH_ID.match(key) else position.get(key)
            if found is not None:
                self.class_names[normalise.clean(synonym)] = found
        self.class_squashed = {normalise.squash(n): i for n, i in self.class_names.items()}
        self.mesh_squashed: Dict[str, str] = {}
        for name, mesh_id in self.mesh_names.items():
            self.mesh_squashed.setdefault(normalise.squash(name), mesh_id)

    def _mesh_name(self, text: str) -> Optional[str]:
        """The MeSH descriptor a name (as written) is the name of, or an entry term of one
        class descriptor alone."""
        return self.mesh_names.get(normalise.clean(text))

    def mesh_descriptor(self, text: str) -> Optional[MeshDescriptor]:
        """The MeSH descriptor a mention's text names (as written, or without a plural "s")."""
        clean = normalise.clean(text)
        mesh_id = self.mesh_names.get(clean)
        if mesh_id is None and clean.endswith("s"):
            mesh_id = self.mesh_names.get(clean[:-1])
        return self.mesh.get(mesh_id) if mesh_id else None

    # -- classes ----------------------------------------------------------------------------
    def class_of(self, drug: Optional[Drug], label: Optional[str] = None) -> Optional[Tuple[Optional[str], str]]:
        """(MeSH id or None, name) of the class an entry names: a pharmacological action, or
        for a ``GROUP`` mention also a chemical group; else None. With a MeSH id, the name is
        the descriptor's."""
        if drug is None or drug.drugbank_id:
            return None
        mesh_id = self.class_ids.get(self.index_of(drug))
        descriptor = self.mesh.get(mesh_id) if mesh_id else None
        if drug.is_class or label == GROUP or (descriptor is not None and descriptor.is_action):
            if mesh_id:
                return mesh_id, descriptor.name if descriptor is not None else drug.name
            if drug.is_class:
                return None, drug.name
        return None

    def classes_of(self, drug: Optional[Drug]) -> List[Tuple[str, str]]:
        """[(MeSH id, name)] of the classes the vocabulary puts a drug in: its ``mesh_id``,
        where that is a pharmacological action of the MeSH table or a checked class id."""
        if drug is None or not drug.drugbank_id or not drug.mesh_id:
            return []
        descriptor = self.mesh.get(drug.mesh_id)
        if descriptor is not None and descriptor.is_action:
            return [(drug.mesh_id, descriptor.name)]
        if drug.mesh_id in self.class_entry and self.drugs[self.class_entry[drug.mesh_id]].key in self.mesh_curated:
            return [(drug.mesh_id, self.drugs[self.class_entry[drug.mesh_id]].name)]
        return []

    def index_of(self, drug: Drug) -> int:
        if not hasattr(self, "_positions"):
            self._positions = {d.key: i for i, d in enumerate(self.drugs)}
        return self._positions[drug.key]

    # -- serialisation ----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        data = {
            "source": self.source,
            "drugs": [[d.key, d.name, d.drugbank_id, d.mesh_id, d.is_class] for d in self.drugs[: self.n_vocabulary]],
            "variants": sorted(self.variants.items()),
            "brands": sorted(self.brands.items()),
        }
        return gzip.compress(srsly.msgpack_dumps(data), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> "DrugVocabulary":
        table = srsly.msgpack_loads(gzip.decompress(data))
        drugs = [Drug(*row[:3], mesh_id=row[3], is_class=bool(row[4])) if len(row) > 3 else Drug(*row) for row in table["drugs"]]
        if table["drugs"] and len(table["drugs"][0]) == 3:
            drugs = _with_package_classes(drugs)
        return cls(
            drugs,
            {v: int(i) for v, i in table["variants"]},
            {v: bool(b) for v, b in table["brands"]},
            table["source"],
        )

    def __len__(self) -> int:
        return len(self.variants)

    # -- lookup -----------------------------------------------------------------------------
    def link(self, text: str, label: Optional[str] = None) -> Link:
        """Link one mention (its text and entity label) to a drug; see the module docstring."""
        group = label == GROUP
        cache_key = (text, group)
        if cache_key not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[cache_key] = self._link(text, group)
        return self._cache[cache_key]

    def _link(self, text: str, group: bool, follow: bool = True) -> Link:
        hits = list(self._lookups(normalise.clean(text), group))
        if group:  # a plural names a class; its singular names one drug ("phenothiazines")
            hits = [(rule, found) for rule, found in hits if not _singular_drug(rule, found, self.drugs)]
        if not hits:
            return Link(None, None)
        deciding = 0
        if group:  # the first lookup that finds a class, else the first that finds anything
            classes = [k for k, (_, f) in enumerate(hits) if any(self.drugs[i].drugbank_id is None for i, _ in f)]
            deciding = classes[0] if classes else 0
        else:
            with_id = [k for k, (_, f) in enumerate(hits) if any(self.drugs[i].drugbank_id for i, _ in f)]
            deciding = with_id[0] if with_id else 0
        rule, found = hits[deciding]
        # the candidates: every drug the lookups found, up to the one that decided
        candidates: List[Drug] = []
        for _, earlier in hits[: deciding + 1]:
            for drug_index, _ in earlier:
                if self.drugs[drug_index] not in candidates:
                    candidates.append(self.drugs[drug_index])
        (drug_index, variant), = found[:1]
        drug = self.drugs[drug_index]
        link = Link(drug, self._brand(variant, drug), _capped(candidates, drug), rule)
        if follow and not group and drug.drugbank_id is None:
            again = self._link(drug.name, group, follow=False)
            if again.drug_id is not None:
                extra = [d for d in again.candidates if d not in candidates]
                return Link(again.drug, link.is_brand, _capped(candidates + extra, again.drug), f"{rule}>{again.rule}")
        return link

    def _lookups(self, text: str, group: bool):
        """(rule, [(drug index, variant)] ranked) for every lookup that finds something, in order."""
        spellings: List[Tuple[str, str]] = [("", text)]
        rules = list(normalise.RULES)
        if group:  # a class is named in the plural; its anion is not its acid ("salicylate")
            rules = [(n, r) for n, r in rules if n != "acid"] + [
                ("generic", normalise.without_generic_word), ("plural", normalise.plural),
                ("modifier", normalise.without_modifier),
            ]
            yield from self._class_synonym(text)
            yield from self._mesh_class(text)
        for name, rule in rules:
            for origin, spelt in list(spellings):
                for other in rule(spelt):
                    if other and other not in (s for _, s in spellings):
                        spellings.append((f"{origin}+{name}" if origin else name, other))
        for origin, spelt in spellings:
            prefix = origin + "+" if origin else ""
            if spelt in self.variants:
                yield prefix + "exact", self._rank([(spelt, 0)], spelt, group)
            squashed = normalise.squash(spelt)
            if squashed and squashed in self.squashed:
                yield prefix + "squash", self._rank([(v, 0) for v in self.squashed[squashed]], spelt, group)
            key = normalise.spelling(spelt)
            if len(key) >= MIN_SPELLING_LENGTH and key in self.spelt:
                yield prefix + "spelling", self._rank([(v, 0) for v in self.spelt[key]], spelt, group)
        for origin, spelt in spellings:
            if spelt in self.bases:
                prefix = origin + "+" if origin else ""
                yield prefix + "salt_base", self._rank(self.bases[spelt], spelt, group)
        if not group:
            yield from self._class_synonym(text)

    def _class_synonym(self, text: str):
        """The class a synonym names, for the text in one of its :func:`normalise.class_forms`."""
        for form in normalise.class_forms(text):
            if form in self.class_names:
                yield "class_synonym", [(self.class_names[form], form)]
                return
            squashed = normalise.squash(form)
            if squashed in self.class_squashed:
                yield "class_synonym", [(self.class_squashed[squashed], form)]
                return

    def _mesh_class(self, text: str):
        """The MeSH descriptor a ``GROUP`` mention names, by name or entry term, for the text
        in one of its :func:`normalise.class_forms`."""
        for form in normalise.class_forms(text):
            known = self.variants.get(form)
            if known is not None and self.drugs[known].drugbank_id:
                continue  # a drug's name ("theophylline", a MeSH descriptor with others below it)
            mesh_id = self.mesh_names.get(form) or self.mesh_squashed.get(normalise.squash(form))
            if mesh_id is not None:
                yield "mesh", [(self.class_entry[mesh_id], form)]
                return

    def _rank(self, variants: List[Tuple[str, int]], spelt: str, group: bool = False) -> List[Tuple[int, str]]:
        best: Dict[int, Tuple[tuple, str]] = {}
        for variant, rank in variants:
            i = self.variants[variant]
            drug = self.drugs[i]
            order = (
                (drug.drugbank_id is None) != group, rank, normalise.clean(drug.name) != spelt and drug.key != spelt,
                -self.n_variants[i], drug.name.lower(),
            )
            if i not in best or order < best[i][0]:
                best[i] = (order, variant)
        return [(i, variant) for i, (_, variant) in sorted(best.items(), key=lambda item: item[1][0])]

    def _brand(self, variant: str, drug: Drug) -> Optional[bool]:
        if variant in self.brands:
            return self.brands[variant]
        if variant in (drug.key, normalise.clean(drug.name)):
            return False
        return None


def _drug(key: str, data: Dict) -> Drug:
    """A vocabulary entry from the package's data for one canonical key."""
    return Drug(
        key, str(data.get("name") or key), data.get("drugbank_id") or None,
        mesh_id=data.get("mesh_id") or None, is_class=_is_class(data),
    )


def _with_package_classes(drugs: List[Drug]) -> List[Drug]:
    """A table saved before MeSH fields were kept: the fields from the installed package,
    where it is there (else the drugs as they are: they link, without classes)."""
    try:
        _, canonical_data, _ = read_package_dictionary()
    except VocabularyError:
        return drugs
    out = []
    for drug in drugs:
        data = canonical_data.get(drug.key)
        if data is None:
            out.append(drug)
        else:
            out.append(dataclasses.replace(drug, mesh_id=data.get("mesh_id") or None, is_class=_is_class(data)))
    return out


def _singular_drug(rule: str, found: List[Tuple[int, str]], drugs: List[Drug]) -> bool:
    """Whether a lookup reached a drug with a DrugBank id through the singular of the text."""
    return "singular" in rule.split("+") and drugs[found[0][0]].drugbank_id is not None


def _capped(candidates: List[Drug], chosen: Drug) -> List[Drug]:
    """At most MAX_CANDIDATES candidates, the chosen drug always among them."""
    if chosen in candidates[:MAX_CANDIDATES]:
        return candidates[:MAX_CANDIDATES]
    return [d for d in candidates if d != chosen][: MAX_CANDIDATES - 1] + [chosen]


def _installed_version() -> str:
    try:
        from importlib.metadata import version

        return version(PACKAGE)
    except Exception:
        return "unknown version"
