"""The decision log: an append-only JSONL file, one line per decision, written through to disk.

Each line is a JSON object::

    {"time": "2025-01-31T10:02:03.123Z", "doc": "PMID-1", "action": "relabel",
     "interaction": {"subject": [0, 12], "object": [51, 60]}, "value": {"label": "EFFECT"}}

``interaction`` (subject and object character offsets) or ``entity`` ([start, end]) name
what was decided on, as it stood when the decision was made; ``value`` is the new value.
A line is written, flushed and fsynced before the decision is acknowledged, so a killed server
loses nothing it has confirmed. A last line cut short by a kill (no newline at its end, not
valid JSON) is moved to a side file and reported; any other unreadable line is an error that
names the file and the line.
"""
import json
import os
import threading
import time
from pathlib import Path
from typing import Dict, List


class ReviewError(ValueError):
    """An input, a log or a decision that cannot be used; the message says which and why."""


class LogWriteError(ReviewError):
    """A decision that could not be written to the log (a full disk, a removed folder): it was
    not recorded and the log holds no part of it."""


def now() -> str:
    """The current time in UTC, ISO 8601 with milliseconds."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


class DecisionLog:
    """The decisions of a review, read from and appended to ``path``.

    After construction ``decisions`` holds the decisions already in the file (each with
    ``line``, its line number) and ``notes`` what was repaired (a cut-short last line).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.notes: List[str] = []
        self._line_count = 0  # complete lines in the file
        self.decisions: List[Dict] = self._read()
        self._lock = threading.Lock()

    def _read(self) -> List[Dict]:
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        decisions = []
        lines = data.split(b"\n")
        # data ends with b"\n" when the last line is complete: the final piece is then empty
        complete, last = lines[:-1], lines[-1]
        self._line_count = len(complete)
        offset = 0
        for number, raw in enumerate(complete, start=1):
            offset += len(raw) + 1
            if not raw.strip():
                continue
            decisions.append(self._parse(raw, number))
        if last.strip():
            number = len(complete) + 1
            try:
                decision = self._parse(last, number)
            except ReviewError:
                # killed while writing: keep the fragment beside the log, cut it from the log
                side = _free_name(self.path.with_name(f"{self.path.name}.cut-line-{number}"))
                side.write_bytes(last)
                with open(self.path, "r+b") as f:
                    f.truncate(offset)
                    f.flush()
                    os.fsync(f.fileno())
                self.notes.append(
                    f"{self.path} line {number} was cut short (the server was stopped while writing "
                    f"it; that decision had not been confirmed): its {len(last)} bytes are kept in {side}"
                )
            else:
                # a complete decision whose newline was not written: finish the line
                decisions.append(decision)
                self._line_count += 1
                with open(self.path, "ab") as f:
                    f.write(b"\n")
                    f.flush()
                    os.fsync(f.fileno())
        return decisions

    def _parse(self, raw: bytes, number: int) -> Dict:
        try:
            decision = json.loads(raw)
        except ValueError as err:
            raise ReviewError(f"{self.path} line {number} is not JSON ({err}); fix or remove that line") from None
        if not isinstance(decision, dict) or "doc" not in decision or "action" not in decision:
            raise ReviewError(f"{self.path} line {number} is not a decision (an object with doc and action)")
        decision["line"] = number
        return decision

    def append(self, decision: Dict) -> Dict:
        """Write ``decision`` (with the current time) as one line, flushed and fsynced; return
        it with its line number."""
        entry = {"time": now(), **{k: v for k, v in decision.items() if k != "line"}}
        raw = json.dumps(entry, ensure_ascii=False).encode("utf8") + b"\n"
        with self._lock:
            new = not self.path.exists()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # unbuffered: nothing of a failed write is left to be flushed when the file closes
                with open(self.path, "ab", buffering=0) as f:
                    size = f.seek(0, os.SEEK_END)
                    try:
                        written = 0
                        while written < len(raw):
                            written += f.write(raw[written:])
                        os.fsync(f.fileno())
                    except OSError:
                        # nothing of this decision may stay behind: the next decision would be
                        # glued onto a fragment, and the restart would refuse the log
                        _cut_back(f, size)
                        raise
            except OSError as err:
                raise LogWriteError(
                    f"the decision could not be written to {self.path} ({err.strerror or err}); it was not recorded"
                ) from None
            if new:  # the file's entry in its folder, too (a power cut right after)
                _fsync_folder(self.path.parent)
            self._line_count += 1
            entry["line"] = self._line_count
            self.decisions.append(entry)
        return entry


def _cut_back(f, size: int) -> None:
    """Cut a file open for appending back to ``size`` bytes, as best the disk allows."""
    try:
        f.truncate(size)
        f.flush()
        os.fsync(f.fileno())
    except OSError:
        try:
            os.ftruncate(f.fileno(), size)
        except OSError:
            pass


def _free_name(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``, ... : the first name no file has (a second cut line
    at the same line number keeps the first one's side file)."""
    if not path.exists():
        return path
    k = 2
    while path.with_name(f"{path.name}-{k}").exists():
        k += 1
    return path.with_name(f"{path.name}-{k}")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a system that cannot open folders (Windows): the file itself is synced
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def default_log_path(input_path: Path) -> Path:
    """extracted.jsonl -> extracted.review.jsonl, next to the input."""
    input_path = Path(input_path)
    stem = input_path.name[: -len(".jsonl")] if input_path.name.endswith(".jsonl") else input_path.stem
    return input_path.with_name(f"{stem}.review.jsonl")

