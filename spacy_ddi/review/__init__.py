"""``spacy-ddi review``: a local web app in which a curator accepts, rejects or relabels the
interactions the model found in ``spacy-ddi extract`` records, adds the ones it missed and
fixes mention spans and labels.

The input is indexed by byte offset at start-up and served one document per request; each
decision is appended to a JSONL log (flushed and fsynced) as it is made, and a restart replays
the log. ``export`` writes the reviewed documents as JSONL records or as a DocBin of training
sentences. The web app needs the ``review`` extra (Starlette, uvicorn); the rest does not.
"""
from .export import EXPORT_SUFFIXES, export, reviewed_record
from .log import DecisionLog, ReviewError, default_log_path
from .store import ACTIONS, ORDERS, STATUSES, DocState, InputIndex, ReviewStore

__all__ = [
    "ACTIONS", "EXPORT_SUFFIXES", "ORDERS", "STATUSES", "DecisionLog", "DocState", "InputIndex",
    "ReviewError", "ReviewStore", "default_log_path", "export", "reviewed_record",
]
