// Intents: examples by intent and language, Rasa YAML in and out, training with a progress
// bar, and the agents' corrections to accept or reject (with counts per intent as bars).
import { api, el, token } from "./api.js";

export async function intentsView(view, status) {
  const say = (text, kind = "ok") => {
    status.textContent = text;
    status.className = kind;
  };
  const { examples } = await api("/api/v1/admin/nlu/examples");
  const intents = [...new Set(examples.map((e) => e.intent))].sort();
  const languages = [...new Set(examples.map((e) => e.language))].sort();
  const intent = el("select", { id: "intent-filter" }, el("option", { value: "" }, "every intent"),
    ...intents.map((i) => el("option", {}, i)));
  const language = el("select", { id: "language-filter" }, el("option", { value: "" }, "every language"),
    ...languages.map((l) => el("option", {}, l)));
  const rows = el("tbody", { id: "examples" });
  const rerender = async () => {
    view.replaceChildren();
    await intentsView(view, status);
  };

  async function list() {
    const query = new URLSearchParams({ intent: intent.value, language: language.value });
    const { examples: shown } = await api(`/api/v1/admin/nlu/examples?${query}`);
    rows.replaceChildren(...shown.slice(0, 300).map((e) =>
      el("tr", {}, el("td", {}, e.intent), el("td", {}, e.language), el("td", {}, e.text),
        el("td", {}, el("button", { type: "button", onclick: () => remove(e.id) }, "Delete")))));
  }

  async function remove(id) {
    await api(`/api/v1/admin/nlu/examples/${id}`, { method: "DELETE" });
    say("Deleted; train to use the change.");
    await list();
  }

  const add = el("form", { id: "add-example" },
    el("label", {}, "Intent ", el("input", { name: "intent", required: true, list: "intent-names", pattern: "[A-Za-z0-9_]+" })),
    el("datalist", { id: "intent-names" }, ...intents.map((i) => el("option", { value: i }))),
    el("label", {}, "Example ", el("input", { name: "text", required: true, size: 50 })),
    el("button", { type: "submit" }, "Add example"));
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/api/v1/admin/nlu/examples", { method: "POST", body: { intent: add.intent.value.trim(), text: add.text.value } });
      say(`Added to ${add.intent.value}; train to use it.`);
      add.text.value = "";
      await list();
    } catch (error) {
      say(error.message, "error");
    }
  });

  // Import and export go through fetch directly: the body is YAML, not JSON.
  const file = el("input", { type: "file", id: "import-file", accept: ".yml,.yaml" });
  const importButton = el("button", { type: "button", id: "import" }, "Import Rasa YAML (replaces all)");
  importButton.addEventListener("click", async () => {
    if (!file.files.length) return say("Choose a file first.", "error");
    const response = await fetch("/api/v1/admin/nlu/data", {
      method: "PUT",
      headers: { Authorization: `Bearer ${token.get()}`, "Content-Type": "application/x-yaml" },
      body: await file.files[0].text(),
    });
    const body = await response.json();
    if (!response.ok) return say(`Not imported: ${body.error.message}`, "error");
    say(`Imported ${body.examples} examples.`);
    await rerender();
  });
  const exportButton = el("button", { type: "button", id: "export" }, "Export Rasa YAML");
  exportButton.addEventListener("click", async () => {
    const response = await fetch("/api/v1/admin/nlu/data", { headers: { Authorization: `Bearer ${token.get()}` } });
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "nlu.yml" });
    link.click();
  });

  const bar = el("progress", { id: "training-progress", max: "1", value: "0", hidden: true });
  const trainState = el("span", { id: "training-state" });
  const train = el("button", { type: "button", id: "train" }, "Train a new model");
  train.addEventListener("click", async () => {
    try {
      const { job } = await api("/api/v1/admin/nlu/train", { method: "POST" });
      bar.hidden = false;
      train.disabled = true;
      for (;;) {
        const state = await api(`/api/v1/admin/nlu/jobs/${job}`);
        bar.value = state.progress;
        trainState.textContent = `${state.state} ${Math.round(state.progress * 100)}%`;
        if (state.state === "done") {
          trainState.textContent = `done: model ${state.model} is in use`;
          break;
        }
        if (state.state === "failed") {
          say(`Training failed: ${state.error}`, "error");
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    } catch (error) {
      say(error.message, "error");
    } finally {
      train.disabled = false;
    }
  });

  const { corrections, per_intent: perIntent } = await api("/api/v1/admin/nlu/corrections");
  const most = Math.max(1, ...Object.values(perIntent));
  const chart = el("div", { id: "corrections-per-intent" },
    ...Object.entries(perIntent).sort((a, b) => b[1] - a[1]).map(([name, count]) =>
      el("div", { class: "bar-row" }, el("span", { class: "bar-label" }, name),
        el("span", { class: "bar", "data-width": String(Math.round((count / most) * 100)) }),
        el("span", {}, String(count)))));
  // CSP forbids inline styles in markup; widths set through the CSSOM are allowed.
  for (const span of chart.querySelectorAll(".bar")) span.style.width = `${span.dataset.width}%`;
  const decide = async (id, decision) => {
    await api(`/api/v1/admin/nlu/corrections/${id}`, { method: "POST", body: { decision } });
    say(decision === "accept" ? "Accepted as a training example; train to use it." : "Rejected.");
    await rerender();
  };
  const queue = el("tbody", { id: "corrections" }, ...corrections.map((c) =>
    el("tr", {}, el("td", {}, c.ticket), el("td", {}, `${c.field}: ${c.from} → ${c.to}`),
      el("td", {}, c.text), el("td", {}, c.actor),
      el("td", {}, el("button", { type: "button", onclick: () => decide(c.id, "accept") }, "Accept"), " ",
        el("button", { type: "button", onclick: () => decide(c.id, "reject") }, "Reject")))));

  intent.addEventListener("change", list);
  language.addEventListener("change", list);
  view.append(
    el("h2", {}, "Intents"),
    el("p", {}, train, " ", bar, " ", trainState),
    add,
    el("p", {}, file, " ", importButton, " ", exportButton),
    el("p", {}, el("a", { href: "#models" }, "Model versions, their scores, and a sentence tried on two of them")),
    el("h3", {}, "Agents' corrections"),
    chart,
    el("table", {}, el("thead", {}, el("tr", {}, ...["Ticket", "Correction", "Message", "Agent", ""].map((h) => el("th", {}, h)))), queue),
    el("h3", {}, "Examples"),
    el("p", {}, el("label", {}, "Intent ", intent), el("label", {}, "Language ", language)),
    el("table", {}, el("thead", {}, el("tr", {}, ...["Intent", "Language", "Example", ""].map((h) => el("th", {}, h)))), rows),
  );
  await list();
}
