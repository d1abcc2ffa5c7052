// Charts drawn as SVG, no library: a gauge, complaints per day, horizontal bars.

import { clear, el, percent, svg } from "./dom.js";
import { t, word } from "./i18n.js";

/** A horizontal gauge: the filled share of a track, with the figure for screen readers. */
export function meter(box, rate, label) {
  const width = 200;
  const height = 14;
  const value = rate === null || rate === undefined ? 0 : Math.max(0, Math.min(1, rate));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width: "100%",
    height,
    role: "img",
    "aria-label": `${label}: ${percent(rate)}`,
    preserveAspectRatio: "none",
  });
  chart.append(
    svg("rect", { class: "track", x: 0, y: 0, width, height, rx: 4 }),
    svg("rect", {
      class: `fill ${value >= 0.9 ? "good" : value >= 0.7 ? "fair" : "poor"}`,
      x: 0, y: 0, width: width * value, height, rx: 4,
    }),
  );
  clear(box).append(chart);
}

/** The mean of each day and the six before it (fewer at the start). */
export function movingAverage(values, width = 7) {
  return values.map((_, index) => {
    const window = values.slice(Math.max(0, index - width + 1), index + 1);
    return window.reduce((sum, value) => sum + value, 0) / window.length;
  });
}

/** Vertical bars, one per day, labelled with the first, middle and last dates; a 7-day
 * trend line over them, and a mark on each day a spike warning was raised. */
export function dayChart(box, byDay, spikeDays = []) {
  const days = Object.entries(byDay);
  clear(box);
  if (!days.length) {
    box.append(el("p", { cls: "muted", text: t("chart.no_days") }));
    return;
  }
  const width = 1000;
  const height = 220;
  const pad = { left: 32, right: 8, top: 12, bottom: 28 };
  const max = Math.max(1, ...days.map(([, count]) => count));
  const total = days.reduce((sum, [, count]) => sum + count, 0);
  const step = (width - pad.left - pad.right) / days.length;
  const plot = height - pad.top - pad.bottom;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "day-chart",
    role: "img",
    "aria-label": t("chart.per_day", {
      from: days[0][0], to: days[days.length - 1][0], total, max,
    }),
  });
  chart.append(
    svg("line", {
      class: "axis", x1: pad.left, x2: width - pad.right,
      y1: height - pad.bottom, y2: height - pad.bottom,
    }),
    svg("text", { class: "tick", x: pad.left - 6, y: pad.top + 4, "text-anchor": "end" }, max),
    svg("text", {
      class: "tick", x: pad.left - 6, y: height - pad.bottom, "text-anchor": "end",
    }, 0),
  );
  days.forEach(([day, count], index) => {
    const x = pad.left + index * step;
    if (count > 0) {
      const barHeight = (count / max) * plot;
      const bar = svg("rect", {
        class: "bar",
        x: x + step * 0.15,
        y: height - pad.bottom - barHeight,
        width: Math.max(1, step * 0.7),
        height: barHeight,
        "data-day": day,
        "data-count": count,
      });
      bar.append(svg("title", {}, `${day}: ${count}`));
      chart.append(bar);
    }
    if (spikeDays.includes(day)) {
      const mark = svg("path", {
        class: "spike-mark",
        d: `M ${x + step / 2 - 6} ${pad.top - 10} h 12 l -6 9 z`,
        "data-day": day,
      });
      mark.append(svg("title", {}, t("chart.spike_day", { day })));
      chart.append(
        svg("line", {
          class: "spike-line", x1: x + step / 2, x2: x + step / 2,
          y1: pad.top, y2: height - pad.bottom,
        }),
        mark,
      );
    }
    const labelled = index === 0 || index === days.length - 1 || index === Math.floor(days.length / 2);
    if (labelled) {
      chart.append(svg("text", {
        class: "tick", x: x + step / 2, y: height - 8, "text-anchor": "middle",
      }, day.slice(5)));
    }
  });
  const trend = movingAverage(days.map(([, count]) => count));
  const points = trend.map((value, index) =>
    `${pad.left + index * step + step / 2},${height - pad.bottom - (value / max) * plot}`);
  chart.append(svg("polyline", { class: "trend", points: points.join(" "), fill: "none" }));
  box.append(chart);
}

const AGES = ["under_1_day", "1_to_3_days", "3_to_7_days", "over_7_days"];

/** One stacked bar per open status, a segment per age bucket, youngest first. */
export function backlogChart(box, backlog) {
  const rows = Object.entries(backlog);
  clear(box);
  if (!rows.length) {
    box.append(el("p", { cls: "muted", text: t("chart.no_open") }));
    return;
  }
  const width = 360;
  const rowHeight = 24;
  const labelWidth = 130;
  const totals = rows.map(([, ages]) => Object.values(ages).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${rows.length * rowHeight + 24}`,
    class: "bar-chart",
    role: "img",
    "aria-label": t("chart.backlog", {
      list: rows.map(([status], i) => `${word("status", status)} ${totals[i]}`).join(", "),
    }),
  });
  rows.forEach(([status, ages], index) => {
    const y = index * rowHeight + 2;
    let x = labelWidth;
    chart.append(svg("text", { class: "label", x: labelWidth - 6, y: y + 15, "text-anchor": "end" },
      word("status", status)));
    AGES.forEach((age, shade) => {
      const count = ages[age] || 0;
      if (!count) return;
      const segment = ((width - labelWidth - 40) * count) / max;
      const rect = svg("rect", {
        class: `age age-${shade}`, x, y: y + 3, width: segment, height: rowHeight - 8,
        "data-status": status, "data-age": age, "data-count": count,
      });
      rect.append(svg("title", {}, `${word("status", status)}, ${word("age", age)}: ${count}`));
      chart.append(rect);
      x += segment;
    });
    chart.append(svg("text", { class: "count", x: x + 4, y: y + 15 }, totals[index]));
  });
  AGES.forEach((age, shade) => {
    const x = 10 + shade * 88;
    const y = rows.length * rowHeight + 8;
    chart.append(
      svg("rect", { class: `age age-${shade}`, x, y, width: 10, height: 10 }),
      svg("text", { class: "tick", x: x + 14, y: y + 9 }, word("age", age)),
    );
  });
  box.append(chart);
}

/** Horizontal bars, largest first, with the name and the count beside each bar. */
export function barChart(box, counts, label, kind) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  clear(box);
  if (!rows.length) {
    box.append(el("p", { cls: "muted", text: t("chart.no_complaints") }));
    return;
  }
  const width = 360;
  const rowHeight = 24;
  const labelWidth = 130;
  const countWidth = 40;
  const height = rows.length * rowHeight + 4;
  const max = Math.max(1, ...rows.map(([, count]) => count));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "bar-chart",
    role: "img",
    "aria-label": `${label}: ` + rows.map(([name, count]) => `${word(kind, name)} ${count}`).join(", "),
  });
  rows.forEach(([name, count], index) => {
    const y = index * rowHeight + 2;
    const barWidth = ((width - labelWidth - countWidth) * count) / max;
    chart.append(
      svg("text", { class: "label", x: labelWidth - 6, y: y + 15, "text-anchor": "end" },
        word(kind, name)),
      svg("rect", {
        class: "hbar", x: labelWidth, y: y + 3, width: Math.max(1, barWidth), height: rowHeight - 8,
        "data-name": name, "data-count": count,
      }),
      svg("text", { class: "count", x: labelWidth + barWidth + 4, y: y + 15 }, count),
    );
  });
  box.append(chart);
}
