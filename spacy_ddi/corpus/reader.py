"""The registered corpus reader: converted DDI DocBin files as training Examples."""
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from spacy.language import Language
from spacy.training import Corpus, Example
from spacy.util import registry

from ..extensions import install_extensions


@registry.readers("spacy-ddi.DDICorpus.v1")
def create_ddi_corpus_reader(
    path: Optional[Union[str, Path]], limit: int = 0, shuffle: bool = False
) -> Callable[[Language], Iterable[Example]]:
    """Read a ``.spacy`` file written by ``python -m spacy_ddi convert``.

    The gold interactions ride in each Doc's user data; this reader checks that they are
    there, so training on a DocBin without them fails loudly instead of learning nothing.
    """
    if path is None:
        raise ValueError("spacy-ddi.DDICorpus.v1 needs a path (set paths.train / paths.dev)")
    install_extensions()
    corpus = Corpus(path, limit=limit, shuffle=shuffle)

    def read(nlp: Language) -> Iterable[Example]:
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

    return read
