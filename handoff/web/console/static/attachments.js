// A message's files in the thread: raster images inline, everything else a download. The
// gateway serves both from the staff route with nosniff, a script-less sandbox CSP and
// `Content-Disposition: attachment` for anything not an image, so no file runs here.

import { el } from "./dom.js";
import { t } from "./i18n.js";

// What the gateway shows inline: the same raster types (never SVG, which can carry script).
const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"]);

function size(bytes) {
  if (!Number.isFinite(bytes) || bytes <= 0) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 102.4) / 10} KB`;
  return `${Math.round(bytes / 104857.6) / 10} MB`;
}

function item(file) {
  const name = file.filename || t("attachment.unnamed");
  if (!file.url) {
    return el("li", { cls: "attachment muted", attrs: { "data-attachment": "missing" } }, [
      `${name} · ${t("attachment.not_stored")}`,
    ]);
  }
  if (INLINE.has(String(file.content_type || "").toLowerCase())) {
    const image = el("img", {
      attrs: { src: file.url, alt: name, loading: "lazy", "data-attachment": "image" },
    });
    const open = el("a", { attrs: { href: file.url, target: "_blank", rel: "noopener noreferrer" } }, [image]);
    return el("li", { cls: "attachment attachment-image" }, [
      el("figure", {}, [open, el("figcaption", { cls: "muted", text: name })]),
    ]);
  }
  const link = el("a", {
    text: name,
    attrs: { href: file.url, download: name, rel: "noopener noreferrer", "data-attachment": "file" },
  });
  const details = [file.content_type, size(file.size)].filter(Boolean).join(", ");
  return el("li", { cls: "attachment" }, [
    link, " ", el("span", { cls: "muted", text: `(${t("attachment.download")}${details ? `: ${details}` : ""})` }),
  ]);
}

/** The list of a message's files, or null when it has none. */
export function attachmentList(files) {
  if (!Array.isArray(files) || !files.length) return null;
  return el("ul", { cls: "attachments", attrs: { "aria-label": t("attachment.list") } }, files.map(item));
}
