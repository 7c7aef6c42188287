"""Request and response bodies of ``/admin/v1``: tokens, users, projects (OSM NBI names)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class TokenRequest(_In):
    username: Annotated[str, Field(min_length=1, max_length=255)]
    password: Password
    project_id: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class TokenInfo(_Out):
    """A token. ``id`` (the bearer secret) is only present in the answer to its creation."""

    id: str | None = Field(default=None, description="the bearer token itself")
    token_id: str = Field(alias="_id", description="public id (GET/DELETE /admin/v1/tokens/{id})")
    expires: float = Field(description="expiry, seconds since the epoch (OSM)")
    issued_at: float
    project_id: str
    project_name: str
    username: str
    user_id: str
    admin: bool


class ProjectIn(_In):
    name: Name


class ProjectOut(_Out):
    id: str
    object_id: str = Field(alias="_id")
    name: str
    created: float


class UserIn(_In):
    username: Name
    password: Password
    projects: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, description="project names or ids"
    )
    admin: bool = False


class UserPatch(_In):
    password: Password | None = None
    projects: list[Annotated[str, Field(min_length=1, max_length=255)]] | None = None


class UserOut(_Out):
    id: str
    object_id: str = Field(alias="_id")
    username: str
    projects: list[str]
    admin: bool
    created: float


class ObjectId(_Out):
    id: str
