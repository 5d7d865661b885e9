"""README's examples run as written: every Python block executes, and every command line it shows
parses with the command line's own parser (the exports themselves are tested in tests/test_cli.py)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from optviz import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
PYTHON = re.findall(r"```python\n(.*?)```", README, flags=re.S)
SHELL = re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def _commands() -> list[list[str]]:
    """Every `python -m optviz ...` or `optviz ...` line of README's shell blocks, as arguments."""
    out = []
    for block in SHELL:
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("  #", 1)[0].strip()
            for command in re.split(r"\s*&&\s*", line):
                words = shlex.split(command)
                if words[:3] == ["python", "-m", "optviz"]:
                    out.append(words[3:])
                elif words[:1] == ["optviz"]:
                    out.append(words[1:])
    return out


COMMANDS = _commands()


def test_readme_has_examples():
    assert PYTHON and len(COMMANDS) >= 5


@pytest.mark.parametrize("code", PYTHON, ids=[f"block{i}" for i in range(len(PYTHON))])
def test_a_python_block_runs_as_written(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a)[:60] for a in COMMANDS])
def test_a_command_line_parses(argv, capsys):
    if argv == ["--help"]:
        assert cli.main(argv) == 0 and "export" in capsys.readouterr().out
        return
    args, rest = cli.build_parser().parse_known_args(argv)
    assert args.command == argv[0]
    # `serve` hands what follows it to `streamlit run` (optviz.app.serve); every other command owns it all
    assert rest == [] or argv[0] == "serve", rest
