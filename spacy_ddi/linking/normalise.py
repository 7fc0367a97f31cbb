"""The normalisation rules of ``drug_linker``: how a mention's text becomes lookup keys.

Each rule is a small function from a cleaned name (see :func:`clean`) to other spellings of it;
``drug_linker`` tries them in the order of :data:`RULES` (see ``vocabulary.DrugVocabulary.link``).
Every rule has a named test with a mention it links and the plain lower-case lookup does not.
"""
import re
import unicodedata
from typing import Iterator, List, Tuple

# Greek letters as drug names spell them out ("β-blockers", "interferon-α")
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "ω": "omega",
    "μ": "mu",
}
# marks that are never part of the name
MARKS = re.compile(r"[®™©\u2020\u2021*]")
DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212]")
QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}

# salts, esters, hydrates and counter-ions: "diltiazem hydrochloride", "warfarin sodium",
# "sodium valproate", "tamsulosin HCl" (and its common misreading "HCI")
SALT_WORDS = frozenset("""
hydrochloride dihydrochloride monohydrochloride hcl hci hydrobromide hbr sodium disodium
potassium dipotassium calcium magnesium lithium sulfate sulphate bisulfate hydrogensulfate
maleate dimaleate mesylate mesilate dimesylate besylate besilate citrate dicitrate tartrate
bitartrate acetate diacetate phosphate diphosphate succinate fumarate hemifumarate bromide
chloride iodide nitrate lactate gluconate hyclate tromethamine meglumine trometamol
monohydrate dihydrate trihydrate hemihydrate sesquihydrate hydrate anhydrous propionate
dipropionate valerate benzoate pamoate embonate napsylate tosylate stearate palmitate
decanoate enanthate cypionate oxalate carbonate malate edisylate xinafoate furoate
mononitrate dinitrate base cation ion
""".split())
# elements whose chlorides, oxides, ... are compounds of their own, not salts of the element:
# "nitrogen" is not "nitrogen chloride" (where "lithium" is "lithium carbonate"'s moiety)
NONMETALS = frozenset("""
hydrogen boron carbon nitrogen oxygen fluorine silicon phosphorus sulfur sulphur chlorine
selenium bromine iodine
""".split())
# esters: the mention "fludrocortisone acetate" is fludrocortisone, but the vocabulary's
# "norethindrone enanthate" is not what a mention of "norethindrone" names
ESTER_WORDS = frozenset("""
acetate diacetate propionate dipropionate valerate enanthate cypionate decanoate palmitate
stearate furoate benzoate undecanoate
""".split())
# moiety words: "lithium" is first "lithium cation", before any of its salts
MOIETY_WORDS = frozenset({"cation", "ion", "base", "anhydrous"})
# dosage forms, release modifiers and pack words, mostly after brand names
# ("Remeron SolTab", "Ditropan XL", "Versed syrup", "Maxair Autohaler")
FORM_WORDS = frozenset("""
tablet tablets tab tabs capsule capsules caps injection injectable infusion oral solution
suspension syrup elixir drops cream gel ointment lotion patch patches spray inhaler
autohaler diskus soltab odt xl xr er sr cr la cd dr ec xl la sa hfa pen kit vial vials
extended-release delayed-release sustained-release controlled-release modified-release
immediate-release chewable dispersible retard for mg mcg µg g ml iu units
""".split())
NUMBER = re.compile(r"^\d+(\.\d+)?(mg|mcg|g|ml|%)?$")


