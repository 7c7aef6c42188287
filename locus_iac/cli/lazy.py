"""Lazy sub-commands: a command's module is imported only when that command runs.

``locus --help`` lists every command from a small registry of :class:`LazyEntry` (name,
``module:attribute``, one-line help) without importing any of them; the commands' modules
pull in Pulumi, SQLAlchemy, FastAPI and the descriptor models, which cost a second or more
at start-up. The group is Click's documented extension point (a custom group class whose
``resolve_command`` loads the command on demand), passed to Typer as ``cls``.

In the group's listing (help, shell completion) an entry stands as a :class:`LazyCommand`
(name and help only). When the command is resolved to run (including ``locus <name>
--help``), :meth:`LazyCommand.load` imports the module and builds the real command exactly
as ``add_typer`` / ``command`` would have built it in the parent, and the group keeps it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyEntry:
    """One sub-command of a lazy group.

    ``target`` is ``"module:attribute"``: a ``typer.Typer`` (a sub-group, as ``add_typer``)
    or a function (one command, as ``app.command``). ``help`` is what the parent's listing
    shows; it must equal the loaded command's own help (``tests/cli/test_startup.py``).
    """

    name: str
    target: str
    help: str

    def load(self) -> Any:
        """The Typer app or the function ``target`` names (imports its module)."""
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


class LazyCommand(TyperCommand):
    """An entry's stand-in in its group's listing: name and help, no import."""

    def __init__(self, entry: LazyEntry) -> None:
        super().__init__(name=entry.name, help=entry.help)
        self.entry = entry

    def load(self) -> Any:
        """The real command (a Click command or group), built as the parent would build it."""
        target = self.entry.load()
        parent = typer.Typer(add_completion=False)
        if isinstance(target, typer.Typer):
            parent.add_typer(target, name=self.entry.name)
        else:
            parent.command(self.entry.name)(target)
        return typer.main.get_group(parent).commands[self.entry.name]


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands in ``entries`` load when resolved, not at start.

    Subclass it with ``entries`` set and pass the subclass as ``typer.Typer(cls=...)``;
    commands registered on the Typer app the usual way stay eager and are listed after.
    """

    entries: ClassVar[tuple[LazyEntry, ...]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        lazy = {entry.name: LazyCommand(entry) for entry in self.entries}
        self.commands = {**lazy, **self.commands}  # listed first, then the eager ones

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, LazyCommand):
            command = self.commands[name] = command.load()
        return name, command, rest
