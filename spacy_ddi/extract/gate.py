"""The candidate-sentence gate of ``spacy-ddi extract --only-candidate-sentences``.

An interaction needs two drug mentions in one sentence. The gate is a fast pre-pass, with no
encoder, that finds the sentences where at least two *possible* mentions stand; only those are
given to the pipeline. A possible mention is:

- a name of the offline drug vocabulary (drugs, brands and classes, any of their variants) or of
  the bundled MeSH table of chemicals and drugs (names and entry terms), matched on up to
  ``MAX_WORDS`` tokens with spaces, hyphens and case set aside;
- a word of drug-like form: an INN stem (-azole, -mab, -pril, -olol, -statin, ...), a class noun
  (antagonist, inhibitor, blocker, ...), a research code or chemical notation (``SB-203580``,
  ``L-NAME``, ``(-)-NANM``, ``1,25(OH)2D3``), or a word in capitals that is not a common
  abbreviation of methods, statistics or anatomy (``SSRI``, ``PCP``, ``BREVIBLOC``);
- an abbreviation the document defines ("proton pump inhibitors (PPIs)") wherever it appears.

The rules were chosen on the Train and dev parts of DDI 2013 (``experiments/gate_design.py``).
Sentences come from the pipeline's own tokenizer and ``ddi_sentences`` splitter, so a gated run
and a full run cut a document the same way, and a sentence gets the same entities and
interactions alone or inside its document (tested). What a sentence encoded alone does not see
is the rest of its document: ``drug_linker`` resolves an abbreviation only where its definition
is in the same sentence, so in a gated run "PPIs" in a later sentence gets no ``long_form``
(and ``aggregate`` may key it by its text rather than the class).
"""
import re
from typing import Iterable, List, Optional, Set, Tuple

from spacy.tokens import Doc, Span

