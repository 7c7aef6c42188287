/* LOCUS MANO console, an instance's metrics as line charts drawn in inline SVG (no library).
 * Loaded in order by index.html (classic scripts sharing one global scope, no build step):
 * core.js, catalogue.js, sites.js, services.js, instances.js, metrics.js, operations.js,
 * console.js. The data comes from GET /ui/ns_instances/{id}/metrics (Prometheus query_range,
 * asked by the server). Data is inserted as text (textContent), never as HTML. */
"use strict";

const CHART = { W: 560, H: 200, L: 56, R: 12, T: 28, B: 34 };
function seriesName(labels) {
  const shown = Object.entries(labels).filter(([k]) => !["__name__", "ns_id", "project", "job"].includes(k));
  return shown.length ? shown.map(([k, v]) => `${k}=${v}`).join(", ") : "all";
}
function clock(t) { return new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
function lineChart(c, start, end, index) {
  const { W, H, L, R, T, B } = CHART;
  const values = c.series.flatMap((s) => s.points.map((p) => p[1])).concat(c.thresholds);
  let lo = values.length ? Math.min(...values) : 0, hi = values.length ? Math.max(...values) : 1;
  if (hi === lo) { hi += 1; lo = Math.min(lo, 0); }
  const x = (t) => L + ((t - start) / Math.max(1, end - start)) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const id = `chart-${index}`;
  const svg = svgEl("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, id });
  svg.append(svgEl("title", { id: `${id}-t` }, c.title));
  svg.append(svgEl("desc", { id: `${id}-d` }, c.series.length
    ? c.series.map((s) => { const last = s.points[s.points.length - 1]; return `${seriesName(s.labels)}: ${s.points.length} points, last ${last ? last[1] : "none"}`; }).join("; ")
    : "no data in this window"));
  svg.append(svgEl("text", { x: L, y: 16, class: "chart-title" }, c.title));
  svg.append(svgEl("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "plot" }));
  [[hi, T], [lo, H - B]].forEach(([v, at]) => svg.append(svgEl("text", { x: L - 6, y: at + 4, class: "small axis", "text-anchor": "end" }, num(v, 3))));
  [[start, L, "start"], [end, W - R, "end"]].forEach(([t, at, anchor]) => svg.append(svgEl("text", { x: at, y: H - B + 16, class: "small axis", "text-anchor": anchor }, clock(t))));
  for (const v of c.thresholds) {
    svg.append(svgEl("path", { class: "threshold", d: `M${L},${y(v)} L${W - R},${y(v)}` }));
    svg.append(svgEl("text", { x: W - R - 4, y: y(v) - 4, class: "small", "text-anchor": "end" }, `threshold ${num(v, 3)}`));
  }
  c.series.forEach((s, si) => {
    if (!s.points.length) return;
    const d = s.points.map(([t, v], pi) => `${pi ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(svgEl("path", { class: `line s${si % 6}`, d }));
  });
  if (!c.series.some((s) => s.points.length)) svg.append(svgEl("text", { x: L + 10, y: T + 24, class: "small" }, "no data in this window"));
  const legend = h("ul", { class: "legend" }, c.series.map((s, si) => h("li", {}, h("span", { class: `swatch s${si % 6}`, "aria-hidden": "true" }), seriesName(s.labels))));
  return h("figure", { class: "card chart-card" }, svg, c.error ? h("p", { class: "error" }, c.error) : legend,
    h("figcaption", { class: "hint" }, h("code", {}, c.query)));
}
async function metricsView(id, minutes) {
  const box = h("section", { id: "metrics", "aria-labelledby": "metrics-title", "aria-busy": "true" },
    h("h2", { id: "metrics-title" }, "Metrics"), h("p", { class: "hint" }, "Asking Prometheus…"));
  const draw = async (span) => {
    const res = await api("GET", `/ui/ns_instances/${id}/metrics?minutes=${span}`);
    const pick = h("select", { id: "metrics-window", onchange: () => draw(Number(pick.value)) },
      [15, 60, 360, 1440].map((m) => h("option", { value: m, selected: m === span ? true : null }, m < 60 ? `${m} minutes` : `${m / 60} hour(s)`)));
    const head = [h("h2", { id: "metrics-title" }, "Metrics"),
      h("div", { class: "row" }, h("label", { for: "metrics-window" }, "Window"), pick)];
    if (!res.ok) { box.replaceChildren(...head, problemView(res.data)); return; }
    const m = res.data;
    box.replaceChildren(...head, h("p", { class: "hint", id: "metrics-detail" }, m.detail),
      h("div", { class: "charts" }, m.charts.map((c, i) => lineChart(c, m.start, m.end, i))));
    box.removeAttribute("aria-busy");
  };
  draw(minutes || 15);
  return box;
}
