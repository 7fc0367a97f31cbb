"""Choose the outside yardstick's abstracts from DrugProt and write them as BRAT text files.

    python scripts/yardstick_select.py DRUGPROT_DEV_BIOC DDI_ZIP OUT_DIR [--n 120] [--seed 13]

DRUGPROT_DEV_BIOC is the development set of the BioCreative VII DrugProt corpus (CC BY 4.0) as
BioC XML, one document per PubMed abstract whose first passage is "title<TAB>abstract". The
selection uses no model output, only these fixed rules:

1. An abstract qualifies when at least two distinct drugs of the offline DrugBank vocabulary
   (entries with a DrugBank id, classes left out) are named in it as whole words, not counting
   the common biochemicals in ``COMMON`` (DrugProt is about chemicals and proteins: "ATP",
   "glucose" or "calcium" are named in most of its abstracts but are seldom the drugs of a DDI).
2. Abstracts that share a sentence with the DDI 2013 corpus are left out.
3. Half of the abstracts are drawn from the qualifying ones that name an interaction cue
   (``CUES``: co-administration, combination, "in the presence of", ...), so that the yardstick
   holds interactions to find; the other half from the rest, so that it holds the abstracts
   where a miner should find none. Both draws are seeded.

Writes OUT_DIR/<PMID>.txt (title, a newline, the abstract; the file a BRAT .ann annotates) and
OUT_DIR/../selection.tsv (PMID, stratum, the vocabulary drugs found).
"""
import argparse
import random
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from spacy_ddi.linking import normalise
from spacy_ddi.linking.vocabulary import DrugVocabulary

COMMON = {
    "water", "oxygen", "glucose", "tyrosine", "calcium", "sodium", "potassium", "magnesium", "zinc",
    "iron", "copper", "cholesterol", "glutathione", "heme", "hydrogen peroxide", "nitric oxide",
    "serine", "threonine", "cysteine", "glutamate", "glutamic acid", "glycine", "alanine", "arginine",
    "lysine", "histidine", "leucine", "proline", "methionine", "tryptophan", "phenylalanine",
    "valine", "isoleucine", "asparagine", "aspartic acid", "glutamine", "adenosine", "carbon monoxide",
    "nitrogen", "chloride", "phosphate", "ethanol", "alcohol", "urea", "oleic acid", "carbon dioxide",
    "dopamine", "serotonin", "norepinephrine", "epinephrine", "acetylcholine", "insulin", "histamine",
    "estradiol", "testosterone", "progesterone", "cortisol", "melatonin", "retinoic acid", "vitamin d",
    "lipopolysaccharide", "sucrose", "fructose", "lactose", "citric acid", "succinic acid",
}
CUES = re.compile(
    r"co-?administ|concomitant|in combination|combined with|combination of|interact|"
    r"in the presence of|pretreat|potentiat|antagoni[sz]ed by|attenuated by|reversed by|"
    r"blocked by|plus\b",
    re.I,
)
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")


def drugs_named(text: str, vocabulary: DrugVocabulary) -> set:
    words = WORD.findall(text)
    found = set()
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            name = normalise.clean(" ".join(words[i:i + n]))
            index = vocabulary.variants.get(name)
            if index is None:
                continue
            drug = vocabulary.drugs[index]
            if drug.is_class or not drug.drugbank_id or drug.key in COMMON or name in COMMON:
                continue
            found.add(drug.name)
    return found


def ddi_sentences(zip_path: Path) -> set:
    sentences = set()
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                for sentence in ET.fromstring(archive.read(name)).iter("sentence"):
                    text = " ".join(sentence.get("text", "").split())
                    if len(text) > 40:
                        sentences.add(text)
    return sentences


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drugprot", type=Path)
    parser.add_argument("ddi_zip", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    vocabulary = DrugVocabulary.from_package()
    in_ddi = ddi_sentences(args.ddi_zip)
    cued, other = [], []
    for document in ET.parse(args.drugprot).getroot().iter("document"):
        pmid = document.findtext("id")
        passage = document.find("passage").findtext("text")
        title, _, abstract = passage.partition("\t")
        text = f"{title}\n{abstract}"
        if any(s in " ".join(text.split()) for s in in_ddi if s[:20] in text):
            continue
        drugs = drugs_named(text, vocabulary)
        if len(drugs) < 2:
            continue
        (cued if CUES.search(abstract) else other).append((pmid, text, sorted(drugs)))
    rng = random.Random(args.seed)
    half = args.n // 2
    chosen = [("cue", *row) for row in rng.sample(sorted(cued), min(half, len(cued)))]
    chosen += [("other", *row) for row in rng.sample(sorted(other), args.n - len(chosen))]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = ["pmid\tstratum\tdrugs"]
    for stratum, pmid, text, drugs in sorted(chosen, key=lambda row: row[1]):
        (args.out / f"{pmid}.txt").write_text(text, encoding="utf8")
        rows.append(f"{pmid}\t{stratum}\t{'; '.join(drugs)}")
    (args.out.parent / "selection.tsv").write_text("\n".join(rows) + "\n", encoding="utf8")
    print(f"{len(cued)} qualifying abstracts with a cue, {len(other)} without; wrote {len(chosen)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
