// The supervisor's figures for a period: counts, rates, charts and open spike warnings.

import { api } from "./api.js";
import { $, badge, clear, el, on, percent, timeElement } from "./dom.js";
import { backlogChart, barChart, dayChart, meter } from "./charts.js";
import { t, word } from "./i18n.js";
import { isSupervisor } from "./state.js";

let statsTimer = null;
let lastStats = null;

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return t("dur.s", { n: Math.round(seconds) });
  if (seconds < 5400) return t("dur.min", { n: Math.round(seconds / 60) });
  if (seconds < 172800) return t("dur.h", { n: Math.round((seconds / 3600) * 10) / 10 });
  return t("dur.days", { n: Math.round((seconds / 86400) * 10) / 10 });
}

export function scheduleStatsRefresh() {
  if (!isSupervisor()) return;
  clearTimeout(statsTimer);
  statsTimer = setTimeout(loadStats, 300);
}

export async function loadStats() {
  const params = new URLSearchParams();
  if ($("period-from").value) params.set("from", $("period-from").value);
  if ($("period-to").value) params.set("to", $("period-to").value);
  $("dashboard-error").textContent = "";
  $("export-tickets").href = `/api/v1/stats/tickets.csv?${params}`;
  $("export-figures").href = `/api/v1/stats/figures.csv?${params}`;
  try {
    lastStats = await api(`/api/v1/stats?${params}`);
    renderStats(lastStats);
  } catch (error) {
    $("dashboard-error").textContent = t("dash.failed", { why: error.message });
  }
}

function renderStats(stats) {
  $("stat-total").textContent = String(stats.tickets ?? 0);
  const timely = stats.timely_handling || {};
  $("stat-timely").textContent = percent(timely.rate);
  $("stat-timely-detail").textContent =
    t("dash.decided", { a: timely.handled_in_time ?? 0, b: timely.decided ?? 0 });
  meter($("meter-timely"), timely.rate, t("dash.timely"));
  const satisfaction = stats.satisfaction || {};
  $("stat-satisfaction").textContent = percent(satisfaction.rate);
  $("stat-satisfaction-detail").textContent =
    t("dash.surveyed", { a: satisfaction.satisfied ?? 0, b: satisfaction.surveyed ?? 0 });
  meter($("meter-satisfaction"), satisfaction.rate, t("dash.satisfaction"));
  const first = stats.first_response || {};
  $("stat-first-response").textContent = duration(first.mean_seconds);
  $("stat-first-response-detail").textContent =
    t("dash.answered_in_time", { a: first.within_deadline ?? 0, b: first.responded ?? 0 });
  const incidence = stats.incidence || {};
  $("stat-incidence").textContent =
    incidence.rate === null || incidence.rate === undefined
      ? "–"
      : String(Math.round(incidence.rate * 1000 * 100) / 100);
  $("stat-incidence-detail").textContent = incidence.sales
    ? t("dash.sales", { complaints: incidence.complaints, sales: incidence.sales })
    : t("dash.no_sales");

  const spikeDays = (stats.spike_warnings || []).map((w) => String(w.raised_at).slice(0, 10));
  dayChart($("chart-day"), stats.by_day || {}, spikeDays);
  backlogChart($("chart-backlog"), stats.backlog || {});
  renderHolders(stats.departments || {}, stats.agents || {});
  barChart($("chart-category"), stats.by_category || {}, t("chart.by_category"), "category");
  barChart($("chart-channel"), stats.by_channel || {}, t("chart.by_channel"), "channel");
  barChart($("chart-department"), stats.by_department || {}, t("chart.by_department"),
    "department");
  renderSpikes(stats.spike_warnings || []);
}

/** Departments, then agents: tickets of the period, open now, and the on-time rate. */
function renderHolders(departments, agents) {
  const body = clear($("holders").tBodies[0]);
  const rows = [
    ...Object.entries(departments).map(([name, f]) => ["department", name || "–", f]),
    ...Object.entries(agents).map(([name, f]) => ["agent", name, f]),
  ];
  for (const [kind, name, figures] of rows) {
    const shown = kind === "agent"
      ? t("dash.agent", { name: name || t("dash.unassigned") })
      : t("dash.department", { name: word("department", name) });
    body.append(el("tr", { attrs: { "data-kind": kind, "data-name": name || "unassigned" } }, [
      el("th", { attrs: { scope: "row" }, text: shown }),
      el("td", { text: figures.tickets }),
      el("td", { text: figures.open }),
      el("td", {
        text: t("dash.rate_of", { rate: percent(figures.rate), a: figures.handled_in_time, b: figures.decided }),
      }),
    ]));
  }
}

function renderSpikes(warnings) {
  const list = clear($("spike-list"));
  if (!warnings.length) {
    list.append(el("li", { cls: "muted", text: t("dash.no_spikes") }));
    return;
  }
  for (const warning of warnings) {
    const ratio = warning.expected
      ? ` (${t("dash.spike_ratio", { r: Math.round((warning.observed / warning.expected) * 10) / 10 })})`
      : "";
    const line = t("dash.spike_line", {
      observed: warning.observed, expected: Math.round(warning.expected * 10) / 10,
    });
    list.append(
      el("li", { cls: "spike" }, [
        badge(t("dash.spike"), "breached"),
        el("strong", {
          text: ` ${word("dimension", warning.dimension)}: ${word(warning.dimension, warning.value)}`,
        }),
        el("span", {
          text: ` — ${line}${ratio}, p = ${Number(warning.p_value).toPrecision(2)} · ${t("dash.since")} `,
        }),
        timeElement(warning.raised_at),
      ]),
    );
  }
}

// The figures stay; their words follow the member's language.
on("language-changed", () => lastStats && renderStats(lastStats));

export function wireDashboard() {
  $("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadStats();
  });
}