def clean(text: str) -> str:
    """Unicode-normalised, lower-case text with single spaces, Greek letters spelt out,
    trademark marks dropped and dashes made hyphens."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=[a-z])TM\b", "", text)  # "EquetroTM": a trademark written out
    for quote, plain in QUOTES.items():
        text = text.replace(quote, plain)
    for letter, name in GREEK.items():
        text = text.replace(letter, name)
    text = MARKS.sub("", DASHES.sub("-", text)).lower()
    text = re.sub(r"\s*-\s*", "-", text)  # "beta- blockers", "14- hydroxy"
    return " ".join(text.split())


def squash(text: str) -> str:
    """Spaces, hyphens and other punctuation removed: "beta-blocker", "beta blocker" and
    "betablocker" meet; "5-FU" and "5 FU" too."""
    return re.sub(r"[^0-9a-z]", "", text)


def spelling(text: str) -> str:
    """A loose key for British/INN against US/USAN spellings: :func:`squash`, then ph -> f,
    th -> t, ae/oe -> e and y -> i ("simeticone"/"simethicone", "sulphate"/"sulfate",
    "amoxycillin"/"amoxicillin", "oestradiol"/"estradiol"). Doubled letters stay: made single,
    they joined names that differ ("arrestin", a protein, and the minocycline brand Arestin;
    "IGF-I" and "IGF-II")."""
    key = squash(text)
    for old, new in (("ph", "f"), ("th", "t"), ("ae", "e"), ("oe", "e"), ("y", "i")):
        key = key.replace(old, new)
    return key


def without_brackets(text: str) -> Iterator[str]:
    """ "calcitonin (salmon)" -> "calcitonin salmon" and "calcitonin"."""
    if "(" in text or "[" in text:
        yield " ".join(re.sub(r"[()\[\]]", " ", text).split())
        yield " ".join(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text).split())


def singular(text: str) -> Iterator[str]:
    """The last word in the singular: "benzodiazepines" -> "benzodiazepine",
    "theophyllines" -> "theophylline", "therapies" -> "therapy"."""
    head, _, last = text.rpartition(" ")
    prefix = head + " " if head else ""
    if len(last) <= 4 or last.endswith(("ss", "us", "is")):
        return
    if last.endswith("ies"):
        yield prefix + last[:-3] + "y"
    if last.endswith("es"):
        yield prefix + last[:-2]
    if last.endswith("s"):
        yield prefix + last[:-1]


def plural(text: str) -> Iterator[str]:
    """The last word in the plural, for drug classes the vocabulary names in the plural:
    "anticoagulant" -> "anticoagulants"."""
    if text and not text.endswith("s"):
        yield text + "s"


# nouns that follow a class's name without changing it ("anticholinergic drugs",
# "antihypertensive medications", "antacid preparations")
GENERIC_WORDS = frozenset("""
drug drugs agent agents medication medications medicine medicines product products
preparation preparations compound compounds class therapy
""".split())


def without_generic_word(text: str) -> Iterator[str]:
    """A class name without its last generic noun, also in the plural and with "agents":
    "anticonvulsant drugs" -> "anticonvulsant", "anticonvulsants", "anticonvulsant agents"."""
    head, _, last = text.rpartition(" ")
    if head and last in GENERIC_WORDS:
        yield head
        yield head + "s"
        yield head + " agents"


# words before a class's name that narrow it without naming another class ("short-acting
# benzodiazepines", "oral corticosteroids", "other antihypertensives")
MODIFIER_WORDS = frozenset("""
short-acting long-acting intermediate-acting ultra-short-acting rapid-acting fast-acting oral
systemic inhaled topical parenteral intravenous other potent certain some all concomitant
""".split())


def without_modifier(text: str) -> Iterator[str]:
    """A class name without the modifier words it starts with: "short-acting benzodiazepines"
    -> "benzodiazepines", "other oral corticosteroids" -> "corticosteroids"."""
    words = text.split(" ")
    start = 0
    while start < len(words) - 1 and words[start] in MODIFIER_WORDS:
        start += 1
    if start:
        yield " ".join(words[start:])


# a spelling of a class name shorter than this is looked up only as written: "aedes" (the
# mosquito) in the singular would be "aed", an abbreviation of antiepileptic drug
MIN_CLASS_FORM = 6


def class_forms(text: str) -> List[str]:
    """The spellings of a class name looked up among the class synonyms: as written, in the
    plural and singular, without a last generic noun, without modifier words in front (each
    of at least MIN_CLASS_FORM characters)."""
    forms = [text]
    for rule in (plural, singular, without_generic_word, without_modifier):
        for form in list(forms):
            forms.extend(other for other in rule(form) if other not in forms and len(other) >= MIN_CLASS_FORM)
    return forms


def without_salt_or_form(text: str) -> Iterator[str]:
    """Salt, hydrate, form and strength words stripped at either end, while a word remains:
    "diltiazem hydrochloride" -> "diltiazem", "sodium colistimethate" -> "colistimethate",
    "remeron soltab" -> "remeron", "depo-subq provera 104" -> "depo-subq provera"."""
    words = text.split(" ")
    start, end = 0, len(words)
    while end - start > 1 and _strippable(words[end - 1]):
        end -= 1
    while end - start > 1 and _strippable(words[start]):
        start += 1
    if (start, end) != (0, len(words)):
        yield " ".join(words[start:end])


def salt_base(text: str) -> Tuple[str, int]:
    """A vocabulary name without its salt words, and how the stripped words rank (0: a
    moiety word such as "cation", 1: a salt): "lithium carbonate" -> ("lithium", 1). Esters
    are other drugs ("norethindrone enanthate" is not norethindrone) and stay whole."""
    words = text.split(" ")
    end = len(words)
    rank = 0
    while end > 1 and words[end - 1] in SALT_WORDS and words[end - 1] not in ESTER_WORDS:
        end -= 1
        rank = max(rank, 0 if words[end] in MOIETY_WORDS else 1)
    return " ".join(words[:end]), rank


def acid_forms(text: str) -> Iterator[str]:
    """An anion and its acid: "tiludronate" <-> "tiludronic acid", "valproate" <-> "valproic acid"."""
    if text.endswith("ate") and " " not in text and len(text) > 5:
        yield text[:-3] + "ic acid"
    if text.endswith("ic acid"):
        yield text[: -len("ic acid")] + "ate"


def _strippable(word: str) -> bool:
    return word in SALT_WORDS or word in FORM_WORDS or bool(NUMBER.match(word))


# (name, function): the text rules in the order drug_linker tries them after the exact name;
# each yields other spellings, looked up exactly and then by squash() and spelling()
RULES: List[Tuple[str, object]] = [
    ("brackets", without_brackets),
    ("singular", singular),
    ("salt_or_form", without_salt_or_form),
    ("acid", acid_forms),
]
