// Small SVG charts, readable without colour: hatched bars, marked lines, axis labels, a <title> on every
// mark and a plain table beside each chart.
import { h, s } from "./dom.js";
import { count, num, time } from "./format.js";

function niceMax(value) {
  if (value <= 5) return 5;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function patterns(id) {
  return s("defs", null,
    s("pattern", { id: `${id}-hatch`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      s("rect", { width: 6, height: 6, class: "hatch-bg" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line" })));
}

let chartCounter = 0;

/**
 * The timeline of a report: redemptions per bucket as hatched bars, first-time users as a line with square
 * markers. `buckets` are {startMs, redemptions, uniqueUsers}; `widthMs` the bucket width.
 */
export function timelineChart(buckets, { widthMs, title }) {
  const id = `chart${++chartCounter}`;
  const width = 760, height = 280;
  const left = 56, right = 16, top = 28, bottom = 56;
  const plotW = width - left - right, plotH = height - top - bottom;
  const peak = Math.max(1, ...buckets.map((b) => Math.max(num(b.redemptions), num(b.uniqueUsers))));
  const yMax = niceMax(peak);
  const y = (value) => top + plotH - (value / yMax) * plotH;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, slot * 0.7);
  const label = widthMs >= 86400000 ? "day" : "hour";
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart timeline", role: "img", "aria-labelledby": `${id}-title ${id}-desc` },
    s("title", { id: `${id}-title` }, title),
    s("desc", { id: `${id}-desc` }, `Bars: redemptions per ${label}. Line with square markers: first-time users per ${label}. Times in UTC.`),
    patterns(id));
  // Grid and y axis.
  for (let i = 0; i <= 5; i++) {
    const value = (yMax / 5) * i;
    svg.append(s("line", { x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid-line" }));
    svg.append(s("text", { x: left - 6, y: y(value) + 4, class: "tick", "text-anchor": "end" }, count(Math.round(value))));
  }
  svg.append(s("text", { x: 14, y: top + plotH / 2, class: "axis-label", "text-anchor": "middle", transform: `rotate(-90 14 ${top + plotH / 2})` }, "count"));
  svg.append(s("text", { x: left + plotW / 2, y: height - 8, class: "axis-label", "text-anchor": "middle" }, `time (UTC), one bar per ${label}`));
  svg.append(s("line", { x1: left, x2: width - right, y1: top + plotH, y2: top + plotH, class: "axis" }));
  svg.append(s("line", { x1: left, x2: left, y1: top, y2: top + plotH, class: "axis" }));
  // Bars.
  const tickEvery = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((bucket, index) => {
    const x = left + index * slot + (slot - barW) / 2;
    const value = num(bucket.redemptions);
    const users = num(bucket.uniqueUsers);
    if (value > 0) {
      svg.append(s("rect", { x, y: y(value), width: barW, height: top + plotH - y(value), class: "bar", fill: `url(#${id}-hatch)`, "data-value": value },
        s("title", null, `${time(bucket.startMs)}: ${count(value)} redemptions, ${count(users)} first-time users`)));
    }
    if (index % tickEvery === 0) {
      const text = widthMs >= 86400000 ? time(bucket.startMs).slice(5, 10) : time(bucket.startMs).slice(5, 16);
      svg.append(s("text", { x: left + index * slot + slot / 2, y: top + plotH + 16, class: "tick", "text-anchor": "middle" }, text));
    }
  });
  // First-time users: a line with square markers.
  const points = buckets.map((bucket, index) => [left + index * slot + slot / 2, y(num(bucket.uniqueUsers))]);
  if (points.length > 1) svg.append(s("polyline", { points: points.map((p) => p.join(",")).join(" "), class: "series-line" }));
  buckets.forEach((bucket, index) => {
    const users = num(bucket.uniqueUsers);
    if (users === 0 && buckets.length > 48) return;
    const [px, py] = points[index];
    svg.append(s("rect", { x: px - 3, y: py - 3, width: 6, height: 6, class: "marker" },
      s("title", null, `${time(bucket.startMs)}: ${count(users)} first-time users`)));
  });
  // Legend in words and shapes.
  svg.append(s("rect", { x: left, y: 6, width: 14, height: 12, fill: `url(#${id}-hatch)`, class: "bar" }));
  svg.append(s("text", { x: left + 20, y: 16, class: "legend" }, "redemptions"));
  svg.append(s("rect", { x: left + 130, y: 8, width: 8, height: 8, class: "marker" }));
  svg.append(s("text", { x: left + 144, y: 16, class: "legend" }, "first-time users"));
  const totals = buckets.reduce((sum, b) => sum + num(b.redemptions), 0);
  const rows = buckets.filter((b) => num(b.redemptions) || num(b.uniqueUsers));
  const alt = h("details", { class: "chart-table" },
    h("summary", null, `Table: ${count(totals)} redemptions in ${count(rows.length)} ${label}${rows.length === 1 ? "" : "s"} with activity`),
    h("table", { class: "grid compact" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, `${label} (UTC)`), h("th", { scope: "col" }, "redemptions"), h("th", { scope: "col" }, "first-time users"))),
      h("tbody", null, rows.map((b) => h("tr", null, h("td", null, time(b.startMs)), h("td", { class: "n" }, count(b.redemptions)), h("td", { class: "n" }, count(b.uniqueUsers)))))));
  return h("figure", { class: "chart-figure" }, svg, alt);
}

/** Horizontal hatched bars with the label and the value written beside each: {key, count}. */
export function barList(items, { title, empty = "none in this range" }) {
  if (!items || items.length === 0) return h("p", { class: "muted" }, empty);
  const id = `chart${++chartCounter}`;
  const rowH = 22, labelW = 140, barMax = 190, width = labelW + barMax + 60;
  const peak = Math.max(1, ...items.map((item) => num(item.count)));
  const svg = s("svg", { viewBox: `0 0 ${width} ${items.length * rowH + 6}`, class: "chart bars", role: "img", "aria-label": title },
    s("title", null, title), patterns(id));
  items.forEach((item, index) => {
    const yTop = index * rowH + 3;
    const w = Math.max(1, (num(item.count) / peak) * barMax);
    const key = item.key || "(none)";
    svg.append(s("text", { x: labelW - 8, y: yTop + 14, class: "tick", "text-anchor": "end" }, key.length > 20 ? key.slice(0, 19) + "…" : key));
    svg.append(s("rect", { x: labelW, y: yTop + 2, width: w, height: rowH - 8, fill: `url(#${id}-hatch)`, class: "bar" },
      s("title", null, `${key}: ${count(item.count)}`)));
    svg.append(s("text", { x: labelW + w + 6, y: yTop + 14, class: "tick" }, count(item.count)));
  });
  return svg;
}
