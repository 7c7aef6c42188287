"""Configuration of the NS stack, validated before anything is declared."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class NsConfig(BaseModel):
    """Keys of ``locus-ns``: ``planFile`` (written by ``locus ns export``; relative to this
    folder) and per-site access overrides: ``clouds`` (site -> clouds.yaml entry),
    ``kubeconfigs`` (site -> path, ``$VARS`` and ``~`` expanded), ``contexts``."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    plan_file: Path
    clouds: dict[str, str] = Field(default_factory=dict)
    kubeconfigs: dict[str, str] = Field(default_factory=dict)
    contexts: dict[str, str] = Field(default_factory=dict)
