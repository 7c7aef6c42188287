/* LOCUS MANO console: draws the catalogue, sites and services from the NBI itself.
 * The session lives in an HttpOnly cookie this script cannot read; every state change
 * carries the session's CSRF token (GET /ui/session) in the X-CSRF-Token header.
 * Data is inserted as text (textContent), never as HTML. */
"use strict";

const state = { csrf: "", session: null, stream: null };

const KINDS = {
  vnf: { title: "VNF packages", base: "/vnfpkgm/v1/vnf_packages", oneShot: "/vnfpkgm/v1/vnf_packages_content",
         descriptor: "vnfd", idField: "vnfdId", nameField: "vnfProductName", versionField: "vnfdVersion",
         stateFields: ["onboardingState", "operationalState", "usageState"] },
  nsd: { title: "NS descriptors", base: "/nsd/v1/ns_descriptors", oneShot: "/nsd/v1/ns_descriptors_content",
         descriptor: "nsd", idField: "nsdId", nameField: "nsdName", versionField: "nsdVersion",
         stateFields: ["nsdOnboardingState", "nsdOperationalState", "nsdUsageState"] },
  nst: { title: "Netslice templates", base: "/nst/v1/netslice_templates", oneShot: "/nst/v1/netslice_templates_content",
         descriptor: "nst", idField: "nstId", nameField: "nstName", versionField: "nstVersion",
         stateFields: ["onboardingState", "operationalState", "usageState"] },
};

/* ---- small DOM helpers ------------------------------------------------------------ */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const $ = (sel) => document.querySelector(sel);
const main = () => $("#main");
function table(columns, rows, attrs) {
  return h("div", { class: "scroll" }, h("table", attrs || {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))));
}
function badge(value) { return h("span", { class: `badge state-${value}` }, value || "—"); }
function notice(text, bad) {
  const n = $("#notice"); n.textContent = text || ""; n.className = bad ? "bad" : "";
}
function fmt(obj) {
  if (obj === null || obj === undefined || (typeof obj === "object" && !Object.keys(obj).length)) return "—";
  if (typeof obj !== "object") return String(obj);
  return Object.entries(obj).map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
}

/* ---- API ---------------------------------------------------------------------------- */
async function api(method, path, body, headers) {
  const opts = { method, credentials: "same-origin", headers: Object.assign({ Accept: "application/json" }, headers || {}) };
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    if (body instanceof Blob || body instanceof ArrayBuffer) opts.body = body;
    else { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  }
  const res = await fetch(path, opts);
  if (res.status === 401) { window.location.assign("/ui/login"); throw new Error("not logged in"); }
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, data };
}
function problemView(p) {
  if (!p || typeof p !== "object") return h("p", { class: "error" }, String(p));
  const box = h("div", { class: "card problem", role: "alert" },
    h("p", { class: "error" }, `${p.status || ""} ${p.title || "Error"}: ${p.detail || ""}`));
  if (Array.isArray(p.errors) && p.errors.length) {
    box.append(table(["JSON pointer", "code", "problem"],
      p.errors.map((e) => [h("code", {}, e.path || "/"), e.code || "", e.message || ""]), { class: "problems" }));
  }
  return box;
}
function explainStatus(res, what) {
  if (res.status === 409) return `${what} was refused (409 Conflict): ${res.data.detail} — it is still in use; remove what uses it first.`;
  return `${what} failed (${res.status}): ${res.data && res.data.detail ? res.data.detail : res.data}`;
}
function confirmAction(text) {
  const dlg = $("#confirm");
  $("#confirm-text").textContent = text;
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => resolve(dlg.returnValue === "ok"), { once: true });
    dlg.showModal();
    $("#confirm-cancel").focus();
  });
}

