/* LOCUS MANO console, routing and start-up. Loaded in order by index.html (classic scripts sharing one
 * global scope, no build step): core.js, catalogue.js, sites.js, services.js, instances.js,
 * metrics.js, operations.js, console.js. Data is inserted as text (textContent), never as HTML. */
"use strict";

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
  main().dataset.page = page || "catalogue";  // drawn: tests and scripts can wait for it
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
