"""The console's session over HTTP: log-in form, HttpOnly cookie, CSRF on state changes,
log-out, project isolation, page headers (no browser needed)."""

from __future__ import annotations

import httpx

from locus_iac.nbi.ui.session import CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE

from .conftest import PASSWORD, bearer, console_login


def _set_cookie(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, response.headers
    return found[0]


def test_login_sets_an_httponly_strict_cookie_and_no_token_in_the_page(
    console: httpx.Client,
) -> None:
    form = console.get("/ui/login")
    assert "HttpOnly" in _set_cookie(form, LOGIN_COOKIE)
    nonce = form.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    done = console.post(
        "/ui/login", data={"username": "admin", "password": PASSWORD, "nonce": nonce}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/ui/"
    cookie = _set_cookie(done, SESSION_COOKIE)
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    token = console.cookies[SESSION_COOKIE]
    shell = console.get("/ui/")
    assert shell.status_code == 200
    assert token not in shell.text
    assert "script-src 'self'" in shell.headers["content-security-policy"]
    session = console.get("/ui/session").json()
    assert session["username"] == "admin"
    assert token not in str(session)


def test_wrong_password_and_stale_form_are_refused(console: httpx.Client) -> None:
    form = console.get("/ui/login")
    nonce = form.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    wrong = console.post("/ui/login", data={"username": "admin", "password": "x", "nonce": nonce})
    assert wrong.status_code == 401
    assert SESSION_COOKIE not in console.cookies
    assert 'role="alert"' in wrong.text
    forged = console.post(
        "/ui/login", data={"username": "admin", "password": PASSWORD, "nonce": "forged"}
    )
    assert forged.status_code == 403
    assert SESSION_COOKIE not in console.cookies


def test_shell_without_session_goes_to_the_login_form(console: httpx.Client) -> None:
    response = console.get("/ui/")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login"


def test_state_change_without_csrf_token_is_refused(console: httpx.Client) -> None:
    csrf = console_login(console)
    body = {"name": "without-csrf"}
    refused = console.post("/nsd/v1/ns_descriptors", json=body)
    assert refused.status_code == 403
    assert CSRF_HEADER in refused.json()["detail"]
    wrong = console.post("/nsd/v1/ns_descriptors", json=body, headers={CSRF_HEADER: "0" * 64})
    assert wrong.status_code == 403
    assert console.get("/nsd/v1/ns_descriptors").json() == []  # nothing was created
    accepted = console.post("/nsd/v1/ns_descriptors", json=body, headers={CSRF_HEADER: csrf})
    assert accepted.status_code == 201, accepted.text
    assert [p["name"] for p in console.get("/nsd/v1/ns_descriptors").json()] == ["without-csrf"]


def test_logout_needs_csrf_and_revokes_the_token(console: httpx.Client) -> None:
    csrf = console_login(console)
    token = console.cookies[SESSION_COOKIE]
    assert console.post("/ui/logout").status_code == 403
    assert console.get("/ui/session").status_code == 200
    done = console.post("/ui/logout", headers={CSRF_HEADER: csrf})
    assert done.status_code == 204
    assert SESSION_COOKIE not in console.cookies
    reused = console.get("/nsd/v1/ns_descriptors", headers={"Authorization": f"Bearer {token}"})
    assert reused.status_code == 401  # revoked on the server, not only forgotten


def test_bearer_clients_need_no_csrf_token(live_url: str) -> None:
    created = httpx.post(
        f"{live_url}/nsd/v1/ns_descriptors", json={"name": "api"}, headers=bearer(live_url)
    )
    assert created.status_code == 201, created.text


def test_another_project_sees_nothing(live_url: str, console: httpx.Client) -> None:
    admin = bearer(live_url)
    assert httpx.post(f"{live_url}/admin/v1/projects", json={"name": "other"}, headers=admin)
    user = {"username": "olga", "password": "olga-pw-12345", "projects": ["other"]}
    created = httpx.post(f"{live_url}/admin/v1/users", json=user, headers=admin)
    assert created.status_code == 201, created.text
    httpx.post(f"{live_url}/nsd/v1/ns_descriptors", json={"name": "admins"}, headers=admin)
    console_login(console, "olga", "olga-pw-12345")
    assert console.get("/ui/session").json()["project_name"] == "other"
    assert console.get("/nsd/v1/ns_descriptors").json() == []
    assert console.get("/admin/v1/users").status_code == 403
