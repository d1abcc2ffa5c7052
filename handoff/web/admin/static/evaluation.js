// The evaluation of the model in use on the held-out set: F1 per intent and per language,
// the confusions drawn as a heat map (true intent by row, predicted by column).
import { api, el } from "./api.js";

const percent = (x) => `${Math.round(x * 100)}%`;

export async function evaluationView(view) {
  const { model, report } = await api("/api/v1/admin/nlu/evaluation");
  const names = report.intents.map((m) => m.name);
  const counts = new Map();
  for (const m of report.intents) counts.set(`${m.name}|${m.name}`, Math.round(m.recall * m.support));
  for (const c of report.confused) counts.set(`${c.true}|${c.predicted}`, c.count);
  const most = Math.max(1, ...counts.values());
  const cells = [];
  for (const truth of names) {
    cells.push(el("th", { scope: "row" }, truth));
    for (const predicted of names) {
      const n = counts.get(`${truth}|${predicted}`) ?? 0;
      const cell = el("td", { class: "heat", title: `${truth} → ${predicted}: ${n}` }, n ? String(n) : "");
      // Diagonal in green, confusions in red; stronger means more sentences.
      const hue = truth === predicted ? "23, 105, 46" : "192, 57, 43";
      cell.style.background = `rgba(${hue}, ${n / most})`;
      cells.push(cell);
    }
  }
  const grid = el("div", { class: "heatmap", id: "confusion" }, el("span"), ...names.map((n) => el("span", { class: "heat-head" }, n)), ...cells);
  grid.style.gridTemplateColumns = `10rem repeat(${names.length}, 3rem)`;
  view.append(
    el("h2", {}, "Evaluation"),
    el("p", {}, `Model ${model} on the held-out set: accuracy ${percent(report.accuracy)}, macro F1 ${percent(report.macro_f1)}.`),
    el("table", { id: "intent-f1" },
      el("thead", {}, el("tr", {}, ...["Intent", "Precision", "Recall", "F1", "Sentences"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...report.intents.map((m) => el("tr", {}, el("td", {}, m.name), el("td", {}, percent(m.precision)),
        el("td", {}, percent(m.recall)), el("td", {}, percent(m.f1)), el("td", {}, String(m.support)))))),
    el("h3", {}, "F1 per language"),
    el("table", { id: "language-f1" }, el("tbody", {}, ...Object.entries(report.languages).map(([language, figures]) =>
      el("tr", {}, el("td", {}, language), el("td", {}, percent(figures.macro_f1 ?? figures.f1 ?? 0)))))),
    el("h3", {}, "Confusions (true intent by row, predicted by column)"),
    grid,
    el("h3", {}, "Most confused"),
    el("ul", {}, ...report.confused.map((c) => el("li", {}, `${c.true} → ${c.predicted}: ${c.count}`))),
  );
}
