"""Subscriptions to SOL005 notifications (NSD management, VNF package management, NS
lifecycle): the table. The API is :mod:`locus_iac.notifications`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from locus_iac.catalogue.models import Base, new_id, utcnow


class SubscriptionRow(Base):
    """One subscription of one project to the notifications of one API.

    ``auth`` is the ``authentication`` of the request (credentials included) sealed with the
    :class:`~locus_iac.catalogue.secrets.SecretBox`; it is never returned. ``fingerprint``
    identifies the (api, callbackUri, filter) so that an identical subscription is found.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_page", "project_id", "api", "created_at", "id"),
        Index("ix_subscriptions_fingerprint", "project_id", "fingerprint"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE")
    )
    api: Mapped[str] = mapped_column(String(16))
    callback_uri: Mapped[str] = mapped_column(Text)
    filter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64))
    verbosity: Mapped[str | None] = mapped_column(String(8))
    auth: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