/* ---- YAML pointer locator: the line a JSON pointer names in a descriptor text ---------- */
function locate(lines, pointer) {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let from = 0, indent = -1, found = -1;
  for (const part of parts) {
    let hit = -1;
    const isIndex = /^\d+$/.test(part);
    let count = -1, itemIndent = -1;
    for (let i = from; i < lines.length; i++) {
      const line = lines[i];
      if (!line.trim() || line.trim().startsWith("#")) continue;
      const ind = line.length - line.trimStart().length;
      if (ind <= indent && i > from && !(isIndex && line.trimStart().startsWith("- ") && ind === indent)) break;
      const text = line.trimStart();
      if (isIndex && text.startsWith("-")) {
        if (itemIndent === -1) itemIndent = ind;
        if (ind === itemIndent && ++count === Number(part)) { hit = i; indent = ind; break; }
      } else if (!isIndex) {
        const bare = text.replace(/^-\s+/, "");
        if (bare.startsWith(part + ":") || bare.startsWith(`"${part}":`)) {
          hit = i; indent = ind + (text.length - bare.length); break;
        }
      }
    }
    if (hit === -1) break;
    found = hit; from = hit;
  }
  return found;
}
function descriptorView(text, errors) {
  const lines = text.split("\n");
  const hits = new Map();
  for (const e of errors || []) {
    const at = locate(lines, e.path || "");
    if (at >= 0) hits.set(at, (hits.get(at) || []).concat(`${e.path}: ${e.message}`));
  }
  return h("pre", { class: "descriptor", tabindex: "0", "aria-label": "descriptor text" },
    lines.map((l, i) => h("span", hits.has(i) ? { class: "hit", title: hits.get(i).join("\n") } : {},
      hits.has(i) ? `${l}    ◀ ${hits.get(i).join("; ")}` : l)));
}

