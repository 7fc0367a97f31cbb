"""The package's layout holds: formats build on nothing of extraction or the corpus, extraction
and the corpus never import each other, no import cycle; every entry point in setup.py names
code that is there; the old ``spacy_ddi.batch`` names still import, with a warning; importing
spacy_ddi pulls in none of the optional extras."""
import ast
import importlib
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "spacy_ddi"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path):
    """The spacy_ddi modules a file imports (relative imports resolved), anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("spacy_ddi"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("spacy_ddi"))
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "batch" not in p.parts}
GRAPH = {
    name: {m for m in imports_of(path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_formats_import_nothing_of_the_corpus_or_extraction():
    for name, targets in GRAPH.items():
        if in_package(name, "spacy_ddi.formats"):
            bad = [t for t in targets if in_package(t, "spacy_ddi.corpus") or in_package(t, "spacy_ddi.extract")]
            assert not bad, f"{name} imports {bad}"


def test_the_corpus_and_extraction_never_import_each_other():
    for name, targets in GRAPH.items():
        for own, other in (("spacy_ddi.corpus", "spacy_ddi.extract"), ("spacy_ddi.extract", "spacy_ddi.corpus")):
            if in_package(name, own):
                bad = [t for t in targets if in_package(t, other)]
                assert not bad, f"{name} imports {bad}"


def test_no_import_cycle():
    """Between modules, counting imports inside functions too (a package's __init__ re-exporting
    its own modules is not a cycle)."""
    state = {}

    def visit(name, stack):
        state[name] = "open"
        for target in sorted(GRAPH[name]):
            if in_package(target, name) and MODULES[name].name == "__init__.py":
                continue  # a package importing its own submodules
            if in_package(name, target) and MODULES[target].name == "__init__.py":
                continue  # a submodule importing its package's __init__ sees the package, not a cycle of code
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(target):] + [target]))
            if target not in state:
                visit(target, stack + [target])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])


def test_every_entry_point_in_setup_names_code_that_is_there():
    targets = re.findall(r"= (spacy_ddi[\w.]*):(\w+)", (ROOT / "setup.py").read_text())
    assert len(targets) > 10
    for module, attribute in targets:
        assert hasattr(importlib.import_module(module), attribute), f"{module}:{attribute}"


def test_the_old_batch_names_import_with_a_deprecation_warning():
    for name in [m for m in list(sys.modules) if m == "spacy_ddi.batch" or m.startswith("spacy_ddi.batch.")]:
        del sys.modules[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from spacy_ddi.batch.ray import extract_dataset
        from spacy_ddi.batch import records, tables
        from spacy_ddi.batch.fulltext import bioc_document_text, inline_text
        from spacy_ddi.batch.parts import read_part_records, read_records_file  # noqa: F401
        from spacy_ddi.batch.readers import PUBTATOR_SEPARATOR, medline_text  # noqa: F401
        from spacy_ddi.batch.tables import read_records  # noqa: F401
    assert any(issubclass(w.category, DeprecationWarning) and "spacy_ddi.extract" in str(w.message) for w in caught)
    from spacy_ddi import records as new_records
    from spacy_ddi.extract import ray, tables as new_tables
    from spacy_ddi.formats.bioc import bioc_document_text as new_bioc_text
    from spacy_ddi.formats.jats import inline_text as new_inline_text

    assert extract_dataset is ray.extract_dataset and records is new_records and tables is new_tables
    assert bioc_document_text is new_bioc_text and inline_text is new_inline_text
    assert tables.__spec__.name == "spacy_ddi.extract.tables"  # the moved module keeps its own spec


@pytest.mark.parametrize("extra", ["ray", "pyarrow", "starlette", "pandas", "matplotlib"])
def test_importing_spacy_ddi_needs_no_extra(extra):
    code = f"import sys, spacy_ddi, spacy_ddi.cli; assert {extra!r} not in sys.modules, 'imported {extra}'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_run_counters_share_one_base():
    from spacy_ddi.corpus.annotated import ImportReport
    from spacy_ddi.corpus.convert import SplitReport
    from spacy_ddi.counts import Counts
    from spacy_ddi.extract.runner import Summary

    assert all(issubclass(cls, Counts) for cls in (Summary, ImportReport, SplitReport))
    one, two = ImportReport(documents=2, entities=5), ImportReport(documents=1, interactions=3)
    two.add("ignored", "a.ann, line 3", "note #1 ignored")
    one.merge(two)
    assert (one.documents, one.entities, one.interactions, len(one.issues)) == (3, 5, 3, 1)
    split = SplitReport("train", documents=1, misaligned=[("a", "b", "c", "d")])
    split.merge(SplitReport("more", documents=2, discontinuous=1))
    assert (split.name, split.documents, split.discontinuous, len(split.misaligned)) == ("train", 3, 1, 1)
    summary = Summary(documents=1, seconds=0.5)
    summary.merge(Summary(documents=2, seconds=1.0, failures=1, errors=["x"]))
    assert summary.totals()["documents"] == 3 and summary.seconds == 1.5 and summary.errors == ["x"]
    with pytest.raises(TypeError):
        summary.merge(split)
