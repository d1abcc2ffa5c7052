// The audit log: every administrator's change, newest first.
import { api, el } from "./api.js";

const show = (value) => el("pre", {}, value == null ? "" : typeof value === "string" ? value : JSON.stringify(value, null, 1));

export async function auditView(view) {
  const { entries } = await api("/api/v1/admin/audit?limit=300");
  view.append(
    el("h2", {}, "Audit log"),
    el("table", { id: "audit" },
      el("thead", {}, el("tr", {}, ...["When", "Who", "Change", "What", "Before", "After"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...entries.map((e) =>
        el("tr", {}, el("td", {}, e.at), el("td", {}, e.actor), el("td", {}, e.action),
          el("td", {}, e.subject), el("td", {}, show(e.before)), el("td", {}, show(e.after)))))),
  );
}
