"""``/admin/v1/vim_accounts`` and ``/admin/v1/k8sclusters``: registering sites (OSM NBI).

Credentials (``vim_password``, ``credentials``) are encrypted at rest and never returned:
responses carry the public settings only (``vim_password`` is absent from every answer).

A VIM account is checked against its Keystone before it is stored
(:func:`locus_iac.sites.check_account`): a wrong password, an unreachable auth URL, an
unknown project, missing roles or catalog services answer 422 naming the field. OSM does
not check at creation; ``?check=false`` (``locus site add openstack --no-check``) or the
server setting ``LOCUS_VIM_CHECK=false`` registers without asking Keystone.

A site that an NS instance is deployed on (or being deployed on) cannot be deleted: 409.

Answers carry OSM's ``_admin`` block too (``operationalState`` ``ENABLED``: a registered site
is usable at once; ``projects_read``, ``created``/``modified``), which OSM's client reads.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from locus_iac import catalogue as cat
from locus_iac.catalogue.models import SiteRow
from locus_iac.errors import Conflict
from locus_iac.lcm.inputs import instances_on_site
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.osm.records import admin
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.nbi.schemas_admin import K8sClusterRegistration, VimAccountRegistration
from locus_iac.sites import OpenStackAccount, check_account

router = PrefixRouter(prefix="/admin/v1", tags=["sites"], route_class=YamlBodyRoute)
Ref = Annotated[str, Path(min_length=1, max_length=255)]
Check = Annotated[
    bool,
    Query(description="locus: check the credentials against Keystone first (default true)"),
]


class SiteOut(BaseModel):
    """A registered site without its credentials."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True, extra="allow")

    id: str
    object_id: str = Field(alias="_id")
    name: str
    created: float
    project_id: str


def _out(row: SiteRow) -> SiteOut:
    public: dict[str, Any] = dict(row.public)
    public.pop("name", None)
    return SiteOut.model_validate(
        {
            **public,
            "id": row.id,
            "_id": row.id,
            "name": row.name,
            "created": row.created_at.timestamp(),
            "project_id": row.project_id,
            "_admin": admin(row.project_id, row.created_at, row.created_at, "ENABLED"),
        }
    )


def _register(
    svc: ServicesDep, who: cat.Caller, site: cat.VimAccountIn | cat.K8sClusterIn
) -> SiteRow:
    with svc.db.session() as session:
        return cat.register_site(session, svc.box, who.project_id, site)


@router.post("/vim_accounts", response_model=SiteOut, status_code=status.HTTP_201_CREATED)
def create_vim_account(
    body: VimAccountRegistration,
    who: CallerDep,
    svc: ServicesDep,
    response: Response,
    check: Check = True,
) -> SiteOut:
    """Register an OpenStack project (auth URL, project, user, password or application
    credential, domains, region, CA, networks), checked against Keystone first."""
    account = OpenStackAccount.from_registration(body)  # a usable auth URL, checked or not
    if check and svc.settings.vim_check:
        check_account(account)
    row = _register(svc, who, body)
    response.headers["Location"] = f"/admin/v1/vim_accounts/{row.id}"
    return _out(row)


@router.post("/k8sclusters", response_model=SiteOut, status_code=status.HTTP_201_CREATED)
def create_k8s_cluster(
    body: K8sClusterRegistration, who: CallerDep, svc: ServicesDep, response: Response
) -> SiteOut:
    """Register a Kubernetes cluster (kubeconfig, namespace, Multus interface and nets)."""
    row = _register(svc, who, body)
    response.headers["Location"] = f"/admin/v1/k8sclusters/{row.id}"
    return _out(row)


def _routes(collection: str, kind: cat.SiteType) -> None:
    @router.get(f"/{collection}", response_model=list[SiteOut], name=f"list_{collection}")
    def list_sites(who: CallerDep, svc: ServicesDep) -> list[SiteOut]:
        with svc.db.session(readonly=True) as session:
            return [_out(row) for row in cat.list_sites(session, who.project_id, kind)]

    @router.get(f"/{collection}/{{site_id}}", response_model=SiteOut, name=f"get_{collection}")
    def get_site(site_id: Ref, who: CallerDep, svc: ServicesDep) -> SiteOut:
        with svc.db.session(readonly=True) as session:
            return _out(cat.find_site(session, who.project_id, kind, site_id))

    @router.delete(
        f"/{collection}/{{site_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        name=f"delete_{collection}",
    )
    def delete_site(site_id: Ref, who: CallerDep, svc: ServicesDep) -> Response:
        with svc.db.session() as session:
            row = cat.find_site(session, who.project_id, kind, site_id)
            users = instances_on_site(session, who.project_id, row)
            if users:
                raise Conflict(
                    f"{kind.value} {row.name!r} is in use by NS instance(s) "
                    f"{', '.join(users)}: terminate them first"
                )
            cat.delete_site(session, who.project_id, kind, row.id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


_routes("vim_accounts", cat.SiteType.VIM_ACCOUNT)
_routes("k8sclusters", cat.SiteType.K8S_CLUSTER)
