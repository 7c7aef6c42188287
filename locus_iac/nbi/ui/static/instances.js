/* LOCUS MANO console, NS and netslice instance pages. Loaded in order by index.html (classic scripts sharing one
 * global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js. Data is inserted as text (textContent), never as HTML. */
"use strict";

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
  const GAP = 60, top = 50, STEP = 22, LINE = 16;
  /* a function's lines of addresses: those the NSD fixes, then those the stack outputs give */
  const addrLines = (f) => {
    const fixed = Object.entries(f.addresses).map(([k, v]) => `${k} ${v}`).join(", ");
    const got = Object.entries(f.deployed || {}).map(([k, v]) => `${k}: ${v}`);
    return (fixed ? [fixed] : []).concat(got);
  };
  const boxH = (f) => 52 + Math.max(1, addrLines(f).length) * LINE;
  /* wide enough for the longest line of a box (11px text: about 6.5px a character) */
  const longest = Math.max(0, ...t.functions.flatMap((f) => addrLines(f).concat(`${f.vnfd_id}: ${f.units.join(", ")}`)).map((l) => l.length));
  const W = Math.max(300, Math.ceil(longest * 6.5) + 84);
  const width = Math.max(1, groups.length) * (W + GAP) + GAP;
  const tallest = Math.max(1, ...groups.map((g) => g.fns.reduce((n, f) => n + boxH(f) + 30, 0)));
  const siteBottom = top + 20 + tallest;
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
    let y = top + 10;
    g.fns.forEach((f) => {
      const FH = boxH(f);
      pos[f.profile] = { x: x + 30, w: W - 60, bottom: y + FH };
      svg.append(svgEl("rect", { class: `fn ${f.kind}`, x: x + 30, y, width: W - 60, height: FH, rx: 6 }));
      svg.append(svgEl("text", { x: x + 42, y: y + 22, "font-weight": "bold" }, `${f.profile} · ${f.kind.toUpperCase()}`));
      svg.append(svgEl("text", { x: x + 42, y: y + 40, class: "small" }, `${f.vnfd_id}: ${f.units.join(", ")}`));
      addrLines(f).forEach((line, li) => svg.append(svgEl("text", { x: x + 42, y: y + 58 + li * LINE, class: "small address" }, line)));
      y += FH + 30;
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
      `${l.vld}${l.mgmt ? " (mgmt)" : ""}${cross ? " — VPN " + l.sites.join(" ↔ ") : ""}` +
      (Object.keys(l.networks || {}).length ? ` · ${Object.entries(l.networks).map(([s, n]) => `${s}: ${n}`).join(", ")}` : "")));
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
/* ---- the placement decision an instantiation kept (progress.placement) --------------- */
function num(v, digits) { return typeof v === "number" ? Number(v.toPrecision(digits || 4)).toString() : "—"; }
function placementView(o) {
  const p = o.progress.placement;
  const gap = p.optimalityGap === null || p.optimalityGap === undefined ? "" : `, gap ${num(p.optimalityGap * 100, 3)} %`;
  return h("section", { id: "placement", "aria-labelledby": "placement-title" },
    h("h2", { id: "placement-title" }, "Placement"),
    h("p", { id: "placement-summary" }, `Decided by the ${p.solver} solver (${p.status}${gap}) for ${o.lcmOperationType} `,
      h("a", { href: `#/op/${o.id}` }, o.id), ` on ${new Date(p.decidedAt).toLocaleString()}: objective ${p.objective} = ${num(p.objectiveValue)} ${p.objectiveUnit}, total ${num(p.totalCost)}/h.`),
    table(["VNF profile", "VNFD", "site", "placed by", "cost/h", "reasons"], p.functions.map((f) => [f.function, f.vnfdId || "—",
      h("strong", {}, f.site), f.pinned ? "the request (pinned)" : "the optimiser", num(f.hourlyCost),
      h("ul", { class: "reasons" }, f.reasons.map((r) => h("li", {}, h("span", { class: "reason-code" }, r.code), " ", r.message)))]),
      { class: "placement-functions" }),
    p.links.length ? table(["link", "between", "sites", "latency", "bound"], p.links.map((l) => [l.link, l.ends.join(" ↔ "),
      l.sites.join(" ↔ "), `${num(l.latencyMs)} ms`, l.maxLatencyMs === null || l.maxLatencyMs === undefined ? "—" : `≤ ${num(l.maxLatencyMs)} ms`]),
      { class: "placement-links" }) : "",
    h("h3", {}, "Candidate sites"),
    table(["site", "kind", "role", "free vCPU", "free memory GB", "free storage GB", "free pods", "unit cost/h"], p.candidates.map((c) => [c.name,
      c.kind, c.role, num(c.free.vcpu), num(c.free.memory_gb), num(c.free.storage_gb), num(c.free.pods),
      Object.entries(c.unitCost).filter(([, v]) => v).map(([k, v]) => `${k} ${num(v)}`).join(", ") || "free"]), { class: "placement-candidates" }));
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
  const opList = ops.ok ? ops.data.slice().sort((a, b) => String(b.startTime).localeCompare(String(a.startTime))) : [];
  const decided = opList.find((o) => o.progress.placement);
  if (decided) box.append(placementView(decided));
  else if (topo.ok) {
    const t = topo.data;
    box.append(h("h2", {}, "Placement"), h("p", {}, "No placement decision is recorded for this instance: its sites come from the request, or, for a nested NS of a netslice, from the netslice's plan."),
      table(["VNF profile", "VNFD", "kind", "site", "why"], t.functions.map((f) => [f.profile, f.vnfd_id, f.kind, f.site || "not placed yet",
        t.placement[f.profile] || t.placement[f.vnfd_id] ? "additionalParams.placement"
          : f.site ? "vimAccountId of the request" : "—"])));
  }
  if (i.nsState === "INSTANTIATED") box.append(await metricsView(i.id));
  box.append(h("h2", {}, "Resources"), resourcesView(opList));
  box.append(h("h2", {}, "Operations"), opButtons(i, topo.ok ? topo.data : null));
  box.append(h("h3", {}, "Occurrences"), table(["operation", "state", "started", "step"],
    opList.map((o) => [h("a", { href: `#/op/${o.id}`, class: "op-link" }, o.lcmOperationType), badge(o.operationState),
      new Date(o.startTime).toLocaleString(), stepOf(o)])));
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
      new Date(o.startTime).toLocaleString(), stepOf(o)])));
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
    h("p", {}, "Current step: ", h("strong", { id: "op-step" }, stepOf(o))),
    o.error ? problemView(o.error) : "", h("div", { class: "row" }, buttons),
    h("h2", {}, "Nested NS operations"), table(["subnet", "NS instance", "operation", "state"],
      (p.nested || []).map((n) => [n.netsliceSubnetId, h("a", { href: `#/ns/${n.nsInstanceId}` }, n.nsInstanceId),
        n.nsLcmOpOccId ? h("a", { href: `#/op/${n.nsLcmOpOccId}` }, n.lcmOperationType) : n.lcmOperationType,
        badge(n.operationState || "waiting")])),
    (p.kept || []).length ? h("p", {}, `Shared nested NSs left running: ${p.kept.join(", ")}`) : "");
}
