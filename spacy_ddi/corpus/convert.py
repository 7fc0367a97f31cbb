"""Convert the DDI 2013 corpus XML to spaCy DocBin files with entities, interactions and flags."""
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from ..counts import Counts
from ..extensions import InteractionRecord, install_extensions
from ..formats.ddi_xml import XmlDocument, XmlSentence, read_split
from ..formats.errors import CorpusError

GOLD_OFFSETS_KEY = "spacy_ddi.gold_char_offsets"
# the corpus ids of a converted sentence and of its document (document-mode evaluation
# joins the sentences of a document back into one text)
SENTENCE_ID_KEY = "spacy_ddi.sentence_id"
DOCUMENT_ID_KEY = "spacy_ddi.document_id"
# the corpus part a converted sentence comes from: "DrugBank" (drug-label text) or "MedLine"
# (abstracts); scores are reported by source and training can weight the sources
SOURCE_KEY = "spacy_ddi.source"
SOURCES = ("DrugBank", "MedLine")


def doc_source(doc: Doc) -> Optional[str]:
    """``"MedLine"`` or ``"DrugBank"``: the corpus part of a converted sentence; ``None`` for a
    doc that does not come from the DDI corpus.

    Read from the DocBin's user data; DocBins converted before the source was stored fall
    back to the document id, which names the part (``DDI-MedLine.d1``, ``DDI-DrugBank.d1``).
    """
    source = doc.user_data.get(SOURCE_KEY)
    if source:
        return source
    doc_id = doc.user_data.get(DOCUMENT_ID_KEY)
    if not doc_id:
        return None
    return "MedLine" if "MedLine" in doc_id else "DrugBank"


@dataclass
class SplitReport(Counts):
    """What the conversion of one split kept, changed and lost, with the cases."""

    name: str
    documents: int = 0
    sentences: int = 0
    entities: int = 0
    pairs: int = 0
    positive_pairs: int = 0
    discontinuous: int = 0
    untyped_true_pairs: int = 0
    misaligned: List[Tuple[str, str, str, str]] = field(default_factory=list)
    overlapping_dropped: List[Tuple[str, str]] = field(default_factory=list)
    pairs_dropped: int = 0

    @property
    def misaligned_rate(self) -> float:
        return len(self.misaligned) / self.entities if self.entities else 0.0

    def summary(self) -> str:
        return (
            f"{self.name}: {self.documents} documents, {self.sentences} sentences, "
            f"{self.entities} entities, {self.pairs} pairs ({self.positive_pairs} positive); "
            f"{len(self.misaligned)} entities not on token boundaries "
            f"({100 * self.misaligned_rate:.2f}%, kept as the smallest covering span); "
            f"{self.discontinuous} discontinuous entities (first fragment kept); "
            f"{len(self.overlapping_dropped)} overlapping entities dropped, "
            f"{self.pairs_dropped} pairs dropped with them; "
            f"{self.untyped_true_pairs} untyped true pairs read as INT"
        )


def sentence_to_doc(
    nlp: Language, sentence: XmlSentence, report: SplitReport, where: str
) -> Doc:
    """Tokenise one corpus sentence and put its gold annotation on the Doc."""
    install_extensions()
    doc = nlp.make_doc(sentence.text)
    spans: Dict[str, Span] = {}
    gold_offsets = []
    for ent in sentence.entities:
        report.entities += 1
        if len(ent.fragments) > 1:
            report.discontinuous += 1
        start, end = ent.fragments[0]
        span = doc.char_span(start, end, label=ent.label, alignment_mode="strict")
        if span is None:
            span = doc.char_span(start, end, label=ent.label, alignment_mode="expand")
            if span is None:
                raise CorpusError(f"{where}, entity {ent.id}: no token covers {start}-{end}")
            report.misaligned.append((where, ent.id, sentence.text[start:end], span.text))
            gold_offsets.append([span.start, span.end, start, end])
        spans[ent.id] = span
    kept: List[Span] = []
    taken = set()
    for ent_id, span in sorted(spans.items(), key=lambda kv: (kv[1].start, -len(kv[1]))):
        tokens = set(range(span.start, span.end))
        if tokens & taken:
            report.overlapping_dropped.append((where, ent_id))
            continue
        taken |= tokens
        kept.append(span)
    kept_ids = {ent_id for ent_id, span in spans.items() if any(span is k for k in kept)}
    doc.ents = kept
    records = []
    for pair in sentence.pairs:
        report.pairs += 1
        if pair.label != "FALSE":
            report.positive_pairs += 1
        report.untyped_true_pairs += pair.untyped
        if pair.e1 not in kept_ids or pair.e2 not in kept_ids:
            report.pairs_dropped += 1
            continue
        first, second = sorted((spans[pair.e1], spans[pair.e2]), key=lambda s: s.start)
        records.append(InteractionRecord(first.start, first.end, second.start, second.end, pair.label, 1.0))
    doc._.ddi_records = [record.stored() for record in records]
    if gold_offsets:
        doc.user_data[GOLD_OFFSETS_KEY] = gold_offsets
    sent = doc[:]
    sent._.enc_prob = 1.0 if len(doc.ents) > 2 else 0.0
    sent._.pdc_prob = 1.0 if any(record.is_positive for record in records) else 0.0
    return doc


