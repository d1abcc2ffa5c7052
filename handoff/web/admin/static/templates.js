// Reply templates: pick one, edit it with a live preview against a sample ticket, save,
// reset to the shipped text, or restore an earlier version.
import { api, el } from "./api.js";

export async function templatesView(view, status) {
  const { templates } = await api("/api/v1/admin/templates");
  const languages = [...new Set(templates.map((t) => t.language))];
  const names = [...new Set(templates.map((t) => t.name))];
  const language = el("select", { id: "template-language" }, ...languages.map((l) => el("option", {}, l)));
  const name = el("select", { id: "template-name" },
    ...names.map((n) => el("option", { selected: n === "acknowledgement" }, n)));
  const editor = el("textarea", { id: "template-text", spellcheck: "false" });
  const preview = el("div", { class: "preview", id: "template-preview", "aria-live": "polite" });
  const problem = el("p", { class: "error", id: "template-problem", role: "alert" });
  const source = el("span", { id: "template-source" });
  const versions = el("tbody");
  const path = () => `/api/v1/admin/templates/${language.value}/${name.value}`;
  const say = (text, kind = "ok") => {
    status.textContent = text;
    status.className = kind;
  };

  // Edits made while a template is loading win over the loaded text.
  let edits = 0;
  async function load() {
    const editsBefore = edits;
    const { templates: all } = await api("/api/v1/admin/templates");
    const current = all.find((t) => t.language === language.value && t.name === name.value);
    if (edits === editsBefore) editor.value = current.text;
    source.textContent = current.source === "custom" ? "edited" : "shipped";
    await render();
    const { versions: list } = await api(`${path()}/versions`);
    versions.replaceChildren(...list.map((v) =>
      el("tr", {},
        el("td", {}, v.at), el("td", {}, v.actor), el("td", {}, v.action),
        el("td", {}, el("pre", {}, v.text ?? "")),
        el("td", {}, el("button", { type: "button", onclick: () => restore(v.text) }, "Restore")))));
  }

  let pending = 0;
  async function render() {
    const ticket = ++pending;
    try {
      const { preview: text } = await api(`${path()}/preview`, { method: "POST", body: { text: editor.value } });
      if (ticket !== pending) return;
      preview.textContent = text;
      problem.textContent = "";
    } catch (error) {
      if (ticket !== pending) return;
      problem.textContent = error.message;
    }
  }

  async function save(text) {
    try {
      await api(path(), { method: "PUT", body: { text } });
      say(`Saved ${language.value}/${name.value}; the next reply uses it.`);
      await load();
    } catch (error) {
      problem.textContent = error.message;
      say(`Not saved: ${error.message}`, "error");
    }
  }

  async function restore(text) {
    editor.value = text;
    await save(text);
  }

  async function reset() {
    await api(path(), { method: "DELETE" });
    say(`${language.value}/${name.value} is back to the shipped text.`);
    await load();
  }

  let timer;
  editor.addEventListener("input", () => {
    edits += 1;
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  });
  language.addEventListener("change", load);
  name.addEventListener("change", load);

  view.append(
    el("h2", {}, "Reply templates"),
    el("p", {}, el("label", {}, "Language ", language), el("label", {}, "Reply ", name), source),
    el("div", { class: "columns" },
      el("div", {}, el("h3", {}, "Template (Jinja2)"), editor),
      el("div", {}, el("h3", {}, "Preview with a sample ticket"), preview)),
    problem,
    el("p", {},
      el("button", { type: "button", id: "template-save", onclick: () => save(editor.value) }, "Save"), " ",
      el("button", { type: "button", id: "template-reset", onclick: reset }, "Back to shipped text")),
    el("h3", {}, "Versions"),
    el("table", {}, el("thead", {}, el("tr", {}, ...["When", "Who", "Change", "Text", ""].map((h) => el("th", {}, h)))), versions),
  );
  await load();
}
