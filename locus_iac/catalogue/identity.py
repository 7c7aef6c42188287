"""Projects, users and bearer tokens.

Passwords are stored as argon2id hashes. Tokens are 256-bit random secrets handed out once;
only their SHA-256 is stored (a fast hash suffices for a high-entropy secret and keeps the
per-request lookup cheap). A token is bound to one project: every catalogue resource the
caller touches belongs to that project.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from locus_iac.catalogue.models import (
    MembershipRow,
    PackageRow,
    ProjectRow,
    SiteRow,
    TokenRow,
    UserRow,
    utcnow,
)
from locus_iac.errors import AuthError, Conflict, Forbidden, Issue, NotFound, ValidationError

log = logging.getLogger(__name__)

ADMIN = "admin"
_hasher = PasswordHasher()


@functools.cache
def _unknown_user_hash() -> str:
    """A hash to verify against for unknown usernames (same cost as for a known one).

    Made on first use, not at import: every worker process and CLI command imports this
    module, and one argon2 hash costs about 0.2 s of CPU on four threads.
    """
    return _hasher.hash("no such user")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, in which project (resolved from a bearer token)."""

    token_id: str
    user_id: str
    username: str
    project_id: str
    project_name: str
    admin: bool
    expires: datetime

    def require_admin(self) -> None:
        if not self.admin:
            raise Forbidden("this operation needs an administrator")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    secret: str
    caller: Caller
    issued_at: datetime


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_ok(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- projects -------------------------------------------------------------------------------


def create_project(session: Session, name: str) -> ProjectRow:
    if session.scalar(select(ProjectRow).where(ProjectRow.name == name)) is not None:
        raise Conflict(f"project {name!r} already exists")
    row = ProjectRow(name=name)
    session.add(row)
    session.flush()
    return row


def find_project(session: Session, ref: str) -> ProjectRow:
    """A project by id or by name."""
    row = session.get(ProjectRow, ref) or session.scalar(
        select(ProjectRow).where(ProjectRow.name == ref)
    )
    if row is None:
        raise NotFound(f"project {ref!r} not found")
    return row


def list_projects(session: Session) -> list[ProjectRow]:
    return list(session.scalars(select(ProjectRow).order_by(ProjectRow.name)))


def delete_project(session: Session, ref: str) -> None:
    """Delete an empty project (its memberships and tokens go with it); 409 otherwise."""
    row = find_project(session, ref)
    if row.name == ADMIN:
        raise Conflict("the admin project cannot be deleted")
    owned = sum(
        session.scalar(select(func.count()).where(model.project_id == row.id)) or 0
        for model in (PackageRow, SiteRow)
    )
    if owned:
        raise Conflict(f"project {row.name!r} still owns {owned} package(s) or site(s)")
    session.delete(row)
    session.flush()


# -- users ----------------------------------------------------------------------------------


def create_user(
    session: Session, username: str, password: str, projects: list[str], *, admin: bool = False
) -> UserRow:
    if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    project_rows = _member_projects(session, projects)
    user = UserRow(username=username, password_hash=hash_password(password), is_admin=admin)
    session.add(user)
    session.flush()
    for project in project_rows:
        session.add(MembershipRow(user_id=user.id, project_id=project.id))
    session.flush()
    return user


def _member_projects(session: Session, refs: list[str]) -> list[ProjectRow]:
    """The projects a user's request names (id or name); an unknown one is invalid input
    (422 with a pointer to it), not a missing resource: the request's URL exists."""
    found: list[ProjectRow] = []
    issues: list[Issue] = []
    for index, ref in enumerate(refs):
        try:
            found.append(find_project(session, ref))
        except NotFound as exc:
            issues.append(Issue(f"/projects/{index}", "unknown-project", str(exc)))
    if issues:
        raise ValidationError("the user names projects that do not exist", issues)
    return found


def find_user(session: Session, ref: str) -> UserRow:
    row = session.get(UserRow, ref) or session.scalar(
        select(UserRow).where(UserRow.username == ref)
    )
    if row is None:
        raise NotFound(f"user {ref!r} not found")
    return row


def user_projects(session: Session, user_id: str) -> list[ProjectRow]:
    query = (
        select(ProjectRow)
        .join(MembershipRow, MembershipRow.project_id == ProjectRow.id)
        .where(MembershipRow.user_id == user_id)
        .order_by(ProjectRow.name)
    )
    return list(session.scalars(query))


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def update_user(
    session: Session, ref: str, *, password: str | None, projects: list[str] | None
) -> UserRow:
    user = find_user(session, ref)
    if password is not None:
        user.password_hash = hash_password(password)
        session.execute(delete(TokenRow).where(TokenRow.user_id == user.id))
    if projects is not None:
        rows = _member_projects(session, projects)
        session.execute(delete(MembershipRow).where(MembershipRow.user_id == user.id))
        for project in rows:
            session.add(MembershipRow(user_id=user.id, project_id=project.id))
    session.flush()
    return user


def delete_user(session: Session, ref: str, *, caller: Caller) -> None:
    user = find_user(session, ref)
    if user.id == caller.user_id:
        raise Conflict("you cannot delete your own user")
    session.delete(user)
    session.flush()


def ensure_admin(session: Session, password: str | None) -> bool:
    """Create project ``admin`` and user ``admin`` if missing; True when created.

    Raises :class:`AuthError` when the admin user is missing and no password is given.
    """
    if session.scalar(select(UserRow).where(UserRow.username == ADMIN)) is not None:
        return False
    if not password:
        raise AuthError(
            "no admin user exists yet: set LOCUS_ADMIN_PASSWORD to create user 'admin' "
            "on first start"
        )
    project = session.scalar(select(ProjectRow).where(ProjectRow.name == ADMIN))
    if project is None:
        project = create_project(session, ADMIN)
    create_user(session, ADMIN, password, [project.id], admin=True)
    log.info("created user 'admin' in project 'admin'")
    return True


# -- tokens ---------------------------------------------------------------------------------


def issue_token(
    session: Session, username: str, password: str, project: str | None, lifetime: timedelta
) -> IssuedToken:
    """Check the credentials and issue a token for ``project`` (default: the first one)."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    stored = user.password_hash if user is not None else _unknown_user_hash()
    if not _password_ok(stored, password) or user is None:
        raise AuthError("wrong username or password")
    memberships = user_projects(session, user.id)
    if project is not None:
        memberships = [p for p in memberships if project in (p.id, p.name)]
    if not memberships:
        where = "any project" if project is None else f"project {project!r}"
        raise Forbidden(f"user {username!r} is not a member of {where}")
    chosen = memberships[0]
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = TokenRow(
        token_hash=_token_hash(secret),
        user_id=user.id,
        project_id=chosen.id,
        issued_at=now,
        expires_at=now + lifetime,
        revoked=False,
    )
    session.add(row)
    session.flush()
    caller = Caller(
        row.id, user.id, user.username, chosen.id, chosen.name, user.is_admin, row.expires_at
    )
    return IssuedToken(secret=secret, caller=caller, issued_at=now)


def authenticate(session: Session, secret: str) -> Caller:
    """Resolve a bearer token into the caller's *current* grants.

    The token only says who is calling and in which project they asked to work; what they
    may do is read from the catalogue at every request: the user must still exist and still
    be a member of that project (:class:`Forbidden` otherwise, as a fresh login would be),
    and the administrator role is the user's role now, not when the token was issued.
    :class:`AuthError` if the token is unknown, revoked or expired.
    """
    # one round trip per request: the token with its user, project and (maybe) membership
    found = session.execute(
        select(TokenRow, UserRow, ProjectRow, MembershipRow.user_id)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .join(ProjectRow, ProjectRow.id == TokenRow.project_id)
        .outerjoin(
            MembershipRow,
            (MembershipRow.user_id == TokenRow.user_id)
            & (MembershipRow.project_id == TokenRow.project_id),
        )
        .where(TokenRow.token_hash == _token_hash(secret))
    ).first()
    if found is None or found[0].revoked:
        raise AuthError("invalid or revoked token")
    row, user, project, member = found
    if row.expires_at <= utcnow():
        raise AuthError("token expired")
    if member is None:
        raise Forbidden(f"user {user.username!r} is no longer a member of project {project.name!r}")
    return Caller(
        row.id, user.id, user.username, project.id, project.name, user.is_admin, row.expires_at
    )


def list_tokens(session: Session, caller: Caller) -> list[tuple[TokenRow, UserRow, ProjectRow]]:
    """The caller's live tokens with their user and project (an administrator sees all)."""
    query = (
        select(TokenRow, UserRow, ProjectRow)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .join(ProjectRow, ProjectRow.id == TokenRow.project_id)
        .where(TokenRow.revoked.is_(False), TokenRow.expires_at > utcnow())
    )
    if not caller.admin:
        query = query.where(TokenRow.user_id == caller.user_id)
    return [(t, u, p) for t, u, p in session.execute(query.order_by(TokenRow.issued_at))]


def find_token(
    session: Session, token_id: str, caller: Caller
) -> tuple[TokenRow, UserRow, ProjectRow]:
    row = session.get(TokenRow, token_id)
    if row is None or row.revoked or (not caller.admin and row.user_id != caller.user_id):
        raise NotFound(f"token {token_id!r} not found")
    user = session.get(UserRow, row.user_id)
    project = session.get(ProjectRow, row.project_id)
    if user is None or project is None:
        raise NotFound(f"token {token_id!r} not found")
    return row, user, project


def revoke_token(session: Session, token_id: str, caller: Caller) -> None:
    find_token(session, token_id, caller)[0].revoked = True
    session.flush()
