// Staff: list, add, change role, disable or enable, issue a new token.
import { api, el } from "./api.js";

const ROLES = ["agent", "supervisor", "admin"];

export async function staffView(view, status) {
  const { staff } = await api("/api/v1/admin/staff");
  const say = (text, kind = "ok") => {
    status.textContent = text;
    status.className = kind;
  };
  const showToken = (name, value) =>
    view.prepend(
      el("p", { class: "token", id: "new-token" }, `API token for ${name} (shown once): `, el("code", {}, value)),
    );
  const rerender = async () => {
    view.replaceChildren();
    await staffView(view, status);
  };

  const form = el(
    "form",
    { id: "add-staff" },
    el("label", {}, "Name ", el("input", { name: "name", required: true, pattern: "[\\w.@-]+" })),
    el("label", {}, "Role ", el("select", { name: "role" }, ...ROLES.map((r) => el("option", {}, r)))),
    el("button", { type: "submit" }, "Add"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: form.name.value.trim(), role: form.role.value };
    try {
      const made = await api("/api/v1/admin/staff", { method: "POST", body });
      await rerender();
      showToken(made.name, made.token);
      say(`Added ${made.role} ${made.name}. An agent takes tickets of every department until the policy narrows them.`);
    } catch (error) {
      say(error.message, "error");
    }
  });

  const rows = staff.map((member) => {
    const role = el("select", { "aria-label": `role of ${member.name}` },
      ...ROLES.map((r) => el("option", { selected: r === member.role }, r)));
    role.addEventListener("change", () => change(member.name, { role: role.value }));
    return el(
      "tr",
      { class: member.disabled ? "disabled" : null, "data-name": member.name },
      el("td", {}, member.name),
      el("td", {}, role),
      el("td", {}, member.disabled ? `disabled ${member.disabled_at}` : "active"),
      el("td", {},
        el("button", { type: "button", onclick: () => change(member.name, { disabled: !member.disabled }) },
          member.disabled ? "Enable" : "Disable"),
        " ",
        el("button", { type: "button", onclick: () => newToken(member.name) }, "New token")),
    );
  });

  async function change(name, body) {
    try {
      await api(`/api/v1/admin/staff/${encodeURIComponent(name)}`, { method: "PATCH", body });
      await rerender();
      say(`Changed ${name}.`);
    } catch (error) {
      say(error.message, "error");
    }
  }

  async function newToken(name) {
    try {
      const made = await api(`/api/v1/admin/staff/${encodeURIComponent(name)}/token`, { method: "POST" });
      await rerender();
      showToken(made.name, made.token);
      say(`The old token of ${name} no longer works.`);
    } catch (error) {
      say(error.message, "error");
    }
  }

  view.append(
    el("h2", {}, "Staff"),
    form,
    el("table", { id: "staff" },
      el("thead", {}, el("tr", {}, ...["Name", "Role", "State", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows)),
  );
}
