"""A tokenizer for drug text that puts DDI-corpus entity boundaries on token boundaries.

spaCy's English tokenizer keeps ``;``-separated lists, ``drug*``, ``drug-induced`` or
``drug/drug`` together in one token, which hides drug mentions inside tokens. This tokenizer is
spaCy's English tokenizer with extra infixes that split on such punctuation. It is registered as
``spacy-ddi.DrugTokenizer.v1`` and serialised with the pipeline, so it ships inside it.
"""
import re
from typing import Callable

from spacy.lang.en import English
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

# Split on these wherever they occur inside a token.
EXTRA_INFIXES = [
    r"[;*/+=\[\]\(\)\{\}:,~\"'`<>]",
    r"(?<=[^\s])-(?=[^\s])",
    r"(?<=[A-Za-z])\.(?=[A-Za-z]{2,})",
    r"(?<=[a-z])\.(?=[0-9])",
    r"(?<=[a-z])(?=[A-Z][a-z])",
]
EXTRA_PREFIXES = [r"[-*+/;~]", r"[0-9]+(?=[A-Za-z]{3,})"]
EXTRA_SUFFIXES = [r"[-*+/;~]", r"(?<=[A-Za-z])[0-9]+$", r"(?<=\b[A-Z])\."]


def create_drug_tokenizer(nlp: Language) -> Tokenizer:
    """Build the drug tokenizer for ``nlp`` (used as ``[nlp.tokenizer]``)."""
    defaults = English.Defaults
    infixes = list(defaults.infixes) + EXTRA_INFIXES
    prefixes = list(defaults.prefixes) + EXTRA_PREFIXES
    suffixes = list(defaults.suffixes) + EXTRA_SUFFIXES
    # Keep spaCy's special cases except ones that glue punctuation to words we split.
    rules = {
        k: v
        for k, v in (nlp.Defaults.tokenizer_exceptions or {}).items()
        if not any(c in k for c in "-/;*") and not re.fullmatch(r"[A-Za-z]\.", k)
    }
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=None,
        url_match=None,
    )


@registry.tokenizers("spacy-ddi.DrugTokenizer.v1")
def make_drug_tokenizer() -> Callable[[Language], Tokenizer]:
    return create_drug_tokenizer
