/* LOCUS MANO console, the services page. Loaded in order by index.html (classic scripts sharing one
 * global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js. Data is inserted as text (textContent), never as HTML. */
"use strict";

/* ---- services ----------------------------------------------------------------------- */
function instantiateCard(nsds, siteNames) {
  const name = h("input", { id: "ns-name", required: true, value: "" });
  const nsd = h("select", { id: "ns-nsd" }, nsds.map((d) => h("option", { value: d.nsdId || d.id }, d.nsdId || d.id)));
  const site = h("select", { id: "ns-site" }, h("option", { value: "" }, "automatic placement"),
    siteNames.map((s) => h("option", { value: s }, s)));
  const extra = h("textarea", { id: "ns-params", rows: 3, spellcheck: "false", placeholder: '{"placement": {"edge": "edge"}}' });
  const out = h("div", { "aria-live": "polite" });
  const submit = async (e) => {
    e.preventDefault(); out.replaceChildren();
    const body = { nsName: name.value, nsdId: nsd.value };
    if (site.value) body.vimAccountId = site.value;
    if (extra.value.trim()) {
      try { body.additionalParams = JSON.parse(extra.value); } catch (err) {
        out.append(h("p", { class: "error", role: "alert" }, `additionalParams is not JSON: ${err.message}`)); return;
      }
    }
    if (!(await confirmAction(`Instantiate ${body.nsdId} as ${body.nsName}${site.value ? " on " + site.value : ""}?`))) return;
    const res = await api("POST", "/nslcm/v1/ns_instances_content", body);
    if (res.ok) window.location.hash = `#/op/${res.data.nsLcmOpOccId}`; else out.append(problemView(res.data));
  };
  return h("form", { class: "card", id: "instantiate-form", onsubmit: submit }, h("h2", {}, "Instantiate an NS"),
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: "ns-name" }, "Name"), name),
      h("div", {}, h("label", { for: "ns-nsd" }, "NS descriptor"), nsd),
      h("div", {}, h("label", { for: "ns-site" }, "Site"), site)),
    h("label", { for: "ns-params" }, "additionalParams (JSON, optional)"), extra,
    h("div", { class: "row" }, h("button", { type: "submit", id: "ns-submit", disabled: nsds.length ? null : true }, "Instantiate")), out);
}
async function services() {
  const [ns, nsi, nsds, k8s, vim, nsts] = await Promise.all([api("GET", "/nslcm/v1/ns_instances"),
    api("GET", "/nsilcm/v1/netslice_instances"), api("GET", "/nsd/v1/ns_descriptors"),
    api("GET", "/admin/v1/k8sclusters"), api("GET", "/admin/v1/vim_accounts"), api("GET", "/nst/v1/netslice_templates")]);
  const box = h("div", {}, h("h1", {}, "Services"));
  const list = ns.ok ? ns.data : [];
  box.append(h("h2", {}, "NS instances"), list.length ? table(["name", "NSD", "state", "operation", "created"],
    list.map((i) => [h("a", { href: `#/ns/${i.id}`, class: "ns-link" }, i.nsInstanceName), i.nsdId, badge(i.nsState),
      i.currentOperation || "IDLE", new Date(i["create-time"] * 1000).toLocaleString()])) : h("p", { class: "hint" }, "No NS instance."));
  const slices = nsi.ok ? nsi.data : [];
  box.append(h("h2", {}, "Netslice instances"), slices.length ? table(["name", "NST", "state"],
    slices.map((i) => [h("a", { href: `#/nsi/${i.id}`, class: "nsi-link" }, i.nsiName), i.nstId, badge(i.nsiState)]))
    : h("p", { class: "hint" }, "No netslice instance."));
  const onboarded = (nsds.ok ? nsds.data : []).filter((d) => d.nsdOnboardingState === "ONBOARDED");
  const siteNames = [].concat(k8s.ok ? k8s.data : [], vim.ok ? vim.data : []).map((s) => s.name);
  box.append(instantiateCard(onboarded, siteNames));
  box.append(netsliceCard((nsts.ok ? nsts.data : []).filter((t) => t.onboardingState === "ONBOARDED"), siteNames));
  return box;
}

function netsliceCard(nsts, siteNames) {
  const name = h("input", { id: "nsi-name", required: true });
  const nst = h("select", { id: "nsi-nst" }, nsts.map((t) => h("option", { value: t.nstId || t.id }, t.nstId || t.id)));
  const site = h("select", { id: "nsi-site" }, h("option", { value: "" }, "automatic placement"),
    siteNames.map((s) => h("option", { value: s }, s)));
  const subnets = h("textarea", { id: "nsi-subnets", rows: 3, spellcheck: "false",
    placeholder: '[{"id": "edge_nss", "vimAccountId": "edge"}, {"id": "cloud_nss", "vimAccountId": "core"}]' });
  const out = h("div", { "aria-live": "polite" });
  const submit = async (e) => {
    e.preventDefault(); out.replaceChildren();
    const body = { nsiName: name.value, nstId: nst.value };
    if (site.value) body.vimAccountId = site.value;
    if (subnets.value.trim()) {
      try { body["netslice-subnet"] = JSON.parse(subnets.value); } catch (err) {
        out.append(h("p", { class: "error", role: "alert" }, `netslice-subnet is not JSON: ${err.message}`)); return;
      }
    }
    if (!(await confirmAction(`Instantiate netslice ${body.nstId} as ${body.nsiName}?`))) return;
    const res = await api("POST", "/nsilcm/v1/netslice_instances_content", body);
    if (res.ok) window.location.hash = `#/nsiop/${res.data.nsiLcmOpOccId}`; else out.append(problemView(res.data));
  };
  return h("form", { class: "card", id: "netslice-form", onsubmit: submit }, h("h2", {}, "Instantiate a netslice"),
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: "nsi-name" }, "Name"), name),
      h("div", {}, h("label", { for: "nsi-nst" }, "Netslice template"), nst),
      h("div", {}, h("label", { for: "nsi-site" }, "Default site"), site)),
    h("label", { for: "nsi-subnets" }, "Per-subnet parameters (JSON list, optional)"), subnets,
    h("div", { class: "row" }, h("button", { type: "submit", id: "nsi-submit", disabled: nsts.length ? null : true }, "Instantiate")), out);
}
