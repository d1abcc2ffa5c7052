// The supervisor's figures for a period: counts, rates, charts and open spike warnings.

import { api } from "./api.js";
import { $, badge, clear, el, humanize, percent, timeElement } from "./dom.js";
import { backlogChart, barChart, dayChart, meter } from "./charts.js";
import { isSupervisor } from "./state.js";

let statsTimer = null;

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.round((seconds / 86400) * 10) / 10} days`;
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
    renderStats(await api(`/api/v1/stats?${params}`));
  } catch (error) {
    $("dashboard-error").textContent = `Could not load the figures: ${error.message}`;
  }
}

function renderStats(stats) {
  $("stat-total").textContent = String(stats.tickets ?? 0);
  const timely = stats.timely_handling || {};
  $("stat-timely").textContent = percent(timely.rate);
  $("stat-timely-detail").textContent =
    `${timely.handled_in_time ?? 0} of ${timely.decided ?? 0} decided`;
  meter($("meter-timely"), timely.rate, "Handled on time");
  const satisfaction = stats.satisfaction || {};
  $("stat-satisfaction").textContent = percent(satisfaction.rate);
  $("stat-satisfaction-detail").textContent =
    `${satisfaction.satisfied ?? 0} of ${satisfaction.surveyed ?? 0} surveyed`;
  meter($("meter-satisfaction"), satisfaction.rate, "Satisfied customers");
  const first = stats.first_response || {};
  $("stat-first-response").textContent = duration(first.mean_seconds);
  $("stat-first-response-detail").textContent =
    `${first.within_deadline ?? 0} of ${first.responded ?? 0} answered in time`;
  const incidence = stats.incidence || {};
  $("stat-incidence").textContent =
    incidence.rate === null || incidence.rate === undefined
      ? "–"
      : String(Math.round(incidence.rate * 1000 * 100) / 100);
  $("stat-incidence-detail").textContent = incidence.sales
    ? `${incidence.complaints} complaints, ${incidence.sales} units`
    : "no sales figures";

  const spikeDays = (stats.spike_warnings || []).map((w) => String(w.raised_at).slice(0, 10));
  dayChart($("chart-day"), stats.by_day || {}, spikeDays);
  backlogChart($("chart-backlog"), stats.backlog || {});
  renderHolders(stats.departments || {}, stats.agents || {});
  barChart($("chart-category"), stats.by_category || {}, "complaints by category", "category");
  barChart($("chart-channel"), stats.by_channel || {}, "complaints by channel", "channel");
  barChart($("chart-department"), stats.by_department || {}, "complaints by department",
    "department");
  renderSpikes(stats.spike_warnings || []);
}

/** Departments, then agents: tickets of the period, open now, and the on-time rate. */
function renderHolders(departments, agents) {
  const body = clear($("holders").tBodies[0]);
  const rows = [
    ...Object.entries(departments).map(([name, f]) => ["department", name || "–", f]),
    ...Object.entries(agents).map(([name, f]) => ["agent", name || "unassigned", f]),
  ];
  for (const [kind, name, figures] of rows) {
    const rate = percent(figures.rate);
    body.append(el("tr", { attrs: { "data-kind": kind, "data-name": name } }, [
      el("th", { attrs: { scope: "row" }, text: `${kind === "agent" ? "Agent" : "Department"} ${humanize(name)}` }),
      el("td", { text: figures.tickets }),
      el("td", { text: figures.open }),
      el("td", { text: `${rate} (${figures.handled_in_time} of ${figures.decided})` }),
    ]));
  }
}

function renderSpikes(warnings) {
  const list = clear($("spike-list"));
  if (!warnings.length) {
    list.append(el("li", { cls: "muted", text: "No open spike warnings." }));
    return;
  }
  for (const warning of warnings) {
    const ratio = warning.expected
      ? ` (${Math.round((warning.observed / warning.expected) * 10) / 10}× expected)`
      : "";
    list.append(
      el("li", { cls: "spike" }, [
        badge("spike", "breached"),
        el("strong", { text: ` ${humanize(warning.dimension)}: ${humanize(warning.value)}` }),
        el("span", {
          text: ` — ${warning.observed} seen, ${Math.round(warning.expected * 10) / 10} expected` +
            `${ratio}, p = ${Number(warning.p_value).toPrecision(2)} · since `,
        }),
        timeElement(warning.raised_at),
      ]),
    );
  }
}

export function wireDashboard() {
  $("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadStats();
  });
}
