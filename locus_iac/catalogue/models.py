"""SQLAlchemy 2 tables of the catalogue: identity, packages, sites.

Every catalogue resource carries ``project_id``: a project never sees another project's rows.
Package content (the uploaded archive or YAML) lives in ``package_blobs``, in the database,
so that an onboarding is one transaction: the blob, the metadata and the cross-references
commit together or not at all (no orphan files, one thing to back up). The column is
deferred so that listing packages never reads content.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class ProjectRow(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipRow(Base):
    __tablename__ = "memberships"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )


class TokenRow(Base):
    """A bearer token; only its SHA-256 is stored (tokens are 256-bit random secrets)."""

    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE")
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class PackageRow(Base):
    """One VNF package, NSD package or netslice template (``kind``) of a project."""

    __tablename__ = "packages"
    __table_args__ = (
        UniqueConstraint("project_id", "kind", "descriptor_id", name="uq_packages_descriptor"),
        Index("ix_packages_page", "project_id", "kind", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    onboarding_state: Mapped[str] = mapped_column(String(16))
    operational_state: Mapped[str] = mapped_column(String(16))
    user_defined_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    descriptor_id: Mapped[str | None] = mapped_column(String(255))
    descriptor_name: Mapped[str | None] = mapped_column(String(255))
    descriptor_version: Mapped[str | None] = mapped_column(String(255))
    provider: Mapped[str | None] = mapped_column(String(255))
    descriptor_yaml: Mapped[str | None] = mapped_column(Text, deferred=True)
    content_type: Mapped[str | None] = mapped_column(String(64))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    content_size: Mapped[int | None] = mapped_column()
    software_version: Mapped[str | None] = mapped_column(String(255))
    artifacts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    software_images: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """SOL005 VnfPackageSoftwareImageInfo of each ``sw-image-desc`` (VNF packages)."""
    onboarding_failure: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """SOL005 ``onboardingFailureDetails`` of the last failed upload_from_uri (ERROR state)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PackageBlobRow(Base):
    __tablename__ = "package_blobs"

    package_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PackageRefRow(Base):
    """``package_id`` (onboarded) references descriptor ``descriptor_id`` of ``kind``."""

    __tablename__ = "package_refs"
    __table_args__ = (Index("ix_package_refs_target", "project_id", "kind", "descriptor_id"),)

    package_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    descriptor_id: Mapped[str] = mapped_column(String(255), primary_key=True)


class SiteRow(Base):
    """A registered VIM account (OpenStack) or Kubernetes cluster; secrets Fernet-encrypted."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("project_id", "kind", "name", name="uq_sites_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    public: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
