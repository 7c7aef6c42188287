"""``/admin/v1`` users, projects and tokens."""

from __future__ import annotations

from .harness import Api, login


def test_users_and_projects_crud(api: Api) -> None:
    project = api.post("/admin/v1/projects", json={"name": "nxw"})
    assert project.status_code == 201
    assert project.headers["Location"].endswith(project.json()["id"])
    assert api.post("/admin/v1/projects", json={"name": "nxw"}).status_code == 409
    assert {p["name"] for p in api.get("/admin/v1/projects").json()} == {"admin", "nxw"}

    user = api.post(
        "/admin/v1/users", json={"username": "eve", "password": "p1", "projects": ["nxw"]}
    )
    assert user.status_code == 201, user.text
    assert "p1" not in user.text and "password" not in user.json()
    assert user.json()["projects"] == ["nxw"]
    unknown = api.post(  # a body naming a missing project is invalid input, not a missing URL
        "/admin/v1/users", json={"username": "x", "password": "p", "projects": ["nxw", "no"]}
    )
    assert unknown.status_code == 422, unknown.text
    assert [e["path"] for e in unknown.json()["errors"]] == ["/projects/1"]
    assert api.get("/admin/v1/users/x").status_code == 404  # nothing was created
    bad_move = api.patch(f"/admin/v1/users/{user.json()['id']}", json={"projects": ["gone"]})
    assert bad_move.status_code == 422 and bad_move.json()["errors"][0]["path"] == "/projects/0"

    eve = login(api.client, "eve", "p1")
    moved = api.patch(f"/admin/v1/users/{user.json()['id']}", json={"projects": ["admin", "nxw"]})
    assert moved.json()["projects"] == ["admin", "nxw"]
    api.patch("/admin/v1/users/eve", json={"password": "p2"})
    assert api.client.get("/admin/v1/tokens", headers=eve).status_code == 401  # revoked
    scoped = api.client.post(
        "/admin/v1/tokens", json={"username": "eve", "password": "p2", "project_id": "nxw"}
    )
    assert scoped.json()["project_name"] == "nxw" and scoped.json()["admin"] is False

    own = api.get("/admin/v1/users/admin").json()["id"]
    assert api.delete(f"/admin/v1/users/{own}").status_code == 409
    assert api.delete("/admin/v1/users/eve").status_code == 204
    assert api.get("/admin/v1/users/eve").status_code == 404
    assert api.delete("/admin/v1/projects/admin").status_code == 409
    assert api.delete("/admin/v1/projects/nxw").status_code == 204


def test_tokens_list_get_and_revoke_by_id(api: Api) -> None:
    second = api.client.post("/admin/v1/tokens", json={"username": "admin", "password": "admin-pw"})
    public_id = second.json()["_id"]
    listed = api.get("/admin/v1/tokens").json()
    assert public_id in {t["_id"] for t in listed}
    assert all("id" not in t for t in listed)  # the bearer secret is shown once only
    assert api.get(f"/admin/v1/tokens/{public_id}").json()["username"] == "admin"
    assert api.delete(f"/admin/v1/tokens/{public_id}").status_code == 204
    bearer = {"Authorization": f"Bearer {second.json()['id']}"}
    assert api.client.get("/nsd/v1/ns_descriptors", headers=bearer).status_code == 401
    assert api.get(f"/admin/v1/tokens/{public_id}").status_code == 404


def test_malformed_bodies_are_problems(api: Api) -> None:
    """SOL013 clause 6.4: not JSON at all is 400; JSON that fails the schema is 422."""
    garbled = api.post(
        "/admin/v1/tokens", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 400, garbled.text
    assert garbled.headers["content-type"] == "application/problem+json"
    response = api.post("/admin/v1/tokens", json={"username": "admin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "/body/password"
    extra = api.post("/nsd/v1/ns_descriptors", json={"bogus": 1})
    assert extra.status_code == 422 and extra.headers["content-type"] == "application/problem+json"
    assert api.get("/no/such/path").json()["status"] == 404
