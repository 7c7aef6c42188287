/* LOCUS MANO console, live operation pages. Loaded in order by index.html (classic scripts sharing one
 * global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js. Data is inserted as text (textContent), never as HTML. */
"use strict";

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
    h("p", {}, "Current step: ", h("strong", { id: "op-step" }, stepOf(o))),
    o.error ? problemView(o.error) : "",
    h("div", { class: "row" }, buttons),
    p.placement ? placementView(o) : "",
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
