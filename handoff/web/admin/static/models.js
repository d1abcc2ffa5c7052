// Model versions with their scores on the held-out set (scored on first view, then kept),
// activate or roll back one, and one sentence parsed by the model in use and a candidate
// version side by side.
import { api, el } from "./api.js";

const LANGUAGES = ["en", "ru", "zh-Hans", "zh-Hant"];
const percent = (x) => (typeof x === "number" ? `${Math.round(x * 1000) / 10}%` : "–");

function scoreCells(scores) {
  if (!scores) return [el("td", { colspan: String(3 + LANGUAGES.length), class: "disabled" }, "scoring…")];
  return [
    el("td", { "data-score": "macro_f1" }, percent(scores.macro_f1)),
    el("td", { "data-score": "accuracy" }, percent(scores.accuracy)),
    ...LANGUAGES.map((language) => el("td", { "data-score": language }, percent(scores.languages?.[language]))),
    el("td", { "data-score": "urgency_accuracy" }, percent(scores.urgency_accuracy)),
  ];
}

function parseColumn(side, title) {
  const column = el("div", { class: "parse", "data-side": side }, el("h4", {}, title));
  return {
    column,
    show(answer) {
      column.replaceChildren(el("h4", {}, `${title}: ${answer.model}`));
      const p = answer.parse;
      if (!p.intent) return column.append(el("p", {}, "(nothing to parse)"));
      const ranking = (p.intent_ranking || []).slice(0, 3).map((r) => `${r.name} ${percent(r.confidence)}`).join(", ");
      const rows = [
        ["Intent", `${p.intent.name} (${percent(p.intent.confidence)})`, "intent"],
        ["Ranking", ranking, "ranking"],
        ["Urgency", p.urgency ? `${p.urgency.level} (${percent(p.urgency.confidence)})` : "–", "urgency"],
        ["Language", p.language || "–", "language"],
        ["Entities", (p.entities || []).map((e) => `${e.entity}: ${e.value}`).join(", ") || "–", "entities"],
      ];
      column.append(el("table", {}, el("tbody", {}, ...rows.map(([label, value, key]) =>
        el("tr", {}, el("th", { scope: "row" }, label), el("td", { "data-field": key }, value))))));
    },
  };
}

function tryBox(models, inUse) {
  const others = models.filter((m) => m.version !== inUse);
  const candidate = el("select", { id: "try-candidate" }, ...others.map((m) => el("option", { value: m.version }, m.version)));
  const text = el("input", { id: "try-text", required: true, size: 60, "aria-label": "Sentence to try" });
  const current = parseColumn("current", "In use");
  const other = parseColumn("candidate", "Candidate");
  const form = el("form", { id: "try-form" },
    el("label", {}, "Sentence ", text),
    others.length ? el("label", {}, "Candidate ", candidate) : el("span", { class: "disabled" }, "(no other version to compare with) "),
    el("button", { type: "submit" }, "Try"));
  const failure = el("p", { class: "error", role: "alert" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    failure.textContent = "";
    try {
      const answer = await api("/api/v1/admin/nlu/try", {
        method: "POST", body: { text: text.value, candidate: candidate.value || null },
      });
      current.show(answer.current);
      if (answer.candidate) other.show(answer.candidate);
    } catch (error) {
      failure.textContent = error.message;
    }
  });
  return [form, failure, el("div", { class: "columns", id: "try-result" }, current.column, other.column)];
}

export async function modelsView(view, status) {
  const { models, in_use: inUse } = await api("/api/v1/admin/nlu/models");
  const activate = async (version) => {
    const { model } = await api(`/api/v1/admin/nlu/models/${encodeURIComponent(version)}/activate`, { method: "POST" });
    view.replaceChildren();
    await modelsView(view, status);
    status.textContent = `Model ${version} is back in use (as ${model}).`;
    status.className = "ok";
  };
  const rows = models.map((m) => {
    const row = el("tr", { "data-version": m.version },
      el("td", {}, m.version), el("td", {}, m.created_at ?? ""),
      el("td", {}, String(m.intents.length)), el("td", {}, String(m.examples.intent ?? "")),
      ...scoreCells(m.scores),
      el("td", {}, m.activated_from ? `copy of ${m.activated_from}` : ""),
      el("td", {}, m.in_use ? "in use" : el("button", { type: "button", onclick: () => activate(m.version) }, "Activate")));
    return { model: m, row };
  });
  const heads = ["Version", "Trained", "Intents", "Examples", "Macro F1", "Accuracy",
    ...LANGUAGES.map((l) => `F1 ${l}`), "Urgency accuracy", "", ""];
  view.append(
    el("h2", {}, "Model versions"),
    el("p", {}, "Scores are on the shipped held-out set (sentences by other authors than the training data)."),
    el("table", { id: "models" }, el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows.map((r) => r.row))),
    el("h3", {}, "Try a sentence"),
    ...tryBox(models, inUse),
  );
  // One version at a time: scoring loads a model and takes seconds.
  for (const { model, row } of rows) {
    if (model.scores) continue;
    try {
      const { scores } = await api(`/api/v1/admin/nlu/models/${encodeURIComponent(model.version)}/scores`);
      row.querySelector("td[colspan]")?.replaceWith(...scoreCells(scores));
    } catch (error) {
      row.querySelector("td[colspan]").textContent = error.message;
    }
  }
}