/* ---- catalogue ---------------------------------------------------------------------- */
function mediaType(file) {
  const n = file.name.toLowerCase();
  if (n.endsWith(".zip") || n.endsWith(".csar")) return "application/zip";
  if (n.endsWith(".yaml") || n.endsWith(".yml")) return "application/yaml";
  return "application/gzip";
}
async function upload(kind, file, out) {
  const spec = KINDS[kind];
  const res = await api("POST", spec.oneShot, file, { "Content-Type": mediaType(file) });
  if (res.ok) {
    const warn = (res.data.warnings || []).length ? ` (${res.data.warnings.length} warning(s))` : "";
    out.append(h("p", { class: "ok upload-ok" }, `${file.name}: onboarded as ${spec.title} ${res.data.id}${warn}`));
    return true;
  }
  out.append(h("h3", {}, `${file.name} was rejected`), problemView(res.data));
  if (mediaType(file) === "application/yaml" && res.data && res.data.errors) {
    out.append(descriptorView(await file.text(), res.data.errors));
  }
  return false;
}
function uploadCard(onDone) {
  const out = h("div", { id: "upload-result", "aria-live": "polite" });
  const kind = h("select", { id: "upload-kind" },
    Object.entries(KINDS).map(([k, v]) => h("option", { value: k }, v.title)));
  const input = h("input", { type: "file", id: "upload-file", multiple: true, accept: ".tar.gz,.tgz,.zip,.yaml,.yml" });
  const send = async (files) => {
    out.replaceChildren();
    for (const f of files) await upload(kind.value, f, out);
    onDone();
  };
  input.addEventListener("change", () => send([...input.files]));
  const drop = h("div", { class: "drop", id: "drop-zone" },
    h("p", {}, "Drop package archives (.tar.gz, .zip) or descriptor YAML here, or choose them:"),
    h("label", { for: "upload-file", class: "hint" }, "Package files"), input);
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); send([...e.dataTransfer.files]); });
  return h("section", { class: "card", "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title" }, "Onboard"),
    h("label", { for: "upload-kind" }, "Kind"), kind, drop, out);
}
async function packageDetails(kind, pkg, cell) {
  if (cell.childElementCount) { cell.replaceChildren(); return; }
  const spec = KINDS[kind];
  const fields = Object.entries(pkg).filter(([k, v]) => !k.startsWith("_") && typeof v !== "object" && v !== null);
  cell.append(table(["field", "value"], fields));
  if (pkg.onboardingFailureDetails) cell.append(problemView(pkg.onboardingFailureDetails));
  const text = await api("GET", `${spec.base}/${pkg.id}/${spec.descriptor}`, undefined, { Accept: "text/plain" });
  if (text.ok) cell.append(h("h3", {}, "Descriptor"), descriptorView(String(text.data), []));
}
async function packageSection(kind) {
  const spec = KINDS[kind];
  const res = await api("GET", spec.base);
  const sec = h("section", { "aria-labelledby": `h-${kind}` }, h("h2", { id: `h-${kind}` }, spec.title));
  if (!res.ok) { sec.append(problemView(res.data)); return sec; }
  if (!res.data.length) { sec.append(h("p", { class: "hint" }, "None onboarded.")); return sec; }
  const rows = [];
  for (const p of res.data) {
    const detail = h("div", { class: "details" });
    rows.push([
      h("span", { class: "mono pkg-id" }, p[spec.idField] || p.id),
      p[spec.nameField] || p.name || "", p[spec.versionField] || p.version || "",
      h("span", {}, spec.stateFields.map((f) => p[f]).filter(Boolean).join(" / ")),
      h("div", { class: "row" },
        h("button", { type: "button", class: "secondary", onclick: () => packageDetails(kind, p, detail) }, "Summary"),
        h("button", { type: "button", class: "danger", "data-delete": p[spec.idField] || p.id,
          onclick: () => deletePackage(kind, p) }, "Delete")),
    ]);
    rows.push([detail]);
  }
  const t = table(["descriptor id", "name", "version", "state", ""], []);
  const body = t.querySelector("tbody");
  for (const r of rows) {
    const tr = h("tr");
    if (r.length === 1) tr.append(h("td", { colspan: 5 }, r[0])); else r.forEach((c) => tr.append(h("td", {}, c)));
    body.append(tr);
  }
  sec.append(t);
  return sec;
}
async function deletePackage(kind, pkg) {
  const spec = KINDS[kind];
  const name = pkg[spec.idField] || pkg.id;
  if (!(await confirmAction(`Delete ${spec.title.replace(/s$/, "")} ${name}?`))) return;
  const res = await api("DELETE", `${spec.base}/${pkg.id}`);
  if (res.ok) { notice(`${name} deleted.`); route(); } else notice(explainStatus(res, `Deleting ${name}`), true);
}
async function catalogue() {
  const box = h("div", {}, h("h1", {}, "Catalogue"));
  const lists = h("div", { id: "packages" });
  const refresh = async () => lists.replaceChildren(...(await Promise.all(Object.keys(KINDS).map(packageSection))));
  box.append(uploadCard(refresh), lists);
  await refresh();
  return box;
}

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

