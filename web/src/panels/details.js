// The operator view: an incident's details from GET /api/v1/incidents/{id} (districts, times,
// reports, sources, assignee, agency, audit trail) and a form that PATCHes only what the operator
// changed (a changed agency is the audited reassignment to another OPD). On a playback wall it is
// the incident as it was at the playback clock (?at=, docs/history.md), without the form: the
// past is looked at, not changed.
import { STATUS_NAMES, statusGroup, fromJson } from "../model.js";
import { t, locale, typeName, sourceName, timeLeft } from "../i18n.js";
import { $, esc } from "../dom.js";
import { overdueBadge, slaRows } from "./agencies.js";
import { photosHtml } from "./photos.js";
import { serverConfig } from "../server_config.js";
import { formatTime } from "../playback.js";

// onUpdated(): the server's answer to a PATCH changed an incident the wall holds. pastAt(): a
// playback's clock (ms) when the details are opened, null on a live wall.
export function createDetails({ store, districts, onUpdated, pastAt = () => null }) {
  let selected = null;            // the incident shown; a slow answer for another one is dropped

  async function open(id) {
    selected = id;
    const box = $("details");
    box.hidden = false;
    const at = pastAt();
    const query = at === null ? "" : `?at=${encodeURIComponent(formatTime(at))}`;
    const r = await fetch(`/api/v1/incidents/${id}${query}`, { cache: "no-store" });
    if (!r.ok) { box.innerHTML = `<h2>${esc(t("error"))} ${r.status}</h2>`; return; }
    const j = await r.json();
    j.photo_hosts = (await serverConfig()).photo_hosts ?? []; // for photosHtml: thumbnails from these only
    if (selected !== id) return;
    const inc = fromJson(j);
    // An alert's headline and end as the stream carries them, where the REST answer has none.
    const live = store.incidents.get(id);
    inc.headline ||= live?.headline ?? "";
    inc.expires ||= live?.expires ?? 0;
    box.innerHTML = detailsHtml(inc, j, districts, at);
    $("d-close").onclick = () => { box.hidden = true; selected = null; };
    if (at !== null) return;
    $("d-form").onsubmit = async (e) => {
      e.preventDefault();
      const form = new FormData(e.target), body = { actor: "operator" };
      if (form.get("status") !== STATUS_NAMES[inc.status]) body.status = form.get("status");
      if (form.get("assignee") !== inc.assignee) body.assignee = form.get("assignee");
      if (form.get("agency").trim() !== inc.agency) body.agency = form.get("agency").trim();
      if (form.get("note")) body.note = form.get("note");
      if (!body.status && body.assignee === undefined && body.agency === undefined && !body.note) return;
      const res = await fetch(`/api/v1/incidents/${id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) {
        const err = await res.json().catch(() => ({}));
        $("d-msg").textContent = `${t("error")}: ${err.error?.message ?? res.status}`;
        return;
      }
      const updated = fromJson(await res.json().catch(() => j));
      if (updated.id === id && store.mergeIncident(updated, Date.now())) onUpdated();
      await open(id);
      $("d-msg").textContent = t("saved");
    };
  }

  return { open };
}

function detailsHtml(inc, j, districts, at) {
  const fmtTime = (ms) => new Date(ms).toLocaleString(locale);
  const where = Object.entries(j.districts ?? {}).filter(([, c]) => c).map(([l, c]) => `${esc(districts.name(l, c))} <span class="muted">(${esc(l)})</span>`).join("<br>");
  return `<h2><span>#${inc.id} ${esc(inc.headline || inc.title || typeName(inc.type))}</span><button id="d-close" title="${esc(t("close"))}">✕</button></h2>
    <dl>
      <dt>${esc(t("status"))}</dt><dd data-testid="d-status"><span class="sw g-${statusGroup(inc.status)}"></span> ${esc(t("st_" + inc.status))} ${overdueBadge(inc)}</dd>${slaRows(j, fmtTime)}
      <dt>${esc(t("category"))}</dt><dd>${esc(t("cat_" + inc.category))} · ${esc(typeName(inc.type))}</dd>
      <dt>${esc(t("severity"))}</dt><dd>${esc(t("sev_" + inc.severity))}</dd>
      <dt>${esc(t("district"))}</dt><dd>${where || esc(t("none"))}</dd>
      <dt>${esc(t("first_report"))}</dt><dd>${esc(fmtTime(inc.first))}</dd>
      <dt>${esc(t("last_report"))}</dt><dd>${esc(fmtTime(inc.last))}</dd>
      ${inc.expires ? `<dt>${esc(t("ends"))}</dt><dd>${esc(fmtTime(inc.expires))} · <span data-expires="${inc.expires}">${esc(timeLeft(inc.expires, at ?? Date.now()))}</span></dd>` : ""}
      <dt>${esc(t("report_ids"))}</dt><dd>${inc.reports} · ${esc((j.report_ids ?? []).slice(-10).join(", "))}</dd>
      <dt>${esc(t("sources_of"))}</dt><dd>${esc(inc.sources.map(sourceName).join(", "))}</dd>
      <dt>${esc(t("assignee"))}</dt><dd data-testid="d-assignee">${esc(inc.assignee || t("none"))}</dd>
      <dt>${esc(t("agency"))}</dt><dd data-testid="d-agency">${esc(inc.agency || t("none"))}</dd>
    </dl>
    <h2>${esc(t("audit"))}</h2>
    <ul class="audit">${(j.audit ?? []).map((a) => `<li>${esc(new Date(a.at).toLocaleString(locale))} · <b>${esc(a.actor)}</b> · ${esc(a.what)}</li>`).join("") || `<li>${esc(t("none"))}</li>`}</ul>
    ${photosHtml(j.photos, j.photo_hosts)}
    ${at === null ? formHtml(inc) : `<p class="muted" data-testid="d-past">${esc(t("as_it_was", { time: fmtTime(at) }))}</p>`}`;
}

// The operator's form: only what is changed is sent.
function formHtml(inc) {
  const statusOptions = STATUS_NAMES.map((n, i) => (i ? `<option value="${n}" ${i === inc.status ? "selected" : ""}>${esc(t("st_" + i))}</option>` : "")).join("");
  return `<form id="d-form">
      <label>${esc(t("status"))}<select name="status">${statusOptions}</select></label>
      <label>${esc(t("assignee"))}<input name="assignee" value="${esc(inc.assignee)}"></label>
      <label>${esc(t("agency"))}<input name="agency" maxlength="128" value="${esc(inc.agency)}"></label>
      <label>${esc(t("note"))}<input name="note"></label>
      <button type="submit">${esc(t("save"))}</button>
      <div class="msg" id="d-msg"></div>
    </form>`;
}
