"""Read the DDI Extraction 2013 corpus XML (from the zip or an unpacked folder)."""
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Tuple, Union
from xml.etree import ElementTree

from .errors import CorpusError

ENTITY_TYPES = {"drug": "DRUG", "brand": "BRAND", "group": "GROUP", "drug_n": "DRUG_N"}
DDI_TYPES = {"mechanism": "MECHANISM", "effect": "EFFECT", "advise": "ADVISE", "int": "INT"}

SPLIT_FOLDERS = {
    "train": "Train/",
    "test": "Test/Test for DDI Extraction task/",
    "test_ner": "Test/Test for DrugNER task/",
}




@dataclass
class XmlEntity:
    id: str
    label: str
    fragments: List[Tuple[int, int]]  # (start, end) end-exclusive, sentence-relative
    text: str


@dataclass
class XmlPair:
    e1: str
    e2: str
    label: str  # FALSE or one of DDI_TYPES values
    untyped: bool = False  # ddi="true" without a type, read as INT


@dataclass
class XmlSentence:
    id: str
    text: str
    entities: List[XmlEntity] = field(default_factory=list)
    pairs: List[XmlPair] = field(default_factory=list)


@dataclass
class XmlDocument:
    id: str
    source: str  # "DrugBank" or "MedLine"
    path: str
    sentences: List[XmlSentence]


def _parse_offsets(value: str, where: str, text: str) -> List[Tuple[int, int]]:
    fragments = []
    for part in value.split(";"):
        try:
            start_s, end_s = part.split("-")
            start, end = int(start_s), int(end_s) + 1
        except ValueError:
            raise CorpusError(f"{where}: bad charOffset {value!r}") from None
        if not (0 <= start < end <= len(text)):
            raise CorpusError(
                f"{where}: charOffset {value!r} lies outside the sentence "
                f"(length {len(text)})"
            )
        fragments.append((start, end))
    return fragments


def parse_document(data: bytes, path: str) -> XmlDocument:
    """Parse one corpus XML file; raise CorpusError naming ``path`` and the sentence id."""
    try:
        root = ElementTree.parse(io.BytesIO(data)).getroot()
    except ElementTree.ParseError as err:
        raise CorpusError(f"{path}: not well-formed XML ({err})") from None
    if root.tag != "document":
        raise CorpusError(f"{path}: root element is <{root.tag}>, expected <document>")
    doc_id = root.get("id") or Path(path).stem
    source = "MedLine" if "MedLine" in doc_id or "/MedLine/" in path else "DrugBank"
    sentences = []
    for sent_el in root.iter("sentence"):
        sent_id = sent_el.get("id")
        text = sent_el.get("text")
        if sent_id is None or text is None:
            raise CorpusError(f"{path}: a <sentence> lacks its id or text attribute")
        where = f"{path}, sentence {sent_id}"
        sentence = XmlSentence(sent_id, text)
        for ent_el in sent_el.iter("entity"):
            ent_id = ent_el.get("id")
            ent_type = ent_el.get("type")
            offsets = ent_el.get("charOffset")
            if ent_id is None or offsets is None:
                raise CorpusError(f"{where}: an <entity> lacks its id or charOffset")
            if ent_type not in ENTITY_TYPES:
                raise CorpusError(f"{where}: entity {ent_id} has unknown type {ent_type!r}")
            fragments = _parse_offsets(offsets, f"{where}, entity {ent_id}", text)
            ent_text = ent_el.get("text", "")
            first = text[fragments[0][0] : fragments[0][1]]
            if len(fragments) == 1 and ent_text and first != ent_text:
                raise CorpusError(
                    f"{where}, entity {ent_id}: charOffset {offsets} gives {first!r}, "
                    f"but the entity text is {ent_text!r}"
                )
            sentence.entities.append(
                XmlEntity(ent_id, ENTITY_TYPES[ent_type], fragments, ent_text)
            )
        known = {e.id for e in sentence.entities}
        for pair_el in sent_el.iter("pair"):
            e1, e2 = pair_el.get("e1"), pair_el.get("e2")
            for ref in (e1, e2):
                if ref not in known:
                    raise CorpusError(
                        f"{where}: pair {pair_el.get('id')} names entity {ref!r}, "
                        "which is not in the sentence"
                    )
            is_ddi = (pair_el.get("ddi") or "").lower()
            if is_ddi not in ("true", "false"):
                raise CorpusError(
                    f"{where}: pair {pair_el.get('id')} has ddi={pair_el.get('ddi')!r}"
                )
            untyped = False
            if is_ddi == "false":
                label = "FALSE"
            else:
                ddi_type = pair_el.get("type")
                if ddi_type is None:
                    # One training pair is ddi="true" with no type: an interaction with no
                    # further information is what the corpus calls "int".
                    untyped = True
                    label = "INT"
                elif ddi_type in DDI_TYPES:
                    label = DDI_TYPES[ddi_type]
                else:
                    raise CorpusError(
                        f"{where}: pair {pair_el.get('id')} has unknown type {ddi_type!r}"
                    )
            sentence.pairs.append(XmlPair(e1, e2, label, untyped))
        sentences.append(sentence)
    return XmlDocument(doc_id, source, path, sentences)


def iter_xml_files(source: Union[str, Path], split: str) -> Iterator[Tuple[str, bytes]]:
    """Yield (path, bytes) of the XML files of ``split`` from the zip or an unpacked folder."""
    if split not in SPLIT_FOLDERS:
        raise ValueError(f"Unknown split {split!r}; expected one of {sorted(SPLIT_FOLDERS)}")
    folder = SPLIT_FOLDERS[split]
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"DDI corpus not found at {source}")
    found = 0
    if source.is_file():
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile:
            raise CorpusError(f"{source} is not a zip file (expected DDICorpus-2013.zip)") from None
        with archive:
            names = sorted(
                n
                for n in archive.namelist()
                if n.endswith(".xml") and f"DDICorpus/{folder}" in n
            )
            for name in names:
                found += 1
                yield f"{source}:{name}", archive.read(name)
    else:
        base = source / "DDICorpus" if (source / "DDICorpus").is_dir() else source
        for path in sorted((base / folder).glob("*/*.xml")):
            found += 1
            yield str(path), path.read_bytes()
    if not found:
        raise CorpusError(f"{source}: no XML files for split {split!r} under {folder!r}")


def read_split(source: Union[str, Path], split: str) -> List[XmlDocument]:
    """Parse every document of ``split`` (``train``, ``test`` or ``test_ner``)."""
    return [parse_document(data, path) for path, data in iter_xml_files(source, split)]