/* ---- topology drawing --------------------------------------------------------------- */
function svgEl(tag, attrs, text) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
function drawTopology(t) {
  const siteNames = t.sites.map((s) => s.name);
  const groups = siteNames.map((n) => ({ name: n, fns: t.functions.filter((f) => f.site === n) }));
  const unplaced = t.functions.filter((f) => !f.site || !siteNames.includes(f.site));
  if (unplaced.length) groups.push({ name: "(not placed)", fns: unplaced });
  const W = 300, GAP = 60, FH = 70, top = 50, STEP = 22;
  const width = Math.max(1, groups.length) * (W + GAP) + GAP;
  const tallest = Math.max(1, ...groups.map((g) => g.fns.length));
  const siteBottom = top + 20 + tallest * (FH + 30);
  const height = siteBottom + 30 + t.links.length * STEP + 10;
  const svg = svgEl("svg", { class: "topology", viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-labelledby": "topo-title topo-desc", id: "topology" });
  svg.append(svgEl("title", { id: "topo-title" }, `Topology of ${t.nsd_id}`));
  svg.append(svgEl("desc", { id: "topo-desc" }, t.functions.map((f) => `${f.profile} (${f.kind}) on ${f.site || "no site"}`)
    .concat(t.links.map((l) => `link ${l.vld} joins ${l.functions.join(", ") || "no function"}${l.sites.length > 1 ? " across sites " + l.sites.join(" and ") : ""}`)).join("; ")));
  const pos = {};
  groups.forEach((g, gi) => {
    const x = GAP + gi * (W + GAP);
    const site = t.sites.find((s) => s.name === g.name);
    svg.append(svgEl("rect", { class: "site", x, y: 20, width: W, height: siteBottom - 20, rx: 10 }));
    svg.append(svgEl("text", { x: x + 12, y: 42, "font-weight": "bold" },
      `${g.name}${site ? ` · ${site.kind === "k8scluster" ? "Kubernetes" : "OpenStack"}${site.role ? " · " + site.role : ""}` : ""}`));
    g.fns.forEach((f, fi) => {
      const y = top + 10 + fi * (FH + 30);
      pos[f.profile] = { x: x + 30, w: W - 60, bottom: y + FH };
      svg.append(svgEl("rect", { class: `fn ${f.kind}`, x: x + 30, y, width: W - 60, height: FH, rx: 6 }));
      svg.append(svgEl("text", { x: x + 42, y: y + 22, "font-weight": "bold" }, `${f.profile} · ${f.kind.toUpperCase()}`));
      svg.append(svgEl("text", { x: x + 42, y: y + 40, class: "small" }, `${f.vnfd_id}: ${f.units.join(", ")}`));
      const addr = Object.entries(f.addresses).map(([k, v]) => `${k} ${v}`).join(", ");
      if (addr) svg.append(svgEl("text", { x: x + 42, y: y + 58, class: "small" }, addr));
    });
  });
  t.links.forEach((l, li) => {
    const ly = siteBottom + 24 + li * STEP;
    const cross = l.sites.length > 1;
    const cls = cross ? "vpn" : "vl";
    const xs = l.functions.map((p) => pos[p]).filter(Boolean).map((e) => {
      const x = e.x + 16 + ((li * 28) % Math.max(28, e.w - 32));
      svg.append(svgEl("path", { class: cls, d: `M${x},${e.bottom} L${x},${ly}` }));
      return x;
    });
    if (xs.length > 1) svg.append(svgEl("path", { class: cls, d: `M${Math.min(...xs)},${ly} L${Math.max(...xs)},${ly}` }));
    const lx = xs.length ? Math.max(...xs) + 8 : GAP;
    svg.append(svgEl("text", { x: lx, y: ly + 4, class: "small link-label" },
      `${l.vld}${l.mgmt ? " (mgmt)" : ""}${cross ? " — VPN " + l.sites.join(" ↔ ") : ""}`));
  });
  return svg;
}

/* ---- an NS instance ----------------------------------------------------------------- */
function opButtons(ns, topo) {
  const out = h("div", { "aria-live": "polite" });
  const start = async (op, body, what) => {
    if (!(await confirmAction(`${what} ${ns.nsInstanceName}?`))) return;
    const res = await api("POST", `/nslcm/v1/ns_instances/${ns.id}/${op}`, body);
    if (res.ok) window.location.hash = `#/op/${res.data.nsLcmOpOccId}`; else out.replaceChildren(problemView(res.data));
  };
  const profiles = topo ? topo.functions.map((f) => f.profile) : [];
  const member = (id) => h("select", { id }, profiles.map((p) => h("option", { value: p }, p)));
  const scaleMember = member("scale-member");
  const count = h("input", { id: "scale-count", type: "number", min: 0, value: 2, inputmode: "numeric" });
  const actMember = member("action-member");
  const prim = h("input", { id: "action-primitive" });
  const params = h("textarea", { id: "action-params", rows: 2, spellcheck: "false", placeholder: '{"name": "value"}' });
  const instantiated = ns.nsState === "INSTANTIATED";
  const busy = Boolean(ns.currentLcmOpOccId);
  return h("div", { class: "grid" },
    h("form", { class: "card", id: "scale-form", onsubmit: (e) => { e.preventDefault();
      start("scale", { scaleType: "SCALE_VNF", scaleVnfData: [{ memberVnfIndex: scaleMember.value, instances: Number(count.value) }] },
        `Scale ${scaleMember.value} to ${count.value} instance(s) of`); } },
      h("h3", {}, "Scale"), h("label", { for: "scale-member" }, "VNF profile"), scaleMember,
      h("label", { for: "scale-count" }, "Instances"), count,
      h("div", { class: "row" }, h("button", { type: "submit", id: "scale-submit", disabled: instantiated && !busy ? null : true }, "Scale"))),
    h("form", { class: "card", id: "action-form", onsubmit: (e) => { e.preventDefault();
      let p = {};
      if (params.value.trim()) { try { p = JSON.parse(params.value); } catch (err) { out.replaceChildren(h("p", { class: "error" }, `parameters are not JSON: ${err.message}`)); return; } }
      start("action", { member_vnf_index: actMember.value, primitive: prim.value, primitive_params: p }, `Run ${prim.value} on`); } },
      h("h3", {}, "Day-2 action"), h("label", { for: "action-member" }, "VNF profile"), actMember,
      h("label", { for: "action-primitive" }, "Primitive"), prim,
      h("label", { for: "action-params" }, "Parameters (JSON; checked against the VNFD)"), params,
      h("div", { class: "row" }, h("button", { type: "submit", id: "action-submit", disabled: instantiated && !busy ? null : true }, "Run"))),
    h("div", { class: "card" }, h("h3", {}, "Terminate"),
      h("p", {}, "Destroys every resource of this instance."),
      h("div", { class: "row" }, h("button", { type: "button", class: "danger", id: "terminate",
        disabled: instantiated && !busy ? null : true, onclick: () => start("terminate", {}, "Terminate") }, "Terminate")),
      h("div", { class: "row" }, h("button", { type: "button", class: "secondary", id: "delete-ns",
        disabled: ns.nsState === "NOT_INSTANTIATED" && !busy ? null : true, onclick: async () => {
          if (!(await confirmAction(`Delete the record of ${ns.nsInstanceName}?`))) return;
          const res = await api("DELETE", `/nslcm/v1/ns_instances/${ns.id}`);
          if (res.ok) window.location.hash = "#/services"; else out.replaceChildren(problemView(res.data));
        } }, "Delete record"))),
    out);
}
function resourcesView(ops) {
  const withEvents = ops.find((o) => (o.progress.events || []).some((e) => e.kind === "resource"));
  if (!withEvents) return h("p", { class: "hint" }, "The engine has reported no resource yet.");
  const latest = new Map();
  for (const e of withEvents.progress.events) if (e.kind === "resource" && !e.planning) latest.set(e.resource, e);
  return h("div", {}, h("p", { class: "hint" }, `As the engine reported them in ${withEvents.lcmOperationType} ${withEvents.id}:`),
    table(["resource", "kind", "last step", "phase"], [...latest.values()].map((e) => [e.resource, e.resourceKind, e.action, e.phase])));
}
async function instancePage(id) {
  const [ns, topo, ops] = await Promise.all([api("GET", `/nslcm/v1/ns_instances/${id}`),
    api("GET", `/ui/ns_instances/${id}/topology`), api("GET", `/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${encodeURIComponent(id)}`)]);
  if (!ns.ok) return problemView(ns.data);
  const i = ns.data;
  const box = h("div", {}, h("h1", {}, `NS ${i.nsInstanceName} `, badge(i.nsState)),
    h("p", {}, `NSD ${i.nsdId} · instance ${i.id}`, i.currentLcmOpOccId ? h("span", {}, " · running: ",
      h("a", { href: `#/op/${i.currentLcmOpOccId}` }, i.currentOperation)) : ""));
  box.append(h("h2", {}, "Topology"), topo.ok ? drawTopology(topo.data) : problemView(topo.data));
  if (topo.ok) {
    const t = topo.data;
    box.append(h("h2", {}, "Placement"), h("p", {}, t.objective ? `Objective: ${t.objective}` : "Sites given by the request (no optimiser objective stored)."),
      table(["VNF profile", "VNFD", "kind", "site", "why"], t.functions.map((f) => [f.profile, f.vnfd_id, f.kind, f.site || "not placed yet",
        t.placement[f.profile] || t.placement[f.vnfd_id]
          ? (t.objective ? `additionalParams.placement (pinned by the request or chosen by the optimiser for ${t.objective})` : "additionalParams.placement of the request")
          : f.site ? "vimAccountId of the request" : "—"])));
  }
  const opList = ops.ok ? ops.data.slice().sort((a, b) => String(b.startTime).localeCompare(String(a.startTime))) : [];
  box.append(h("h2", {}, "Resources"), resourcesView(opList));
  box.append(h("h2", {}, "Operations"), opButtons(i, topo.ok ? topo.data : null));
  box.append(h("h3", {}, "Occurrences"), table(["operation", "state", "started", "step"],
    opList.map((o) => [h("a", { href: `#/op/${o.id}`, class: "op-link" }, o.lcmOperationType), badge(o.operationState),
      new Date(o.startTime).toLocaleString(), o.progress.currentStep || ""])));
  return box;
}

/* ---- a netslice instance ----------------------------------------------------------- */
async function netslicePage(id) {
  const [nsi, topo, ops] = await Promise.all([api("GET", `/nsilcm/v1/netslice_instances/${id}`),
    api("GET", `/ui/netslice_instances/${id}/topology`), api("GET", `/nsilcm/v1/nsi_lcm_op_occs?netsliceInstanceId=${encodeURIComponent(id)}`)]);
  if (!nsi.ok) return problemView(nsi.data);
  const i = nsi.data;
  const busy = Boolean(i.currentLcmOpOccId);
  const out = h("div", { "aria-live": "polite" });
  const box = h("div", {}, h("h1", {}, `Netslice ${i.nsiName} `, badge(i.nsiState)),
    h("p", {}, `NST ${i.nstId} · instance ${i.id}`, busy ? h("span", {}, " · running: ",
      h("a", { href: `#/nsiop/${i.currentLcmOpOccId}` }, "current operation")) : ""));
  box.append(h("h2", {}, "Topology"), topo.ok ? drawTopology(topo.data) : problemView(topo.data));
  box.append(h("h2", {}, "Nested NS instances"), table(["netslice subnet", "NSD", "NS instance", "shared"],
    i.nestedNsInstances.map((n) => [n.netsliceSubnetId, n.nsdId,
      n.nsInstanceId ? h("a", { href: `#/ns/${n.nsInstanceId}` }, n.nsInstanceId) : "—", n.shared ? "yes" : "no"])));
  box.append(h("div", { class: "row" }, h("button", { type: "button", class: "danger", id: "nsi-terminate",
    disabled: i.nsiState === "INSTANTIATED" && !busy ? null : true, onclick: async () => {
      if (!(await confirmAction(`Terminate netslice ${i.nsiName} and its nested NSs?`))) return;
      const res = await api("POST", `/nsilcm/v1/netslice_instances/${i.id}/terminate`, {});
      if (res.ok) window.location.hash = `#/nsiop/${res.data.nsiLcmOpOccId}`; else out.replaceChildren(problemView(res.data));
    } }, "Terminate")), out);
  const opList = ops.ok ? ops.data.slice().sort((a, b) => String(b.startTime).localeCompare(String(a.startTime))) : [];
  box.append(h("h2", {}, "Operations"), table(["operation", "state", "started", "step"],
    opList.map((o) => [h("a", { href: `#/nsiop/${o.id}` }, o.lcmOperationType), badge(o.operationState),
      new Date(o.startTime).toLocaleString(), o.progress.currentStep || ""])));
  return box;
}
function renderNsiOp(box, o) {
  const links = o._links || {};
  const buttons = TASKS.filter(([t]) => links[t]).map(([t, label]) => h("button", {
    type: "button", class: t === "fail" ? "danger" : "", id: `op-${t}`, onclick: async () => {
      if (!(await confirmAction(`${label} netslice operation ${o.lcmOperationType}?`))) return;
      const res = await api("POST", `/nsilcm/v1/nsi_lcm_op_occs/${o.id}/${t}`);
      if (!res.ok) notice(explainStatus(res, label), true); else notice(`${label}: requested.`);
    } }, label));
  const p = o.progress || {};
  box.replaceChildren(
    h("h1", {}, `Netslice ${o.lcmOperationType} `, h("span", { id: "op-state", class: `badge state-${o.operationState}` }, o.operationState)),
    h("p", {}, "Netslice instance ", h("a", { href: `#/nsi/${o.netsliceInstanceId}`, id: "op-nsi" }, o.netsliceInstanceId)),
    h("p", {}, "Current step: ", h("strong", { id: "op-step" }, p.currentStep || "—")),
    o.error ? problemView(o.error) : "", h("div", { class: "row" }, buttons),
    h("h2", {}, "Nested NS operations"), table(["subnet", "NS instance", "operation", "state"],
      (p.nested || []).map((n) => [n.netsliceSubnetId, h("a", { href: `#/ns/${n.nsInstanceId}` }, n.nsInstanceId),
        n.nsLcmOpOccId ? h("a", { href: `#/op/${n.nsLcmOpOccId}` }, n.lcmOperationType) : n.lcmOperationType,
        badge(n.operationState || "waiting")])),
    (p.kept || []).length ? h("p", {}, `Shared nested NSs left running: ${p.kept.join(", ")}`) : "");
}

/* ---- live operation ----------------------------------------------------------------- */
const TASKS = [["retry", "Retry"], ["rollback", "Roll back"], ["fail", "Mark failed"], ["cancel", "Cancel"]];
function renderOp(box, o) {
  const links = o._links || {};
  const buttons = TASKS.filter(([t]) => links[t]).map(([t, label]) => h("button", {
    type: "button", class: t === "fail" || t === "cancel" ? "danger" : "", id: `op-${t}`,
    onclick: async () => {
      if (!(await confirmAction(`${label} operation ${o.lcmOperationType} ${o.id}?`))) return;
      const res = await api("POST", `/nslcm/v1/ns_lcm_op_occs/${o.id}/${t}`);
      if (!res.ok) notice(explainStatus(res, label), true); else notice(`${label}: requested.`);
    } }, label));
  const p = o.progress || {};
  const events = (p.events || []).slice(-30).reverse().map((e) => [e.sequence, e.kind,
    e.resource ? `${e.resource}${e.resourceKind ? " (" + e.resourceKind + ")" : ""}` : "",
    e.kind === "resource" ? `${e.action} ${e.phase}${e.planning ? " (preview)" : ""}` : e.message || fmt(e.resources)]);
  box.replaceChildren(
    h("h1", {}, `${o.lcmOperationType} `, h("span", { id: "op-state", class: `badge state-${o.operationState}` }, o.operationState)),
    h("p", {}, "NS instance ", h("a", { href: `#/ns/${o.nsInstanceId}`, id: "op-ns" }, o.nsInstanceId), ` · started ${new Date(o.startTime).toLocaleString()}`),
    h("p", {}, "Current step: ", h("strong", { id: "op-step" }, p.currentStep || "—")),
    o.error ? problemView(o.error) : "",
    h("div", { class: "row" }, buttons),
    h("div", { class: "grid" },
      h("div", {}, h("h2", {}, "Resources"), table(Object.keys(p.resources || {}), [Object.values(p.resources || {})], { class: "compact", id: "op-resources" })),
      h("div", {}, h("h2", {}, "Preview"), p.preview ? table(Object.keys(p.preview), [Object.values(p.preview)], { class: "compact" }) : h("p", { class: "hint" }, "No preview."))),
    h("h2", {}, "Ansible tasks"), (p.taskResults || []).length ? table(["playbook", "host", "task", "module", "status"],
      p.taskResults.map((t) => [t.playbook, t.host, t.task, t.action, h("span", { class: t.status === "failed" || t.status === "unreachable" ? "bad" : "ok" },
        `${t.status}${t.message ? ": " + t.message : ""}`)]), { id: "op-tasks" }) : h("p", { class: "hint" }, "None yet."),
    h("h2", {}, `Engine events (latest first, ${p.eventsTotal || 0} in all)`), table(["#", "kind", "resource", "step"], events, { id: "op-events" }));
}
function opPage(id, netslice) {
  const box = h("div", { id: "op" }, h("p", {}, "Connecting…"));
  const kind = netslice ? "nsi_lcm_op_occs" : "ns_lcm_op_occs";
  const es = new EventSource(`/ui/${kind}/${encodeURIComponent(id)}/events`);
  const steps = [];
  state.stream = es;
  es.addEventListener("occurrence", (e) => {
    const o = JSON.parse(e.data);
    const step = (o.progress || {}).currentStep;
    if (step && steps[steps.length - 1] !== step) steps.push(step);
    if (netslice) renderNsiOp(box, o); else renderOp(box, o);
    box.append(h("h2", {}, "Steps seen on this page"), h("ol", { id: "op-steps" }, steps.map((s) => h("li", {}, s))));
  });
  es.addEventListener("end", () => { es.close(); });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) notice("The live stream closed; reload to reconnect.", true); };
  return box;
}