MAX_WORDS = 5
# INN stems and endings of drug names (WHO's stem book; the frequent ones)
STEMS = (
    "azole", "mab", "pril", "olol", "alol", "ilol", "sartan", "statin", "cillin", "mycin", "micin", "cycline",
    "floxacin", "oxacin", "vir", "tinib", "zepam", "azepam", "azolam", "triptan", "dipine", "parin",
    "prazole", "tidine", "afil", "lukast", "barbital", "caine", "profen", "oxetine", "platin", "rubicin",
    "dronate", "gliptin", "glitazone", "setron", "semide", "thiazide", "terol", "sone", "olone",
    "amide", "azine", "idine", "oxin", "orphine", "codone", "fentanil", "tadine", "triptyline",
    "pramine", "peridol", "perone", "pam", "lam", "fibrate", "gliflozin", "glinide",
    "kinra", "cept", "parinux", "xaban", "gatran", "grel", "trel", "coxib", "fenac", "olac",
    "buterol", "steride", "tretinoin", "arotene", "vastatin", "nidazole", "conazole", "fungin", "penem",
    "cef", "quine", "oquine", "thromycin", "mustine", "trexate", "uracil", "tabine", "stim",
)
# class nouns of GROUP mentions ("calcium channel blockers", "MAO inhibitors")
CLASS_NOUNS = (
    "antagonist", "agonist", "inhibitor", "blocker", "antibiotic", "diuretic", "steroid", "corticosteroid",
    "antidepressant", "anticoagulant", "analgesic", "anesthetic", "anaesthetic", "antihistamine",
    "antacid", "antiarrhythmic", "anticonvulsant", "antiepileptic", "antipsychotic", "neuroleptic",
    "sedative", "hypnotic", "barbiturate", "benzodiazepine", "opioid", "opiate", "nsaid", "salicylate",
    "contraceptive", "estrogen", "oestrogen", "androgen", "progestin", "glucocorticoid", "vaccine",
    "anticholinergic", "sympathomimetic", "vasodilator", "antihypertensive", "antidiabetic",
    "sulfonylurea", "thiazide", "nitrate", "digitalis", "glycoside", "macrolide", "quinolone",
    "fluoroquinolone", "aminoglycoside", "cephalosporin", "penicillin", "tetracycline", "antifungal",
    "antiviral", "antiretroviral", "immunosuppressant", "immunosuppressive", "chemotherapeutic",
    "antineoplastic", "cytotoxic", "depressant", "stimulant", "relaxant", "laxative", "antiemetic",
    "inducer", "substrate", "drug", "agent", "medication", "medicine", "compound", "supplement",
)
_STEM_RE = re.compile(r"[a-z][a-z\-]*(?:" + "|".join(sorted({s for s in STEMS if len(s) >= 3}, key=len, reverse=True)) + r")s?$")
_CLASS_RE = re.compile(r"(?:" + "|".join(CLASS_NOUNS) + r")s?$")
# research codes: letters then digits ("SB-203580", "GR113808", "U-46619"), L-NAME-like capitals
_CODE_RE = re.compile(r"^(?:[A-Z]{1,5}-?\d{2,7}[A-Za-z]?|[A-Z]-[A-Z]{3,6})$")
_KEY_RE = re.compile(r"[^0-9a-z]")
# a word in capitals: an abbreviation (SSRI, PCP, ZDV) or a brand in label text (BREVIBLOC)
_CAPS_RE = re.compile(r"^[A-Z][A-Z0-9\-]{1,}s?$")
# chemical notation: a stereo prefix, or capitals and digits together ((-)-NANM, 1,25(OH)2D3, 99mTc-MDP)
_CHEMICAL_RE = re.compile(r"^\([+\-±]\)|(?=.*\d)(?=.*[A-Z].*[A-Z])[A-Za-z0-9(),'\-+]{4,}$")
# capitals that are seldom a drug in abstracts and labels: section headings, methods, statistics,
# units, bodies, genes and routes
NOT_DRUGS = frozenset("""
BACKGROUND METHODS METHOD RESULTS RESULT CONCLUSION CONCLUSIONS OBJECTIVE OBJECTIVES PURPOSE AIM AIMS
DESIGN SETTING SETTINGS PATIENTS PARTICIPANTS INTERVENTION INTERVENTIONS MEASUREMENTS MAIN OUTCOME
OUTCOMES INTRODUCTION DISCUSSION FINDINGS CONTEXT SUMMARY ABSTRACT WARNING WARNINGS PRECAUTIONS
CONTRAINDICATIONS INDICATIONS USAGE DOSAGE ADMINISTRATION OVERDOSAGE CLINICAL PHARMACOLOGY
INFORMATION NOTE NOT AND OR THE WITH FOR IN OF TO ALL NO
AUC CI SD SE SEM ANOVA HPLC LC MS GC NMR PCR RT DNA RNA MRNA CDNA ELISA RIA IC EC ED LD OR RR HR NS ND
NA US UK USA EU FDA WHO EMA NIH IV IM SC PO IP ICV BP ECG EKG EEG MRI CT PET CNS ICU QT QTC HIV AIDS
COPD ADHD CHF MI CAD ALT AST GFR CYP UGT MDR ATP ADP AMP CAMP GTP NADPH NAD FAD LDL HDL VLDL TG BMI
IQ OK ID II III IV VI VII VIII IX XI XII PD PK ADR ADRS DDI DDIS TDM MIC MBC OTC RX SPC PI USP NF
""".split())


def _key(text: str) -> str:
    """Lower case, letters and digits only: "beta-blocker", "Beta blocker" and "betablocker" meet."""
    return _KEY_RE.sub("", text.lower())


# names the vocabulary files under another entry or not at all, frequent in interaction text
EXTRA_NAMES = ("alcohol", "ethanol", "alcoholic beverages", "grapefruit juice", "tobacco", "smoking", "cigarette")


