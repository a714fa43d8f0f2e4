// Source health: each source's age, and a stale one marked, so that an empty layer never looks
// like an all-clear.
import { t, ago, sourceName } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";

export function renderSources(store, now) {
  // Sources the server reports health for, plus (with only their age, no verdict) the sources
  // named by the incidents on the wall that it does not report on.
  const all = new Map(store.sources);
  for (const inc of store.incidents.values()) for (const name of inc.sources) {
    const cur = all.get(name);
    if (!cur) all.set(name, { source: name, last: inc.last, interval: 0, stale: false, derived: true });
    else if (cur.derived && cur.last < inc.last) cur.last = inc.last;
  }
  const list = [...all.values()].sort((a, b) => a.source.localeCompare(b.source));
  setHTML($("sources"), list.length ? list.map((s) => {
    // A declared source that never reported has no last report (0): stale, with no age to show.
    const reported = s.last > 0;
    const age = now - s.last;
    // The server's verdict, or the same rule (age > interval) while the stream is quiet between ticks.
    const stale = s.stale || !reported || (s.interval > 0 && age > s.interval);
    const when = reported ? ago(age) : t("never");
    // A poller failing now says why, and when it tries again.
    const failing = (s.pollers ?? []).filter((p) => p.failures > 0).map((p) =>
      `<span class="poll-error">${esc(t("poll_failing", { name: p.name, error: p.error, n: p.failures, when: ago(p.nextAttempt - now) }))}</span>`).join("");
    return `<li class="${stale ? "stale" : ""}" data-source="${esc(s.source)}"><span>${stale ? "⚠ " : ""}${esc(sourceName(s.source))}</span><span>${stale ? esc(t("stale")) + " · " : ""}${esc(when)}</span>${failing}</li>`;
  }).join("") : `<li class="none">${esc(t("no_sources"))}</li>`);
}
