"""Every task prints its help whichever way round it is asked: `invoke TASK --help` and
`invoke --help TASK` (a required positional argument would take `--help` as its value)."""

import sys
from pathlib import Path

import pytest
from invoke import Collection, Program

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import tasks  # noqa: E402

NAMESPACE = Collection.from_module(tasks)


def _help(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        Program(namespace=NAMESPACE, name="tfopt", binary="invoke").run(["invoke", *argv])
    return exit_info.value.code, capsys.readouterr()


@pytest.mark.parametrize("name", sorted(NAMESPACE.task_names))
@pytest.mark.parametrize("order", ["task first", "help first"])
def test_every_task_prints_its_help_in_either_order(capsys, name, order):
    code, printed = _help(capsys, *([name, "--help"] if order == "task first" else ["--help", name]))
    assert code in (0, None), printed.err
    assert printed.out.startswith(f"Usage: invoke [--core-opts] {name} ") and "Docstring:" in printed.out


def test_no_task_takes_a_positional_argument():
    positional = {name: [a.name for a in task.get_arguments() if a.positional]
                  for name, task in NAMESPACE.tasks.items()}
    assert {n: p for n, p in positional.items() if p} == {}
