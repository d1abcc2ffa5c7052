// The console's own strings in en, ru, zh-Hans and zh-Hant, chosen per staff member (kept in
// this browser under the member's name). Customer text is never translated here. The
// tables live in one module per language; English has every key.

import { emit } from "./dom.js";
import * as en from "./lang-en.js";
import * as ru from "./lang-ru.js";
import * as zhHans from "./lang-zh-hans.js";
import * as zhHant from "./lang-zh-hant.js";

const TABLES = { en, ru, "zh-Hans": zhHans, "zh-Hant": zhHant };
const STRINGS = Object.fromEntries(Object.entries(TABLES).map(([k, v]) => [k, v.strings]));
const WORDS = Object.fromEntries(Object.entries(TABLES).map(([k, v]) => [k, v.words]));

export const LANGUAGES = [
  ["en", "English"],
  ["ru", "Русский"],
  ["zh-Hans", "简体中文"],
  ["zh-Hant", "繁體中文"],
];

let language = "en";

export function currentLanguage() {
  return language;
}

/** The string for `key` in the member's language (English where one is missing). */
export function t(key, vars = {}) {
  const template = (STRINGS[language] && STRINGS[language][key]) ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

/** An API value in words: "waiting_customer" → "waiting customer" (or its translation). */
export function word(kind, value) {
  if (value === null || value === undefined) return "–";
  const table = WORDS[language] && WORDS[language][kind];
  return (table && table[value]) || String(value).replaceAll("_", " ");
}

function storageKey(member) {
  return `complaint-desk.language.${member}`;
}

/** The member's chosen language, else the browser's nearest. */
export function languageFor(member) {
  const saved = member ? localStorage.getItem(storageKey(member)) : null;
  if (saved && STRINGS[saved]) return saved;
  const browser = (navigator.language || "en").toLowerCase();
  if (browser.startsWith("ru")) return "ru";
  if (/^zh-(tw|hk|mo|hant)/.test(browser)) return "zh-Hant";
  if (browser.startsWith("zh")) return "zh-Hans";
  return "en";
}

export function setLanguage(lang, member) {
  language = STRINGS[lang] ? lang : "en";
  if (member) localStorage.setItem(storageKey(member), language);
  document.documentElement.lang = language;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
  emit("language-changed", language);
}
