"""``sdl_gate.cli`` only parses and dispatches: the shape of its modules, read with ``ast``, keeps it so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sdl_gate.cli

CLI_DIR = Path(sdl_gate.cli.__file__).parent
#: Modules the command modules share: the root group, options, output and error handling.
SHARED = {"__init__.py", "_errors.py", "_options.py", "_output.py"}
COMMAND_MODULES = sorted(p.name for p in CLI_DIR.glob("*.py") if p.name not in SHARED)
#: Library modules a cli module may import when it is loaded: exceptions it raises while parsing, and the
#: names its options offer (record kinds, schema names), which are plain data importing nothing heavy.
IMPORTED_WHEN_LOADED = {"sdl_gate", "sdl_gate.errors", "sdl_gate.record_kinds", "sdl_gate.schemas"}
#: The helpers of the shared modules, by module: a new one is a decision to make here, not a drive-by.
SHARED_HELPERS = {
    "__init__.py": {"_load", "__getattr__", "main"},
    "_errors.py": {"run_command"},
    "_options.py": {
        "approver_options",
        "signing_options",
        "register_choice",
        "parse_date",
        "trust_options",
        "status_options",
        "renamed_option",
    },
    "_output.py": {
        "write_output",
        "echo_approval",
        "echo_blocking",
        "hook_listed",
        "echo_hook",
        "store_history",
        "echo_status",
    },
}


def _tree(name: str) -> ast.Module:
    return ast.parse((CLI_DIR / name).read_text(encoding="utf-8"), filename=name)


def _is_command(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a function is registered as a click command or group (``@click.command``, ``@group.command(...)``)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in {"command", "group"}:
            return True
    return False


def _is_click_subclass(cls: ast.ClassDef) -> bool:
    """Whether a class only specialises how click parses (a ``click.Group``, a ``click.ParamType``...)."""
    return bool(cls.bases) and all(
        isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id == "click"
        for base in cls.bases
    )


def library_work(name: str, tree: ast.Module) -> list[str]:
    """What in a cli module's top level is not parsing and dispatch, one line each."""
    problems = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sdl_gate"):
            module = node.module
            if not module.startswith("sdl_gate.cli") and module not in IMPORTED_WHEN_LOADED:
                problems.append(f"{name}:{node.lineno} imports {module} when loaded, not in the command that uses it")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sdl_gate.") and not alias.name.startswith("sdl_gate.cli"):
                    problems.append(f"{name}:{node.lineno} imports {alias.name} when loaded")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _is_command(node):
            if node.name not in SHARED_HELPERS.get(name, set()):
                problems.append(f"{name}:{node.lineno} defines {node.name}(), which is neither a command nor a helper")
        elif isinstance(node, ast.ClassDef) and name not in SHARED and not _is_click_subclass(node):
            problems.append(f"{name}:{node.lineno} defines class {node.name}, which is not a click type")
    return problems


@pytest.mark.parametrize("name", sorted(SHARED) + COMMAND_MODULES)
def test_cli_modules_only_parse_and_dispatch(name: str) -> None:
    assert library_work(name, _tree(name)) == []


def test_every_shared_helper_is_still_there() -> None:
    # A helper removed from a shared module is removed from SHARED_HELPERS, so the list never allows a stale name.
    for name, helpers in SHARED_HELPERS.items():
        defined = {n.name for n in _tree(name).body if isinstance(n, ast.FunctionDef)}
        assert helpers <= defined, f"{name} no longer defines {sorted(helpers - defined)}"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from sdl_gate.inputs import load_inputs\n", "imports sdl_gate.inputs when loaded"),
        ("import sdl_gate.vulndb.store\n", "imports sdl_gate.vulndb.store when loaded"),
        ("def _database_path(cache):\n    return cache\n", "defines _database_path()"),
        ("class Renderer:\n    pass\n", "defines class Renderer"),
    ],
)
def test_the_rule_catches_library_work_in_a_command_module(source: str, found: str) -> None:
    (problem,) = library_work("deps.py", ast.parse(source))
    assert found in problem


def test_the_rule_lets_commands_lazy_imports_and_click_types_through() -> None:
    source = (
        "import click\n"
        "from sdl_gate.errors import InputError\n"
        "class _Group(click.Group):\n    pass\n"
        "@click.command()\ndef deps():\n    from sdl_gate.precommit import dependency_audit\n"
        "@deps.command('x')\ndef sub():\n    pass\n"
    )
    assert library_work("deps.py", ast.parse(source)) == []
