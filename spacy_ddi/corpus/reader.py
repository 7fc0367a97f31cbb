"""The registered corpus reader: converted DDI DocBin files as training Examples."""
import random
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from spacy.language import Language
from spacy.training import Corpus, Example
from spacy.util import registry

from ..extensions import install_extensions
from .convert import doc_source


@registry.readers("spacy-ddi.DDICorpus.v1")
def create_ddi_corpus_reader(
    path: Optional[Union[str, Path]], limit: int = 0, shuffle: bool = False, medline_repeat: int = 1
) -> Callable[[Language], Iterable[Example]]:
    """Read a ``.spacy`` file written by ``python -m spacy_ddi convert``.

    The gold interactions ride in each Doc's user data; this reader checks that they are
    there, so training on a DocBin without them fails loudly instead of learning nothing.

    ``medline_repeat``: each pass over the file yields every MedLine (abstract) sentence this
    many times and every DrugBank (label) sentence once, shuffled together when ``shuffle`` is
    on, so that the abstracts, 6% of Train's interactions, carry more of the training signal.
    """
    if path is None:
        raise ValueError("spacy-ddi.DDICorpus.v1 needs a path (set paths.train / paths.dev)")
    if medline_repeat < 1:
        raise ValueError(f"spacy-ddi.DDICorpus.v1: medline_repeat must be 1 or more, not {medline_repeat}")
    install_extensions()
    corpus = Corpus(path, limit=limit, shuffle=shuffle and medline_repeat == 1)

    def checked(nlp: Language) -> Iterable[Example]:
        seen = 0
        for eg in corpus(nlp):
            if eg.reference._.ddi_records is None:
                raise ValueError(
                    f"{path}: a Doc has no gold interactions (doc._.ddi_records); convert the "
                    "corpus with `python -m spacy_ddi convert`"
                )
            seen += 1
            yield eg
        if not seen:
            raise ValueError(f"{path}: no documents")

    if medline_repeat == 1:
        return checked

    def read(nlp: Language) -> Iterable[Example]:
        examples = []
        for eg in checked(nlp):
            examples.append(eg)
            if doc_source(eg.reference) == "MedLine":
                # copies: a training step writes to its examples' predicted docs
                examples.extend(eg.copy() for _ in range(medline_repeat - 1))
        if shuffle:
            # spaCy seeds ``random`` from [training] seed, as Corpus's own shuffle relies on
            random.shuffle(examples)
        yield from examples

    return read
