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
   ``GROUP`` mentions take the first lookup that finds anything (so "tetracyclines" stays the
   class, not the drug tetracycline), may also be looked up in the plural and skip the
   anion/acid rule ("salicylate" the class is not salicylic acid).
3. Among the drugs one lookup finds, the pick is: one with a DrugBank id; then (salt-stripped
   names) a moiety ("lithium cation") before a salt; then the drug whose canonical name is the
   spelling looked up; then the drug with the most name variants; then the name, alphabetically.
   The drugs found by the lookups up to the deciding one are kept as candidates (at most 10,
   the chosen drug always among them). (The package maps every variant to one canonical drug,
   checked for 2.0.9; were a variant to map to several, the first is kept.)
"""
import bz2
import gzip
import importlib.util
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import srsly

from . import normalise

PACKAGE = "drug-named-entity-recognition"
MODULE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
MAX_CANDIDATES = 10
MIN_SPELLING_LENGTH = 6
GROUP = "GROUP"
MALFORMED = re.compile(r"^[\s,;:]|[\s,;:]$")


class VocabularyError(RuntimeError):
    pass


@dataclass(frozen=True)
class Drug:
    key: str  # the vocabulary's canonical key (lower case)
    name: str  # its canonical name, as the vocabulary writes it
    drugbank_id: Optional[str]


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


class DrugVocabulary:
    """Drugs (canonical key, name, DrugBank id) and name variants, with the lookup indexes."""

    def __init__(self, drugs: List[Drug], variants: Dict[str, int], brands: Dict[str, bool], source: str):
        self.drugs = drugs
        self.variants = variants  # exact variant (cleaned) -> index into drugs
        self.brands = brands  # variant -> the vocabulary's brand flag, where it gives one
        self.source = source
        self._build_indexes()
        self._cache: Dict[Tuple[str, bool], Link] = {}

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_package(cls) -> "DrugVocabulary":
        """Read the dictionary of the installed ``drug-named-entity-recognition``."""
        to_canonical, canonical_data, variant_data = read_package_dictionary()
        version = _installed_version()
        keys = sorted(canonical_data)
        drugs = [
            Drug(key, str(canonical_data[key].get("name") or key), canonical_data[key].get("drugbank_id") or None)
            for key in keys
        ]
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
            if base != variant:
                self.bases.setdefault(base, []).append((variant, rank))

    # -- serialisation ----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        data = {
            "source": self.source,
            "drugs": [[d.key, d.name, d.drugbank_id] for d in self.drugs],
            "variants": sorted(self.variants.items()),
            "brands": sorted(self.brands.items()),
        }
        return gzip.compress(srsly.msgpack_dumps(data), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> "DrugVocabulary":
        table = srsly.msgpack_loads(gzip.decompress(data))
        return cls(
            [Drug(k, n, i) for k, n, i in table["drugs"]],
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
        if not hits:
            return Link(None, None)
        deciding = 0
        if not group:
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
            rules = [(n, r) for n, r in rules if n != "acid"] + [("plural", normalise.plural)]
        for name, rule in rules:
            for origin, spelt in list(spellings):
                for other in rule(spelt):
                    if other and other not in (s for _, s in spellings):
                        spellings.append((f"{origin}+{name}" if origin else name, other))
        for origin, spelt in spellings:
            prefix = origin + "+" if origin else ""
            if spelt in self.variants:
                yield prefix + "exact", self._rank([(spelt, 0)], spelt)
            squashed = normalise.squash(spelt)
            if squashed and squashed in self.squashed:
                yield prefix + "squash", self._rank([(v, 0) for v in self.squashed[squashed]], spelt)
            key = normalise.spelling(spelt)
            if len(key) >= MIN_SPELLING_LENGTH and key in self.spelt:
                yield prefix + "spelling", self._rank([(v, 0) for v in self.spelt[key]], spelt)
        for origin, spelt in spellings:
            if spelt in self.bases:
                prefix = origin + "+" if origin else ""
                yield prefix + "salt_base", self._rank(self.bases[spelt], spelt)

    def _rank(self, variants: List[Tuple[str, int]], spelt: str) -> List[Tuple[int, str]]:
        best: Dict[int, Tuple[tuple, str]] = {}
        for variant, rank in variants:
            i = self.variants[variant]
            drug = self.drugs[i]
            order = (
                drug.drugbank_id is None, rank, normalise.clean(drug.name) != spelt and drug.key != spelt,
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
