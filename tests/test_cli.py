"""The command line itself: --help lists every command with its one-liner, errors print in
spaCy's style (a ✘ line on standard error), extract refuses the other engine's options."""
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from spacy_ddi.cli import ENGINE_OPTIONS, app


def commands():
    """The registered commands by name (the click commands typer builds)."""
    return typer.main.get_command(app).commands


def one_liner(command) -> str:
    return (command.help or "").strip().split("\n\n")[0]


def test_every_command_has_a_one_line_help():
    assert set(commands()) == {"convert", "extract", "aggregate", "visualize", "review", "tune", "finetune"}
    for name, command in commands().items():
        line = one_liner(command)
        # one line that fits the commands table of an 80-column terminal, a sentence
        assert line and "\n" not in line and len(line) <= 64 and line.endswith("."), (name, line)


def test_help_lists_every_command_with_its_help():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for name, command in commands().items():
        assert re.search(rf"\b{name}\s+{re.escape(one_liner(command))}", result.output), (name, result.output)
        sub = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "80"})
        assert sub.exit_code == 0 and "Usage:" in sub.output, (name, sub.output)
        if name == "extract":  # help is plain text, not markup that would eat "[ray]"
            assert "ddi[ray]" in sub.output, sub.output


def test_errors_are_a_fail_line_on_stderr(tmp_path):
    result = CliRunner().invoke(app, ["aggregate", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 2
    assert f"✘ {tmp_path / 'none.jsonl'}: no such file" in result.stderr
    assert "Error:" not in result.output and result.stdout == ""
    assert "\x1b[" not in result.stderr  # no colour codes where stderr is not a terminal


OTHER_ENGINES_OPTIONS = [
    ("ray", ["--n-process", "2"], "--n-process", "local"),
    ("ray", ["--gpu-id", "0"], "--gpu-id", "local"),
    ("ray", ["--mentions"], "--mentions", "local"),
    ("ray", ["--errors", "e.jsonl"], "--errors", "local"),
    ("ray", ["--flush-seconds", "5"], "--flush-seconds", "local"),
    ("local", ["--actors", "2"], "--actors", "ray"),
    ("local", ["--address", "ray://head:10001"], "--address", "ray"),
    ("local", ["--gpus-per-actor", "1"], "--gpus-per-actor", "ray"),
    ("local", ["--cpus-per-actor", "0.5"], "--cpus-per-actor", "ray"),
    ("local", ["--format", "parquet"], "--format", "ray"),
]


def test_the_options_object_has_a_field_for_each_extract_option_with_its_default():
    """One options object carries extract's settings to both engines: its fields are the
    command's options (besides the model, inputs, output and engine), with the same defaults."""
    from dataclasses import fields

    from typer.main import get_command

    from spacy_ddi.extract.options import ExtractOptions

    command = get_command(app).commands["extract"]
    params = {p.name: p.default for p in command.params if p.name not in ("model", "inputs", "output", "engine")}
    assert params == {f.name: f.default for f in fields(ExtractOptions)}


def test_quiet_is_an_option_of_both_engines():
    from spacy_ddi.extract.options import ExtractOptions

    assert ExtractOptions(quiet=True).other_engines_fields("ray") == []
    assert ExtractOptions(quiet=True).other_engines_fields("local") == []


def test_each_engine_only_option_is_checked():
    names = {param for option in ENGINE_OPTIONS.values() for param in option}
    given = {option.lstrip("-").replace("-", "_") for _, _, option, _ in OTHER_ENGINES_OPTIONS}
    # --format is the option of the parameter part_format
    assert given == {"format" if name == "part_format" else name for name in names}


@pytest.mark.parametrize("engine, args, option, owner", OTHER_ENGINES_OPTIONS)
def test_extract_refuses_an_option_of_the_other_engine(tmp_path, engine, args, option, owner):
    source = tmp_path / "a.txt"
    source.write_text("Aspirin may enhance warfarin.", encoding="utf8")
    out = tmp_path / "out" / "records.jsonl"
    result = CliRunner().invoke(app, ["extract", "no-such-model", str(source), "-o", str(out), "--engine", engine, *args])
    assert result.exit_code == 2, result.output
    assert f"✘ {option} is an option of --engine {owner}; --engine {engine} does not use it" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("engine, args", [
    ("local", ["--actors", "1", "--gpus-per-actor", "0", "--cpus-per-actor", "1"]),
    ("ray", ["--n-process", "1", "--gpu-id", "-1"]),
])
def test_the_other_engines_defaults_given_explicitly_are_accepted(tmp_path, engine, args):
    if engine == "ray":
        pytest.importorskip("ray")
    missing = tmp_path / "missing.txt"
    out = tmp_path / ("o.jsonl" if engine == "local" else "parts")  # Ray writes a folder of parts
    result = CliRunner().invoke(app, ["extract", "no-such-model", str(missing), "-o", str(out), "--engine", engine, *args])
    # past the engine check: the missing input is what stops the run
    assert result.exit_code == 2 and "missing.txt: no such file or folder" in result.stderr, result.output


def test_the_cli_reference_names_every_command_and_option():
    """docs/cli.md (spacy-ddi COMMAND --help, pasted) names every option the code has."""
    import typer.main

    reference = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"## `{name}`" in reference, f"docs/cli.md lacks the command {name}"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in reference, f"docs/cli.md lacks {name} {opt}"


@pytest.mark.parametrize("option", ["--dev-fraction", "--medline-dev-fraction"])
def test_convert_refuses_a_dev_share_outside_0_1_before_reading(option, tmp_path):
    result = CliRunner().invoke(app, ["convert", str(tmp_path / "missing.zip"), str(tmp_path / "out"), option, "1.5"])
    assert result.exit_code == 2
    assert f"{option} is a share of the Train documents" in result.output
    assert not (tmp_path / "out").exists()
