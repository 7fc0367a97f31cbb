"""The data of a review: the input indexed by byte offset, and each document as the curator's
decisions leave it.

The input (``spacy-ddi extract`` records, JSONL) is read once at start-up to note where each
document's line starts, its id and its interactions' scores (the queue); afterwards a document
is read from disk, by its offset, when it is asked for. Decisions name the interaction (subject
and object offsets) or the entity (offsets) they apply to as it stood at the time; replaying
the log in order gives each document's current state.
"""
import copy
import json
import math
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from ..extensions import ENTITY_LABELS, FALSE_LABEL, POSITIVE_LABELS
from ..records import RecordError, parse_record
from .log import DecisionLog, ReviewError, default_log_path

ORDERS = ("uncertainty", "pair")
INTERACTION_ACTIONS = ("accept", "reject", "relabel", "add", "reset")
ENTITY_ACTIONS = ("fix_entity", "add_entity", "remove_entity")
ACTIONS = INTERACTION_ACTIONS + ENTITY_ACTIONS
# review status of an interaction the model found; "added" for one the curator added
STATUSES = ("pending", "accepted", "relabelled", "rejected", "removed", "added")

Span = Tuple[int, int]


def _where(path: Path, line: int) -> str:
    return f"{path} line {line}"


def _offsets(value, what: str) -> Span:
    if (
        not isinstance(value, (list, tuple)) or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ReviewError(f"{what} is [start, end] (two integers), not {value!r}")
    return int(value[0]), int(value[1])


def _pair_name(mention: Dict) -> str:
    name = mention.get("drug_name") or mention.get("text") or ""
    return " ".join(str(name).lower().split())


class InputIndex:
    """Where each document of a JSONL file of extracted records starts, its id, and the queue
    of its interactions (document, position in the record, score, drug pair)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise ReviewError(f"{self.path}: no such file (the output of spacy-ddi extract, .jsonl)")
        if self.path.suffix in (".gz", ".bz2", ".xz", ".zst"):
            raise ReviewError(f"{self.path}: decompress it first (the review reads documents by byte offset)")
        self.offsets: List[int] = []
        self.line_numbers: List[int] = []
        self.ids: List[str] = []
        self.by_id: Dict[str, int] = {}
        self.first_entry: List[int] = []  # entries of document i: first_entry[i] + k, k < n_interactions
        self.doc_of_entry: List[int] = []
        self.scores: List[Optional[float]] = []
        pairs: List[Tuple[str, str]] = []
        self.interactions = 0
        offset = 0
        with open(self.path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                try:
                    record = parse_record(raw, f"{self.path}, line {number}")
                except RecordError as err:
                    raise ReviewError(str(err)) from None
                doc_id = check_record(record, self.path, number)
                if doc_id in self.by_id:
                    first = self.line_numbers[self.by_id[doc_id]]
                    raise ReviewError(
                        f"{_where(self.path, number)}: the id {doc_id!r} is also the id of line {first}; "
                        "decisions are kept by document id, so ids must be unique"
                    )
                i = len(self.offsets)
                self.by_id[doc_id] = i
                self.ids.append(doc_id)
                self.offsets.append(start)
                self.line_numbers.append(number)
                self.first_entry.append(len(self.doc_of_entry))
                for ddi in record.get("interactions") or []:
                    self.doc_of_entry.append(i)
                    score = ddi.get("score")
                    self.scores.append(float(score) if isinstance(score, (int, float)) else None)
                    pairs.append(tuple(sorted((_pair_name(ddi["subject"]), _pair_name(ddi["object"])))))
        stat = self.path.stat()
        self._stamp = (stat.st_size, stat.st_mtime_ns)
        n = len(self.doc_of_entry)
        self.first_entry.append(n)
        # scores are calibrated probabilities: nearest 0.5 is the least certain (0.45 and 0.55
        # alike, whatever the float rounding; ties in input order); unscored last
        by_uncertainty = sorted(
            range(n), key=lambda e: (self.scores[e] is None, round(abs((self.scores[e] or 0) - 0.5), 6), e)
        )
        by_pair = sorted(range(n), key=lambda e: (pairs[e], e))
        self.orders: Dict[str, List[int]] = {"uncertainty": by_uncertainty, "pair": by_pair}
        self.positions: Dict[str, List[int]] = {}
        for name, order in self.orders.items():
            position = [0] * n
            for pos, e in enumerate(order):
                position[e] = pos
            self.positions[name] = position
        self._cache: "OrderedDict[int, Dict]" = OrderedDict()

    def __len__(self) -> int:
        return len(self.offsets)

    @property
    def entries(self) -> int:
        return len(self.doc_of_entry)

    def entry(self, doc: int, origin: int) -> int:
        return self.first_entry[doc] + origin

    def origin(self, entry: int) -> int:
        return entry - self.first_entry[self.doc_of_entry[entry]]

    def read(self, i: int) -> Dict:
        """The record of document ``i``, read from its offset (a few recent ones are cached;
        do not change the returned dict)."""
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        stat = self.path.stat()
        if (stat.st_size, stat.st_mtime_ns) != self._stamp:
            raise ReviewError(f"{self.path} has changed since the review started: restart the review")
        with open(self.path, "rb") as f:
            f.seek(self.offsets[i])
            record = json.loads(f.readline())
        self._cache[i] = record
        if len(self._cache) > 64:
            self._cache.popitem(last=False)
        return record


def check_record(record, path: Path, line: int) -> str:
    """The id of an extracted record, after checking every field the review reads: a record
    this accepts is answered on every route (tests/test_review_hostile.py), one it refuses is
    named by its file and line."""
    where = f"{path}, line {line}:"
    if not isinstance(record, dict):
        raise ReviewError(f"{where} not a record (an object with id, text, entities, interactions)")
    try:
        json.dumps(record, ensure_ascii=False, allow_nan=True).encode("utf8")
    except UnicodeEncodeError as err:
        bad = err.object[err.start:err.end].encode("unicode_escape").decode("ascii")
        raise ReviewError(f"{where} holds a lone surrogate ({bad}), which is not Unicode text; fix the writer of the file") from None
    doc_id = record.get("id")
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or str(doc_id) == "":
        raise ReviewError(f"{where} has no id (records of spacy-ddi extract have one)")
    text = record.get("text")
    if not isinstance(text, str):
        raise ReviewError(f"{where} has no text")
    entities = record.get("entities")
    if entities is not None and not isinstance(entities, list):
        raise ReviewError(f"{where} 'entities' is {type(entities).__name__}, not a list of mentions")
    for k, ent in enumerate(entities or []):
        _check_mention(ent, len(text), f"{where} entity {k}")
        if not isinstance(ent.get("label"), str) or not ent["label"].strip():
            raise ReviewError(f"{where} entity {k} has no label")
    interactions = record.get("interactions")
    if interactions is not None and not isinstance(interactions, list):
        raise ReviewError(f"{where} 'interactions' is {type(interactions).__name__}, not a list")
    for k, ddi in enumerate(interactions or []):
        if not isinstance(ddi, dict):
            raise ReviewError(f"{where} interaction {k} is not an object")
        for side in ("subject", "object"):
            _check_mention(ddi.get(side), len(text), f"{where} interaction {k} {side}")
        label = ddi.get("label")
        if label not in POSITIVE_LABELS + (FALSE_LABEL,):
            raise ReviewError(
                f"{where} interaction {k} has the label {label!r}; the review knows "
                f"{', '.join(POSITIVE_LABELS + (FALSE_LABEL,))}"
            )
        score = ddi.get("score")
        if score is not None and (
            not isinstance(score, (int, float)) or isinstance(score, bool) or not math.isfinite(score) or not 0 <= score <= 1
        ):
            raise ReviewError(f"{where} interaction {k} has the score {score!r}; a score is a number from 0 to 1, or null")
    return str(doc_id)


def _check_mention(mention, n: int, what: str) -> None:
    if not isinstance(mention, dict):
        raise ReviewError(f"{what} is not an object with start and end")
    start, end = mention.get("start"), mention.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and not isinstance(end, bool) and 0 <= start < end <= n):
        raise ReviewError(f"{what} has offsets {start!r}, {end!r} outside its text of {n} characters")


class DocState:
    """One document as the decisions applied so far leave it.

    entities: start, end, text, label, drug_id, drug_name, review ("model", "changed", "added");
    removed_entities: those of the model the curator removed (review "rejected").
    interactions: subject and object (start, end, text, drug_id, drug_name), label (FALSE when
    rejected), model_label, score (None for an added one), sentence, origin (its position in
    the input record; None for an added one), review (one of STATUSES).
    """

    def __init__(self, index: int, record: Dict):
        self.index = index
        self.id = str(record["id"])
        self.text: str = record["text"]
        self.decisions = 0
        self.entities: List[Dict] = [
            {
                "start": e["start"], "end": e["end"], "text": self.text[e["start"]:e["end"]],
                "label": e["label"], "drug_id": e.get("drug_id"), "drug_name": e.get("drug_name"),
                "review": "model",
            }
            for e in record.get("entities") or []
        ]
        self.entities.sort(key=lambda e: (e["start"], e["end"]))
        self.interactions: List[Dict] = []
        for k, ddi in enumerate(record.get("interactions") or []):
            self.interactions.append({
                "subject": _mention(ddi["subject"], self.text),
                "object": _mention(ddi["object"], self.text),
                "label": ddi["label"], "model_label": ddi["label"], "score": ddi.get("score"),
                "assertion": ddi.get("assertion"),
                "sentence": ddi.get("sentence"), "origin": k, "review": "pending",
            })
        self.removed: Dict[int, Dict] = {}  # origin -> the interaction, gone with an entity
        self.removed_entities: List[Dict] = []  # entities of the model the curator removed

    # -- reading

    def status(self, origin: int) -> str:
        if origin in self.removed:
            return "removed"
        for ddi in self.interactions:
            if ddi["origin"] == origin:
                return ddi["review"]
        return "pending"

    def by_origin(self, origin: int) -> Optional[Dict]:
        for ddi in self.interactions:
            if ddi["origin"] == origin:
                return ddi
        return self.removed.get(origin)

    def reviewed(self) -> int:
        """Interactions of the model that have a decision."""
        done = sum(1 for d in self.interactions if d["origin"] is not None and d["review"] != "pending")
        return done + len(self.removed)

    def added(self) -> int:
        return sum(1 for d in self.interactions if d["origin"] is None)

    def entity_changes(self) -> int:
        return sum(1 for e in self.entities if e["review"] != "model") + len(self.removed_entities)

    def find_interaction(self, subject: Span, object_: Span) -> Optional[Dict]:
        for ddi in self.interactions:
            ends = {(ddi["subject"]["start"], ddi["subject"]["end"]), (ddi["object"]["start"], ddi["object"]["end"])}
            if ends == {subject, object_} and subject != object_:
                return ddi
        return None

    def find_entity(self, span: Span) -> Optional[Dict]:
        for ent in self.entities:
            if (ent["start"], ent["end"]) == span:
                return ent
        return None

    # -- changing

    def apply(self, decision: Dict, sentences: Callable[..., Sequence[Span]]) -> None:
        """Apply one decision (raises ReviewError, changing nothing, when it does not apply)."""
        action = decision.get("action")
        value = decision.get("value") or {}
        if not isinstance(value, dict):
            raise ReviewError(f"value is an object, not {value!r}")
        if action in INTERACTION_ACTIONS:
            target = decision.get("interaction")
            if not isinstance(target, dict):
                raise ReviewError(f"{action} needs interaction: {{subject: [start, end], object: [start, end]}}")
            subject = _offsets(target.get("subject"), "interaction subject")
            object_ = _offsets(target.get("object"), "interaction object")
            if action == "add":
                self._add(subject, object_, _label(value, POSITIVE_LABELS), sentences)
            else:
                self._decide(action, subject, object_, value)
        elif action in ENTITY_ACTIONS:
            span = _offsets(decision.get("entity"), "entity")
            if action == "fix_entity":
                new = (int(value.get("start", span[0])), int(value.get("end", span[1])))
                self._fix_entity(span, new, value.get("label"), sentences)
            elif action == "add_entity":
                self._add_entity(span, _label(value, ENTITY_LABELS))
            else:
                self._remove_entity(span)
        else:
            raise ReviewError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        self.decisions += 1

    def _decide(self, action: str, subject: Span, object_: Span, value: Dict) -> None:
        ddi = self.find_interaction(subject, object_)
        if ddi is None:
            raise ReviewError(f"no interaction between {list(subject)} and {list(object_)} in document {self.id!r}")
        added = ddi["origin"] is None
        if action == "accept":
            label = value.get("label") or (ddi["label"] if ddi["label"] != FALSE_LABEL else ddi["model_label"])
            if label not in POSITIVE_LABELS:
                raise ReviewError(f"accept takes a label in {', '.join(POSITIVE_LABELS)}, not {label!r}")
            ddi["label"] = label
            if not added:
                ddi["review"] = "accepted" if label == ddi["model_label"] else "relabelled"
        elif action == "relabel":
            ddi["label"] = _label(value, POSITIVE_LABELS)
            if not added:
                ddi["review"] = "accepted" if ddi["label"] == ddi["model_label"] else "relabelled"
        elif action == "reject" and not added:
            ddi["label"], ddi["review"] = FALSE_LABEL, "rejected"
        elif action == "reset" and not added:
            ddi["label"], ddi["review"] = ddi["model_label"], "pending"
        else:  # rejecting or resetting an interaction the curator added takes it away
            self.interactions.remove(ddi)

    def _add(self, a: Span, b: Span, label: str, sentences) -> None:
        if a == b:
            raise ReviewError("an interaction is between two different mentions")
        for span in (a, b):
            if self.find_entity(span) is None:
                raise ReviewError(f"no entity at {list(span)} in document {self.id!r}")
        if self.find_interaction(a, b) is not None:
            raise ReviewError("these two mentions already have an interaction: relabel or accept it")
        subject, object_ = sorted((a, b))
        sentence = self._sentence_of(subject, object_, sentences)
        self.interactions.append({
            "subject": self._mention_of(subject), "object": self._mention_of(object_),
            "label": label, "model_label": None, "score": None,
            "sentence": {"start": sentence[0], "end": sentence[1], "text": self.text[sentence[0]:sentence[1]]},
            "origin": None, "review": "added",
        })

    def _sentence_of(self, a: Span, b: Span, sentences, entities=None) -> Span:
        if entities is None:
            entities = [(e["start"], e["end"], e["label"]) for e in self.entities]
        for start, end in sentences(self.text, entities):
            if start <= a[0] and a[1] <= end:
                if start <= b[0] and b[1] <= end:
                    return start, end
                break
        raise ReviewError(
            f"{self.text[a[0]:a[1]]!r} and {self.text[b[0]:b[1]]!r} are in different sentences "
            "(interactions are read, and trained, within one sentence)"
        )

    def _mention_of(self, span: Span) -> Dict:
        ent = self.find_entity(span)
        return {
            "start": span[0], "end": span[1], "text": self.text[span[0]:span[1]],
            "drug_id": ent.get("drug_id") if ent else None, "drug_name": ent.get("drug_name") if ent else None,
        }

    def _check_span(self, span: Span, ignore: Optional[Dict] = None) -> None:
        start, end = span
        if not 0 <= start < end <= len(self.text):
            raise ReviewError(f"[{start}, {end}] is not a span of this text of {len(self.text)} characters")
        piece = self.text[start:end]
        if piece != piece.strip():
            raise ReviewError(f"an entity does not start or end with whitespace: {piece!r}")
        for ent in self.entities:
            if ent is not ignore and ent["start"] < end and start < ent["end"]:
                raise ReviewError(f"[{start}, {end}] overlaps the entity {ent['text']!r} [{ent['start']}, {ent['end']}]")

    def _fix_entity(self, old: Span, new: Span, label, sentences) -> None:
        ent = self.find_entity(old)
        if ent is None:
            raise ReviewError(f"no entity at {list(old)} in document {self.id!r}")
        label = ent["label"] if label is None else label
        if label not in ENTITY_LABELS:
            raise ReviewError(f"an entity label is one of {', '.join(ENTITY_LABELS)}, not {label!r}")
        self._check_span(new, ignore=ent)
        attached = [
            (ddi, side) for ddi in self.interactions for side in ("subject", "object")
            if (ddi[side]["start"], ddi[side]["end"]) == old
        ]
        moved = [(e["start"], e["end"], e["label"]) if e is not ent else (*new, label) for e in self.entities]
        for ddi, side in attached:
            other = "object" if side == "subject" else "subject"
            self._sentence_of(new, (ddi[other]["start"], ddi[other]["end"]), sentences, moved)
        if new != old:
            ent["drug_id"] = ent["drug_name"] = None  # the link was for the old span
        ent.update(start=new[0], end=new[1], text=self.text[new[0]:new[1]], label=label)
        if ent["review"] == "model":
            ent["review"] = "changed"
        for ddi, side in attached:
            ddi[side] = self._mention_of(new)
            # subject comes before object in the text
            if (ddi["subject"]["start"], ddi["subject"]["end"]) > (ddi["object"]["start"], ddi["object"]["end"]):
                ddi["subject"], ddi["object"] = ddi["object"], ddi["subject"]
        self.entities.sort(key=lambda e: (e["start"], e["end"]))

    def _add_entity(self, span: Span, label: str) -> None:
        self._check_span(span)
        # added back where it was removed: no longer a rejected mention
        self.removed_entities = [e for e in self.removed_entities if (e["start"], e["end"]) != span]
        self.entities.append({
            "start": span[0], "end": span[1], "text": self.text[span[0]:span[1]], "label": label,
            "drug_id": None, "drug_name": None, "review": "added",
        })
        self.entities.sort(key=lambda e: (e["start"], e["end"]))

    def _remove_entity(self, span: Span) -> None:
        ent = self.find_entity(span)
        if ent is None:
            raise ReviewError(f"no entity at {list(span)} in document {self.id!r}")
        self.entities.remove(ent)
        if ent["review"] != "added":
            self.removed_entities.append({**ent, "review": "rejected"})
        for ddi in list(self.interactions):
            if span in ((ddi["subject"]["start"], ddi["subject"]["end"]), (ddi["object"]["start"], ddi["object"]["end"])):
                self.interactions.remove(ddi)
                if ddi["origin"] is not None:
                    self.removed[ddi["origin"]] = {**ddi, "review": "removed"}


def _mention(mention: Dict, text: str) -> Dict:
    start, end = mention["start"], mention["end"]
    return {
        "start": start, "end": end, "text": text[start:end],
        "drug_id": mention.get("drug_id"), "drug_name": mention.get("drug_name"),
    }


def _label(value: Dict, labels: Sequence[str]) -> str:
    label = value.get("label")
    if label not in labels:
        raise ReviewError(f"label is one of {', '.join(labels)}, not {label!r}")
    return label


class Sentences:
    """Sentence boundaries (character offsets) as the export splits them: ``ddi_sentences``
    over the drug tokenizer, a sentence end inside a mention taken back."""

    def __init__(self):
        from ..corpus.annotated import import_nlp

        self.nlp = import_nlp()
        self._cache: "OrderedDict[Tuple, List[Span]]" = OrderedDict()

    def doc(self, text: str):
        """``text`` tokenised, with sentence starts (a text longer than spaCy's ``max_length``
        too: the review only tokenises and splits it)."""
        from ..text.sentences import ddi_sentences

        self.nlp.max_length = max(self.nlp.max_length, len(text) + 1)
        return ddi_sentences(self.nlp.make_doc(text))

    def __call__(self, text: str, entities: Sequence[Tuple[int, int, str]] = ()) -> List[Span]:
        from ..corpus.annotated import sentence_ranges

        key = (text, tuple(entities))
        self.nlp.max_length = max(self.nlp.max_length, len(text) + 1)
        if key not in self._cache:
            self._cache[key] = sentence_ranges(self.nlp, text, list(entities))
            if len(self._cache) > 32:
                self._cache.popitem(last=False)
        return self._cache[key]


class ReviewStore:
    """An input of extracted records and its decision log, the log replayed.

    input_path: JSONL records of ``spacy-ddi extract``.
    log_path: the decision log (default: INPUT.review.jsonl next to the input); created on
        the first decision, appended to afterwards.
    """

    def __init__(self, input_path: Path, log_path: Optional[Path] = None):
        self.input_path = Path(input_path)
        self.log_path = Path(log_path) if log_path else default_log_path(self.input_path)
        if self.log_path.resolve() == self.input_path.resolve():
            raise ReviewError(f"the decision log cannot be the input itself ({self.log_path})")
        if self.log_path.is_dir():
            raise ReviewError(f"--log {self.log_path} is a folder; give the decision log's file name")
        self.index = InputIndex(self.input_path)
        self.log = DecisionLog(self.log_path)
        self.notes: List[str] = list(self.log.notes)  # repaired or skipped, for the curator
        self.states: Dict[int, DocState] = {}  # documents with decisions
        self._sentences: Optional[Sentences] = None
        for decision in self.log.decisions:
            where = _where(self.log_path, decision["line"])
            i = self.index.by_id.get(str(decision["doc"]))
            if i is None:
                raise ReviewError(
                    f"{where} is a decision on the document {decision['doc']!r}, which is not in "
                    f"{self.input_path}: is this the log of another input? (--log names the log)"
                )
            state = self.states.get(i) or DocState(i, self.index.read(i))
            try:
                trial = copy.deepcopy(state)
                trial.apply(decision, self.sentences)
            except (ReviewError, TypeError, ValueError) as err:
                self.notes.append(f"{where} was not applied: {err}")
                continue
            self.states[i] = trial

    def sentences(self, text: str, entities: Sequence[Tuple[int, int, str]] = ()) -> List[Span]:
        if self._sentences is None:
            self._sentences = Sentences()
        return self._sentences(text, entities)

    def sentence_doc(self, text: str):
        if self._sentences is None:
            self._sentences = Sentences()
        return self._sentences.doc(text)

    def state(self, i: int) -> DocState:
        """Document ``i`` as the decisions leave it (a fresh state when it has none)."""
        if not 0 <= i < len(self.index):
            raise ReviewError(f"no document {i}: there are {len(self.index)}")
        return self.states.get(i) or DocState(i, self.index.read(i))

    def decide(self, decision: Dict) -> Tuple[DocState, Dict]:
        """Check and apply one decision ({doc, action, interaction or entity, value}), write it
        to the log (fsynced) and return the document's new state and the logged line."""
        doc_id = decision.get("doc")
        i = self.index.by_id.get(str(doc_id)) if doc_id is not None else None
        if i is None:
            raise ReviewError(f"no document with the id {doc_id!r}")
        action = decision.get("action")
        clean = {"doc": str(doc_id), "action": action}
        if action in INTERACTION_ACTIONS:
            clean["interaction"] = decision.get("interaction")
        elif action in ENTITY_ACTIONS:
            clean["entity"] = decision.get("entity")
        clean["value"] = decision.get("value") or {}
        trial = copy.deepcopy(self.state(i))
        try:
            trial.apply(clean, self.sentences)
        except (TypeError, ValueError) as err:
            raise ReviewError(str(err)) from None
        clean["value"] = self._new_value(trial, clean)
        entry = self.log.append(clean)  # on disk before the state changes
        self.states[i] = trial
        return trial, entry

    @staticmethod
    def _new_value(state: DocState, decision: Dict) -> Dict:
        """What the decision made of its target, for the log: the interaction's label, the
        entity's span and label ({} for an interaction or entity it took away)."""
        action, value = decision["action"], decision["value"]
        if action in INTERACTION_ACTIONS:
            target = decision["interaction"]
            ddi = state.find_interaction(tuple(target["subject"]), tuple(target["object"]))
            return {"label": ddi["label"]} if ddi else {}
        if action == "fix_entity":
            start, end = decision["entity"]
            new = (int(value.get("start", start)), int(value.get("end", end)))
            ent = state.find_entity(new)
            return {"start": ent["start"], "end": ent["end"], "label": ent["label"]}
        return dict(value)

    # -- the queue

    def status(self, entry: int) -> str:
        state = self.states.get(self.index.doc_of_entry[entry])
        return state.status(self.index.origin(entry)) if state else "pending"

    def progress(self) -> Dict:
        return {
            "reviewed": sum(s.reviewed() for s in self.states.values()),
            "total": self.index.entries,
            "added": sum(s.added() for s in self.states.values()),
            "entity_changes": sum(s.entity_changes() for s in self.states.values()),
            "decisions": len(self.log.decisions),
            "documents": len(self.index),
        }

    def queue(self, order: str, start: int, limit: int) -> List[Dict]:
        """Queue items start .. start + limit - 1 in ``order``: position, document, the
        interaction as it stands now, its score and review status."""
        order_list = self.index.orders[_order(order)]
        items = []
        for pos in range(max(0, start), min(len(order_list), start + max(0, limit))):
            e = order_list[pos]
            doc = self.index.doc_of_entry[e]
            origin = self.index.origin(e)
            state = self.states.get(doc)
            if state is not None:
                ddi = state.by_origin(origin)
                status = state.status(origin)
            else:
                record = self.index.read(doc)
                raw = record["interactions"][origin]
                # the mentions' text from the offsets, as a document's state reads it
                ddi = {**raw, "subject": _mention(raw["subject"], record["text"]), "object": _mention(raw["object"], record["text"])}
                status = "pending"
            items.append({
                "pos": pos, "doc": doc, "doc_id": self.index.ids[doc],
                "subject": _brief(ddi["subject"]), "object": _brief(ddi["object"]),
                "label": ddi["label"], "score": self.index.scores[e], "review": status,
            })
        return items

    def first_pending(self, order: str, start: int = 0) -> Optional[int]:
        """The first queue position at or after ``start`` (wrapping around) not yet reviewed."""
        order_list = self.index.orders[_order(order)]
        n = len(order_list)
        for k in range(n):
            pos = (start + k) % n
            if self.status(order_list[pos]) == "pending":
                return pos
        return None

    def resume(self, order: str) -> Dict:
        """Where to pick up: the first unreviewed queue item after the one last decided on
        (or in the document last decided on), and that document."""
        order = _order(order)
        n = self.index.entries
        start, doc, positions = 0, 0, []
        if self.log.decisions:
            last = self.log.decisions[-1]
            doc = self.index.by_id.get(str(last["doc"]), 0)
            state = self.states.get(doc)
            positions = [self.index.positions[order][self.index.entry(doc, k)]
                         for k in range(self.index.first_entry[doc + 1] - self.index.first_entry[doc])]
            start = min(positions) if positions else 0
            target = last.get("interaction")
            if state is not None and isinstance(target, dict):
                try:
                    ddi = state.find_interaction(_offsets(target.get("subject"), "s"), _offsets(target.get("object"), "o"))
                except ReviewError:
                    ddi = None
                if ddi is not None and ddi["origin"] is not None:
                    start = self.index.positions[order][self.index.entry(doc, ddi["origin"])]
        pos = self.first_pending(order, start) if n else None
        if pos is None:
            pos = min(start, n - 1) if n else None
        if pos is not None and (not self.log.decisions or positions):
            doc = self.index.doc_of_entry[self.index.orders[order][pos]]
        # else: the last decision was in a document the model found no interaction in; open it
        return {"pos": pos, "doc": doc}

    # -- every document, for the exports

    def documents(self) -> Iterator[Tuple[Dict, DocState, bool]]:
        """(input record, state, has decisions) of every document, in input order."""
        for i in range(len(self.index)):
            record = self.index.read(i)
            state = self.states.get(i)
            yield record, state or DocState(i, record), state is not None


def _brief(mention: Dict) -> Dict:
    return {"start": mention["start"], "end": mention["end"], "text": mention["text"]}


def _order(order: str) -> str:
    if order not in ORDERS:
        raise ReviewError(f"order is one of {', '.join(ORDERS)}, not {order!r}")
    return order
