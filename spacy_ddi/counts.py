"""The counters of a run (extraction's ``Summary``, an import's ``ImportReport``, a corpus
split's ``SplitReport``): dataclasses of counts and of the cases behind them, with one way to add
two together and to read the totals."""
from dataclasses import dataclass, fields
from typing import Dict, Union


@dataclass
class Counts:
    """A dataclass of counters: its ``int`` and ``float`` fields are totals, its ``list`` fields
    the cases behind them (other fields, such as a name, are left as they are)."""

    def merge(self, other: "Counts") -> None:
        """Add ``other``'s totals to these and append its cases."""
        if type(other) is not type(self):
            raise TypeError(f"cannot merge {type(other).__name__} into {type(self).__name__}")
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, bool):
                continue
            if isinstance(mine, (int, float)):
                setattr(self, f.name, mine + theirs)
            elif isinstance(mine, list):
                mine.extend(theirs)

    def totals(self) -> Dict[str, Union[int, float]]:
        """The numeric fields, by name, in declaration order."""
        return {
            f.name: getattr(self, f.name) for f in fields(self)
            if isinstance(getattr(self, f.name), (int, float)) and not isinstance(getattr(self, f.name), bool)
        }
