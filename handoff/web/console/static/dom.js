// DOM and formatting helpers. Every text from the server (customer mail above all) goes into
// the page with textContent or an SVG text node, never as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

/** An element with text content (never markup), attributes and children. */
export function el(tag, { text, cls, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Business time as the gateway gives it (its own offset), e.g. "2026-11-23 10:00 +08:00". */
export function formatTime(iso) {
  if (!iso) return "–";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::[\d.]+)?(Z|[+-]\d{2}:\d{2})?$/.exec(iso);
  if (!match) return iso;
  return `${match[1]} ${match[2]}${match[3] ? ` ${match[3] === "Z" ? "UTC" : match[3]}` : ""}`;
}

export function timeElement(iso) {
  const node = el("time", { text: formatTime(iso), attrs: iso ? { datetime: iso } : {} });
  const local = iso ? new Date(iso) : null;
  if (local && !Number.isNaN(local.getTime())) node.title = local.toLocaleString();
  return node;
}

export function percent(rate) {
  return rate === null || rate === undefined ? "–" : `${Math.round(rate * 1000) / 10}%`;
}

export function badge(text, kind) {
  return el("span", { cls: `badge badge-${kind}`, text });
}

export function notice(message, kind = "info") {
  const box = $("notice");
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = !message;
}

/** Publish/subscribe between the modules, so none imports another's internals. */
const bus = new EventTarget();

export function on(name, handler) {
  bus.addEventListener(name, (event) => handler(event.detail));
}

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}
