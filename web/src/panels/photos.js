// The photos of an incident in its details (docs/web.md, "Photos"): each report's photo links and
// the operators' "after" photos, with the report and the time. A link opens the photo in a new tab
// (the wall itself loads nothing); only a host the server allow-lists ([wall] photo_hosts, GET
// /api/v1/config) is shown as a thumbnail, which the page's Content-Security-Policy also allows.
import { t, locale } from "../i18n.js";
import { esc } from "../dom.js";

export function photosHtml(photos, allowedHosts) {
  const items = (photos ?? []).map((p) => {
    let url;
    try { url = new URL(p.url); } catch { return ""; }
    if (url.protocol !== "http:" && url.protocol !== "https:") return "";
    const who = p.kind === "after" ? t("photo_after") : t("photo_of_report").replace("{id}", p.report_id);
    const label = `${who} · ${new Date(p.at).toLocaleString(locale)}`;
    // The CSP names hosts without a port, which allows their default port only.
    const thumbnail = url.port === "" && allowedHosts.includes(url.hostname);
    const shown = thumbnail
      ? `<img src="${esc(url.href)}" alt="${esc(label)}" loading="lazy" referrerpolicy="no-referrer">`
      : esc(url.hostname);
    return `<li data-testid="photo" data-kind="${esc(p.kind)}"><a href="${esc(url.href)}" target="_blank" rel="noopener noreferrer">${shown}</a> ${esc(label)}</li>`;
  }).join("");
  return items ? `<h2>${esc(t("photos"))}</h2><ul class="photos">${items}</ul>` : "";
}
