/* LOCUS MANO console, the catalogue page. Loaded in order by index.html (classic scripts sharing one
 * global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js. Data is inserted as text (textContent), never as HTML. */
"use strict";

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
const SUMMARY_KIND = { vnf: "vnfd", nsd: "nsd", nst: "nst" };
async function packageDetails(kind, pkg, cell) {
  if (cell.childElementCount) { cell.replaceChildren(); return; }
  const spec = KINDS[kind];
  if (pkg.onboardingFailureDetails) cell.append(problemView(pkg.onboardingFailureDetails));
  const summary = await api("GET", `/ui/packages/${SUMMARY_KIND[kind]}/${pkg.id}/summary`);
  if (!summary.ok) { cell.append(problemView(summary.data)); return; }
  cell.append(h("div", { class: "summary" }, table(["", ""], summary.data.header, { class: "compact" }),
    summary.data.tables.map((t) => h("div", {}, h("h3", {}, t.title), table(t.columns, t.rows)))));
  const text = await api("GET", `${spec.base}/${pkg.id}/${spec.descriptor}`, undefined, { Accept: "text/plain" });
  if (text.ok) {
    cell.append(h("details", {}, h("summary", {}, "Descriptor text"), descriptorView(String(text.data), [])));
  }
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
    if (r.length === 1) { tr.className = "detail"; tr.append(h("td", { colspan: 5 }, r[0])); } else r.forEach((c) => tr.append(h("td", {}, c)));
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