def documents_to_docs(
    nlp: Language, documents: Sequence[XmlDocument], report: SplitReport
) -> List[Doc]:
    docs = []
    for document in documents:
        report.documents += 1
        for sentence in document.sentences:
            report.sentences += 1
            doc = sentence_to_doc(nlp, sentence, report, f"{document.path}, sentence {sentence.id}")
            doc.user_data[SENTENCE_ID_KEY] = sentence.id
            doc.user_data[DOCUMENT_ID_KEY] = document.id
            doc.user_data[SOURCE_KEY] = document.source
            docs.append(doc)
    return docs


def split_train_dev(
    documents: Sequence[XmlDocument],
    dev_fraction: float,
    seed: int,
    medline_dev_fraction: Optional[float] = None,
) -> Tuple[List[XmlDocument], List[XmlDocument]]:
    """Hold out ``dev_fraction`` of the DrugBank documents and ``medline_dev_fraction`` (default:
    ``dev_fraction``) of the MedLine documents as dev.

    The MedLine abstracts are a small part of Train (142 of 714 documents at 10%), so a dev split
    that is to tell what transfers to abstracts holds out a larger share of them. Each source is
    shuffled with the same seed, so a larger share holds out a superset of a smaller one.
    """
    for name, value in (("dev_fraction", dev_fraction), ("medline_dev_fraction", medline_dev_fraction)):
        if value is not None and not 0 <= value < 1:
            raise ValueError(f"{name} must be in [0, 1), not {value}")
    rng = random.Random(seed)
    train, dev = [], []
    for source in sorted({d.source for d in documents}):
        group = sorted((d for d in documents if d.source == source), key=lambda d: d.id)
        rng.shuffle(group)
        fraction = dev_fraction
        if source == "MedLine" and medline_dev_fraction is not None:
            fraction = medline_dev_fraction
        n_dev = max(1, round(fraction * len(group))) if fraction > 0 else 0
        dev.extend(group[:n_dev])
        train.extend(group[n_dev:])
    return train, dev


def convert_corpus(
    source: Union[str, Path],
    output_dir: Union[str, Path],
    nlp: Language,
    dev_fraction: float = 0.1,
    seed: int = 0,
    medline_dev_fraction: Optional[float] = None,
    log: Callable[[str], None] = print,
) -> Dict[str, SplitReport]:
    """Write train/dev/test/test_ner ``.spacy`` files to ``output_dir``; return the reports."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    reports: Dict[str, SplitReport] = {}
    splits: Dict[str, List[XmlDocument]] = {}
    for split in ("train", "test", "test_ner"):
        log(f"Reading {split} from {source}")
        splits[split] = read_split(source, split)
    train, dev = split_train_dev(splits["train"], dev_fraction, seed, medline_dev_fraction)
    plan = [("train", train), ("dev", dev), ("test", splits["test"]), ("test_ner", splits["test_ner"])]
    for name, documents in plan:
        report = SplitReport(name)
        docs = documents_to_docs(nlp, documents, report)
        DocBin(docs=docs, store_user_data=True).to_disk(output_dir / f"{name}.spacy")
        reports[name] = report
        log(report.summary())
    return reports
