// The 24-hour chart: reports per hour by category from GET /api/v1/stats/timeseries, exact counts
// by observed_at, including reports merged into an incident and incidents the wall no longer
// holds. The area is the district filter's districts, else the whole city: the coarsest level the
// page loaded (one district when a city level is loaded, else the sum of that level's districts,
// which tile it). The type filter is asked of the server (one request per type); the category
// filter hides the other categories; the severity filter does not apply (the reply's severities
// are not split by category). Refreshed on load, every 60 s and on a filter change.
// In a playback the 24 hours end at the playback clock's hour (`until`), and the chart follows
// the clock (follow()): its data comes from the same endpoint, counted up to that hour.
import { CATEGORIES, CATEGORY_NAMES, CATEGORY_COLOURS } from "../model.js";
import { t, locale } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";

const HOUR = 3600000;
const SERIES_MAX_REQUESTS = 64;   // districts × types per refresh; beyond that the fallback counts
// A playback's clock may pass hours with every step (six at 86400×, four steps a second): the
// chart is asked again for the clock's hour at most this often, each time a dozen requests.
const FOLLOW_GAP_MS = 2000;

export function writeTimelineLegend() {
  $("timeline-legend").innerHTML = CATEGORIES.map((c) =>
    `<span><span class="sw" style="background:${CATEGORY_COLOURS[c]}"></span> ${esc(t("cat_" + c))}</span>`).join("");
}

// view.filter is read at every load and render; onLoaded() follows each load that counts.
// timeNow() is the wall's time (the playback clock in a playback, where live is false).
export function createTimeline({ districts, view, timeNow = Date.now, live = true, onLoaded }) {
  let series = null;              // {start, buckets[24][category]}; null: count the incidents held
  let loads = 0;
  let asked = { start: NaN, at: 0, done: true };   // the latest load: its first hour, when, answered

  const targets = () => {
    const f = view.filter;
    if (f.districts.length)
      return f.districts.map((code) => ({ code, level: districts.levelOf(code) })).filter((d) => d.level);
    const top = districts.coarsest;
    return [...(districts.byLevel.get(top)?.keys() ?? [])].map((code) => ({ code, level: top }));
  };

  async function load() {
    const my = ++loads;
    const start = Math.floor(timeNow() / HOUR) * HOUR - 23 * HOUR;
    asked = { start, at: Date.now(), done: false };
    const types = view.filter.types.length ? view.filter.types : [""];
    const jobs = targets().flatMap((d) => types.map((type) => ({ ...d, type })));
    let next = null;
    try {
      if (jobs.length > SERIES_MAX_REQUESTS) throw new Error(`${jobs.length} series requests asked for`);
      const replies = await Promise.all(jobs.map(async (j) => {
        const q = new URLSearchParams({ district: j.code, level: j.level, bucket: "1h", since: new Date(start).toISOString() });
        // The live chart ends at the server's now, as it always did; a playback's at its clock's hour.
        if (!live) q.set("until", new Date(start + 24 * HOUR).toISOString());
        if (j.type) q.set("type", j.type);
        const r = await fetch(`/api/v1/stats/timeseries?${q}`, { cache: "no-store" });
        if (!r.ok) throw new Error(`timeseries ${j.code}: HTTP ${r.status}`);
        return r.json();
      }));
      const buckets = Array.from({ length: 24 }, () => [0, 0, 0, 0]);
      for (const reply of replies) for (const p of reply.series ?? []) {
        const k = Math.floor((Date.parse(p.t) - start) / HOUR);
        if (k >= 0 && k < 24) for (const c of CATEGORIES) buckets[k][c] += p.by_category?.[CATEGORY_NAMES[c]] ?? 0;
      }
      next = { start, buckets };
    } catch (e) {
      console.warn("pantau: the 24-hour chart counts the incidents the wall holds:", e.message);
    }
    if (my !== loads) return;     // a newer refresh (a filter change) was started meanwhile
    asked.done = true;
    series = next;
    onLoaded();
  }

  // After each playback clock: ask for the clock's 24 hours once it has moved into another hour,
  // with one load at a time and at most one per FOLLOW_GAP_MS. One held back is tried again
  // later by itself: the clock's last message (its end) must get its hours too.
  let followTimer = null;
  function follow() {
    const start = Math.floor(timeNow() / HOUR) * HOUR - 23 * HOUR;
    if (start === asked.start) return;
    const wait = asked.done ? FOLLOW_GAP_MS - (Date.now() - asked.at) : FOLLOW_GAP_MS;
    if (wait <= 0) { load(); return; }
    followTimer ??= setTimeout(() => { followTimer = null; follow(); }, wait);
  }

  function render(list, now) {
    let start, buckets, source;
    if (series) {
      ({ start, buckets } = series);
      source = "timeseries";
    } else {
      // Fallback only, for a server without /api/v1/stats/timeseries (404 on an older pantau) or
      // while it fails: new incidents per hour by first report, from the incidents the wall holds.
      start = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
      buckets = Array.from({ length: 24 }, () => [0, 0, 0, 0]);
      for (const inc of list) {
        const k = Math.floor((inc.first - start) / HOUR);
        if (k >= 0 && k < 24) buckets[k][inc.category] += 1;
      }
      source = "incidents";
    }
    const shown = view.filter.categories.length ? view.filter.categories : CATEGORIES;
    const counts = buckets.map((b) => CATEGORIES.map((c) => (shown.includes(c) ? b[c] : 0)));
    const max = Math.max(1, ...counts.map((b) => b.reduce((a, n) => a + n, 0)));
    const hhmm = (ms) => new Date(ms).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
    // One element per hour (bottom-up: complaint, transport, disaster), with its counts as data
    // attributes and a tooltip, so the numbers behind a bar can be read.
    const bars = counts.map((b, k) => {
      const t0 = start + k * HOUR, total = b.reduce((a, n) => a + n, 0);
      const cats = CATEGORIES.map((c, i) => `data-${CATEGORY_NAMES[c]}="${b[i]}"`).join(" ");
      const tip = `${hhmm(t0)}: ${total}` + (total ? ` (${CATEGORIES.map((c, i) => b[i] ? `${t("cat_" + c)} ${b[i]}` : "").filter(Boolean).join(", ")})` : "");
      const segs = CATEGORIES.map((c, i) => b[i] ? `<span style="height:${(100 * b[i] / max).toFixed(2)}%;background:${CATEGORY_COLOURS[c]}"></span>` : "").join("");
      return `<div class="bar" data-hour="${new Date(t0).toISOString()}" data-count="${total}" ${cats} title="${esc(tip)}">${segs}</div>`;
    }).join("");
    const ticks = [0, 6, 12, 18].map((k) => `<span class="tick" style="left:${(100 * k / 24).toFixed(2)}%">${esc(hhmm(start + k * HOUR))}</span>`).join("");
    const el = $("timeline");
    el.dataset.source = source;
    setHTML(el, `<span class="max">${max}</span><div class="bars">${bars}</div>${ticks}`);
  }

  return { load, render, follow };
}
