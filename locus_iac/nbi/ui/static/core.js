/* LOCUS MANO console, shared helpers. Loaded in order by index.html (classic scripts sharing
 * one global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js.
 * The session lives in an HttpOnly cookie these scripts cannot read; every state change
 * carries the session's CSRF token (GET /ui/session) in the X-CSRF-Token header.
 * Data is inserted as text (textContent), never as HTML. */
"use strict";

const state = { csrf: "", session: null, stream: null };

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
/* The step to show for an operation occurrence: an ended one shows how it ended, not the
 * last step its engine reported. */
const ENDED = { COMPLETED: "done", FAILED: "failed", ROLLED_BACK: "rolled back" };
function stepOf(o) { return ENDED[o.operationState] || (o.progress || {}).currentStep || "—"; }
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
