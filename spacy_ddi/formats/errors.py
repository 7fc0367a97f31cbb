"""The error every reader of an input format raises on a file it cannot read."""


class CorpusError(ValueError):
    """Malformed input (a corpus file, annotations, a document): the message names the file and
    the line, member or element, and what is wrong there."""
