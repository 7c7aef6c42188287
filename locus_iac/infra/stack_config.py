"""Read a Pulumi stack's configuration into a pydantic model, up front.

Each ``stacks/*/config.py`` declares a model whose field aliases are the config keys
(camelCase, as ``pulumi config set`` writes them). :func:`read_stack_config` reads every
key of the model from the project's namespace (structured values are JSON), validates them
all at once and raises :class:`ValidationError` whose issue paths name the config keys
(``/locus-tenant:externalNetwork``), so a wrong ``Pulumi.<stack>.yaml`` fails before any
resource is declared. Secrets are not read here: use ``Config.require_secret``.
"""

from __future__ import annotations

import json
import os
from typing import Any, TypeVar

import pulumi
import pydantic

from locus_iac.errors import Issue, ValidationError, json_pointer

M = TypeVar("M", bound=pydantic.BaseModel)


def _value(raw: str) -> Any:
    """Structured values (objects, lists) arrive as JSON; scalars stay text and pydantic
    converts them (``"51820"`` -> 51820), so a numeric-looking name stays a name."""
    if raw.lstrip().startswith(("{", "[")):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def read_stack_config(model: type[M], config: pulumi.Config | None = None) -> M:
    """Validate the project's config against ``model``; every problem in one error."""
    cfg = config or pulumi.Config()
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        raw = cfg.get(key)
        if raw is not None:
            data[key] = _value(raw)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            head = f"{cfg.name}:{loc[0]}" if loc else cfg.name
            code = "missing-config" if err["type"] == "missing" else "invalid-config"
            message = err["msg"]
            if err["type"] == "missing":
                message = f"set it with: pulumi config set {loc[0] if loc else ''}"
            issues.append(Issue(json_pointer(head, *loc[1:]), code, message))
        raise ValidationError(f"stack configuration of {cfg.name} is invalid", issues) from None


def expand_path(value: str, key: str, *subpath: str) -> str:
    """``~`` and ``$VARS`` expanded; a variable that is not set is an error naming the
    config key (rather than a provider failing later on a literal ``${...}`` path)."""
    expanded = os.path.expanduser(os.path.expandvars(value))
    if "$" in expanded:
        raise ValidationError(
            f"config {key}: {value!r} names an environment variable that is not set",
            [Issue(json_pointer(key, *subpath), "unset-variable", f"{value}: unset variable")],
        )
    return expanded
