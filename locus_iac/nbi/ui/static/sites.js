/* LOCUS MANO console, the sites page. Loaded in order by index.html (classic scripts sharing one
 * global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js. Data is inserted as text (textContent), never as HTML. */
"use strict";

/* ---- sites -------------------------------------------------------------------------- */
async function siteRows(kind, collection) {
  const res = await api("GET", `/admin/v1/${collection}`);
  return res.ok ? res.data.map((s) => Object.assign({ kind }, s)) : [];
}
async function checkReach(site, cell) {
  cell.replaceChildren("checking…");
  const res = await api("GET", `/ui/sites/${site.kind}/${encodeURIComponent(site.id)}/reachability`);
  if (!res.ok) { cell.replaceChildren(h("span", { class: "bad" }, res.data.detail || "error")); return; }
  cell.replaceChildren(h("span", { class: res.data.reachable ? "ok" : "bad", title: res.data.detail },
    `${res.data.reachable ? "reachable" : "unreachable"} (${res.data.endpoint || "no endpoint"})`));
}
function registerCard() {
  const kind = h("select", { id: "site-kind" },
    h("option", { value: "k8sclusters" }, "Kubernetes cluster"), h("option", { value: "vim_accounts" }, "OpenStack VIM account"));
  const body = h("textarea", { id: "site-body", rows: 10, spellcheck: "false" });
  const out = h("div", { id: "site-result", "aria-live": "polite" });
  const example = {
    k8sclusters: { name: "edge", credentials: "<kubeconfig text>", namespace: "default", role: "edge",
      nets: { user: null, cache: null }, capacity: { vcpu: 16, memory_gb: 32, storage_gb: 200 } },
    vim_accounts: { name: "core", vim_url: "http://keystone:5000/v3", vim_tenant_name: "locus", vim_user: "locus",
      vim_password: "…", role: "core" },
  };
  body.placeholder = JSON.stringify(example.k8sclusters, null, 2);
  kind.addEventListener("change", () => { body.placeholder = JSON.stringify(example[kind.value], null, 2); });
  const submit = async (e) => {
    e.preventDefault(); out.replaceChildren();
    let payload;
    try { payload = JSON.parse(body.value); } catch (err) {
      out.append(h("p", { class: "error", role: "alert" }, `Not JSON: ${err.message}`)); return;
    }
    const res = await api("POST", `/admin/v1/${kind.value}`, payload);
    if (res.ok) { body.value = ""; notice(`Site ${res.data.name} registered.`); route(); } else out.append(problemView(res.data));
  };
  return h("form", { class: "card", id: "site-form", onsubmit: submit },
    h("h2", {}, "Register a site"),
    h("label", { for: "site-kind" }, "Kind"), kind,
    h("label", { for: "site-body" }, "Registration (JSON, as the API takes it; credentials are stored encrypted and never shown)"), body,
    h("div", { class: "row" }, h("button", { type: "submit", id: "site-submit" }, "Register")), out);
}
async function sites() {
  const all = (await siteRows("k8scluster", "k8sclusters")).concat(await siteRows("vim_account", "vim_accounts"));
  const usage = await api("GET", "/ui/sites/usage");
  const mine = usage.ok ? usage.data : {};
  const box = h("div", {}, h("h1", {}, "Sites"));
  const rows = all.map((s) => {
    const reach = h("span", { class: "reach" });
    checkReach(s, reach);
    return [h("strong", { class: "site-name" }, s.name), s.kind === "k8scluster" ? "Kubernetes" : "OpenStack",
      s.role || "—", fmt(s.capacity), fmt(s.used), h("span", { class: "mine" }, fmt(mine[s.name])), fmt(s.cost), fmt(s.latency_ms), reach,
      h("button", { type: "button", class: "danger", onclick: () => deleteSite(s) }, "Delete")];
  });
  box.append(all.length ? table(["name", "kind", "role", "capacity", "used by others", "used by this MANO", "cost / h", "latency ms", "reachability", ""], rows, { class: "wide" })
    : h("p", { class: "hint" }, "No site registered yet."));
  box.append(registerCard());
  return box;
}
async function deleteSite(s) {
  if (!(await confirmAction(`Delete site ${s.name}?`))) return;
  const coll = s.kind === "k8scluster" ? "k8sclusters" : "vim_accounts";
  const res = await api("DELETE", `/admin/v1/${coll}/${s.id}`);
  if (res.ok) { notice(`Site ${s.name} deleted.`); route(); } else notice(explainStatus(res, `Deleting ${s.name}`), true);
}
