// The handling policy as a form: departments, SLA per severity, business hours, holidays,
// agents. Fields the form does not show are kept as loaded.
import { api, el } from "./api.js";

const list = (text) => text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
const input = (name, value, attributes = {}) => el("input", { name, value: value ?? "", ...attributes });

export async function policyView(view, status) {
  const { version, policy, calendar_days: days } = await api("/api/v1/admin/policy");
  const say = (text, kind = "ok") => {
    status.textContent = text;
    status.className = kind;
  };

  const departments = el("tbody", { id: "departments" });
  const addDepartment = (name = "", d = { categories: [], supervisors: [] }) =>
    departments.append(el("tr", {},
      el("td", {}, input("name", name, { "aria-label": "department" })),
      el("td", {}, input("categories", d.categories.join(", "), { size: 40 })),
      el("td", {}, input("supervisors", (d.supervisors || []).join(", ")))));
  Object.entries(policy.departments).forEach(([name, d]) => addDepartment(name, d));

  const sla = el("tbody", {}, ...Object.entries(policy.sla).map(([severity, t]) =>
    el("tr", { "data-severity": severity },
      el("td", {}, severity),
      el("td", {}, input("first_response_hours", t.first_response_hours, { type: "number", step: "any", min: "0" })),
      el("td", {}, input("resolution_hours", t.resolution_hours, { type: "number", step: "any", min: "0" })),
      el("td", {}, el("select", { name: "first_response_clock" },
        ...["business", "plain"].map((c) => el("option", { selected: c === (t.first_response_clock || "business") }, c)))))));

  const calendar = policy.calendar || {};
  const hours = input("working_hours", (calendar.working_hours || []).join(", "), { id: "working-hours", size: 30 });
  const workdays = input("workdays", (calendar.workdays || []).join(", "), { id: "workdays", size: 30 });
  const country = input("holiday_country", calendar.holiday_country, { id: "holiday-country", size: 4, placeholder: "CN" });
  // What is in force this year and next: the holidays library's days for the country, and the policy's own.
  const inForce = el("p", { id: "calendar-days" },
    `Days off in force: ${days.holidays.join(", ") || "none"}. Make-up workdays: ${days.extra_workdays.join(", ") || "none"}.`);
  const holidays = el("textarea", { id: "holidays", rows: 6 });
  holidays.value = (calendar.holidays || []).join("\n");
  const extra = el("textarea", { id: "extra-workdays", rows: 3 });
  extra.value = (calendar.extra_workdays || []).join("\n");

  const agents = el("tbody", { id: "agents" });
  const addAgent = (a = { name: "", department: "", languages: ["en"], categories: [], skills: [], capacity: 5 }) =>
    agents.append(el("tr", {},
      el("td", {}, input("name", a.name, { "aria-label": "agent" })),
      el("td", {}, input("department", a.department)),
      el("td", {}, input("languages", a.languages.join(", "))),
      el("td", {}, input("categories", (a.categories || []).join(", "))),
      el("td", {}, input("skills", (a.skills || []).join(", "))),
      el("td", {}, input("capacity", a.capacity, { type: "number", min: "1" }))));
  (policy.agents || []).forEach(addAgent);

  const defaultDepartment = input("default_department", policy.default_department, { id: "default-department" });

  function collect() {
    const field = (row, name) => row.querySelector(`[name=${name}]`).value;
    const document = structuredClone(policy);
    document.departments = Object.fromEntries([...departments.rows]
      .filter((r) => field(r, "name").trim())
      .map((r) => [field(r, "name").trim(), { categories: list(field(r, "categories")), supervisors: list(field(r, "supervisors")) }]));
    document.default_department = defaultDepartment.value.trim();
    document.sla = Object.fromEntries([...sla.rows].map((r) => [r.dataset.severity, {
      first_response_hours: Number(field(r, "first_response_hours")),
      resolution_hours: Number(field(r, "resolution_hours")),
      first_response_clock: field(r, "first_response_clock"),
    }]));
    document.calendar = {
      ...calendar,
      working_hours: list(hours.value),
      workdays: list(workdays.value),
      holiday_country: country.value.trim().toUpperCase() || null,
      holidays: list(holidays.value),
      extra_workdays: list(extra.value),
    };
    document.agents = [...agents.rows].filter((r) => field(r, "name").trim()).map((r) => ({
      name: field(r, "name").trim(),
      department: field(r, "department").trim(),
      languages: list(field(r, "languages")),
      categories: list(field(r, "categories")),
      skills: list(field(r, "skills")),
      capacity: Number(field(r, "capacity")),
    }));
    return document;
  }

  const form = el("form", { id: "policy-form" },
    el("p", {}, version ? `Version ${version}.` : "No policy saved yet: these are the defaults in force."),
    el("fieldset", {}, el("legend", {}, "Departments and the categories they answer"),
      el("table", {}, el("thead", {}, el("tr", {}, ...["Department", "Categories", "Supervisors"].map((h) => el("th", {}, h)))), departments),
      el("button", { type: "button", onclick: () => addDepartment() }, "Add department"),
      el("label", {}, " Default department ", defaultDepartment)),
    el("fieldset", {}, el("legend", {}, "SLA hours per severity"),
      el("table", {}, el("thead", {}, el("tr", {}, ...["Severity", "First response", "Resolution", "First-response clock"].map((h) => el("th", {}, h)))), sla)),
    el("fieldset", {}, el("legend", {}, "Business hours"),
      el("label", {}, "Working hours ", hours), el("label", {}, "Workdays ", workdays),
      el("label", {}, "Public holidays of (country code, from the holidays library) ", country),
      inForce,
      el("label", {}, "Holidays besides (YYYY-MM-DD, one a line) ", holidays),
      el("label", {}, "Extra workdays (win over the library's holidays) ", extra)),
    el("fieldset", {}, el("legend", {}, "Agents (an agent account not listed takes every department and language)"),
      el("table", {}, el("thead", {}, el("tr", {}, ...["Name", "Department", "Languages", "Categories", "Skills", "Capacity"].map((h) => el("th", {}, h)))), agents),
      el("button", { type: "button", onclick: () => addAgent() }, "Add agent")),
    el("button", { type: "submit", id: "policy-save" }, "Save policy"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await api("/api/v1/admin/policy", { method: "PUT", body: collect() });
      say(`Saved as version ${saved.version}; it applies to the next ticket.`);
    } catch (error) {
      say(`Not saved: ${error.message}`, "error");
    }
  });
  view.append(el("h2", {}, "Handling policy"), form);
}