class CandidateGate:
    """Counts the possible drug mentions of a sentence (see the module docstring)."""

    def __init__(self, names: Iterable[str], min_mentions: int = 2, stems: bool = True, codes: bool = True,
                 capitals: bool = True):
        self.keys: Set[str] = set()
        self.first_words: Set[str] = set()
        for name in names:
            key = _key(name)
            if len(key) >= 3 and not key.isdigit():
                self.keys.add(key)
                words = name.lower().split()
                if words:
                    self.first_words.add(_key(words[0]) or words[0])
        self.min_mentions = min_mentions
        self.stems = stems
        self.codes = codes
        self.capitals = capitals

    @classmethod
    def from_vocabulary(cls, vocabulary=None, **options) -> "CandidateGate":
        """The gate of the offline vocabulary (drugs, brands, classes and their variants) and the
        bundled MeSH table (names and entry terms)."""
        if vocabulary is None:
            from ..linking.vocabulary import DrugVocabulary

            vocabulary = DrugVocabulary.from_package()
        names = list(vocabulary.variants) + list(EXTRA_NAMES)
        for descriptor in vocabulary.mesh.values():
            names.append(descriptor.name)
            names.extend(descriptor.terms)
        return cls(names, **options)

    # -- one sentence

    def _word_form(self, token) -> bool:
        text = token.text
        lower = text.lower()
        if self.codes and (_CODE_RE.match(text) or _CHEMICAL_RE.search(text)):
            return True
        if self.capitals and _CAPS_RE.match(text) and text.rstrip("s") not in NOT_DRUGS and text not in NOT_DRUGS:
            return True
        if not self.stems or len(lower) < 5 or not lower[0].isalpha():
            return False
        return bool(_STEM_RE.match(lower) or _CLASS_RE.search(lower))

    def mentions(self, sent: Span, defined: Set[str] = frozenset()) -> List[Tuple[int, int]]:
        """The possible mentions of ``sent`` as (start, end) token offsets in its doc, longest
        first at each position, not overlapping."""
        found = []
        i, end = sent.start, sent.end
        doc = sent.doc
        while i < end:
            token = doc[i]
            text = token.text
            if not any(c.isalpha() for c in text):  # punctuation, space, a number
                i += 1
                continue
            hit = 0
            if text in defined:
                hit = 1
            else:
                first = _key(text)
                if first in self.keys or first in self.first_words:
                    # the longest name starting here
                    for n in range(min(MAX_WORDS, end - i), 0, -1):
                        if _key(doc[i:i + n].text) in self.keys:
                            hit = n
                            break
                if not hit and self._word_form(token):
                    hit = 1
            if hit:
                found.append((i, i + hit))
                i += hit
            else:
                i += 1
        return found

    def passes(self, sent: Span, defined: Set[str] = frozenset()) -> bool:
        """Whether ``sent`` may hold an interaction: at least ``min_mentions`` possible mentions."""
        return len(self.mentions(sent, defined)) >= self.min_mentions

    # -- a document

    def defined_abbreviations(self, doc: Doc) -> Set[str]:
        """The short forms the document defines ("(PPIs)"), with their singular or plural."""
        from ..linking.abbreviations import definitions

        forms: Set[str] = set()
        for short, _long in definitions(doc):
            text = short.text
            forms.add(text)
            forms.add(text[:-1] if text.endswith("s") else text + "s")
        return forms

    def sentences(self, doc: Doc) -> List[Tuple[Span, bool]]:
        """Each sentence of ``doc`` (sentence starts set) with whether it passes the gate."""
        defined = self.defined_abbreviations(doc)
        return [(sent, self.passes(sent, defined)) for sent in doc.sents]


def gate_for(nlp, vocabulary: Optional[object] = None) -> CandidateGate:
    """The gate for a pipeline: its own drug_linker's vocabulary where it has one. The pipeline
    must cut sentences with ``ddi_sentences`` (the gate splits documents before the encoder;
    a pipeline whose sentences come from a parser or a trained senter has none to split by)."""
    if "ddi_sentences" not in nlp.pipe_names:
        raise ValueError(
            f"--only-candidate-sentences needs a pipeline that splits sentences with ddi_sentences; "
            f"this one has {', '.join(nlp.pipe_names)}"
        )
    if vocabulary is None and "drug_linker" in nlp.pipe_names:
        vocabulary = getattr(nlp.get_pipe("drug_linker"), "vocabulary", None)
    return CandidateGate.from_vocabulary(vocabulary)