/* ---- routing ------------------------------------------------------------------------ */
async function route() {
  if (state.stream) { state.stream.close(); state.stream = null; }
  const [, page, id] = (window.location.hash || "#/catalogue").split("/");
  for (const a of document.querySelectorAll(".top nav a")) {
    if (a.id === `nav-${page}` || (a.id === "nav-services" && ["ns", "op", "nsi", "nsiop"].includes(page))) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  let view;
  try {
    if (page === "sites") view = await sites();
    else if (page === "services") view = await services();
    else if (page === "ns" && id) view = await instancePage(id);
    else if (page === "op" && id) view = opPage(id, false);
    else if (page === "nsi" && id) view = await netslicePage(id);
    else if (page === "nsiop" && id) view = opPage(id, true);
    else view = await catalogue();
  } catch (err) {
    view = h("p", { class: "error", role: "alert" }, `Cannot show this page: ${err.message}`);
  }
  main().replaceChildren(view);
  document.title = `${main().querySelector("h1") ? main().querySelector("h1").textContent : "Console"} — LOCUS MANO`;
}
async function boot() {
  const res = await api("GET", "/ui/session");
  if (!res.ok) { window.location.assign("/ui/login"); return; }
  state.session = res.data; state.csrf = res.data.csrf_token;
  $("#who").textContent = `${res.data.username} · project ${res.data.project_name}`;
  $("#logout").addEventListener("click", async () => {
    await api("POST", "/ui/logout");
    window.location.assign("/ui/login");
  });
  window.addEventListener("hashchange", () => { notice(""); route(); });
  await route();
}
document.addEventListener("DOMContentLoaded", boot);
