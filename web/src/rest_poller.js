// The REST fallback, for a server without /ws (or ?stream=rest): polls the incidents, and every
// fifth poll the district stats and alerts, into the same store the stream fills.
import { fromJson } from "./model.js";

// onPolled(changed) after each answered poll; onFailed() after each failed one. filter() is the
// wall's filter now: one agency is asked of the server (?agency=, as Subscribe.agencies narrows
// the stream); the rest of the filter, and several agencies, the views apply (model.matches).
export function startPolling({ store, districts, filter, onPolled, onFailed }) {
  let statsEvery = 0, polledOnce = false, lastAsked = "";
  const poll = async () => {
    let started = performance.now();
    try {
      const agencies = filter().agencies ?? [];
      const only = agencies.length === 1 ? `&agency=${encodeURIComponent(agencies[0])}` : "";
      const r = await fetch(`/api/v1/incidents?limit=10000${only}`, { cache: "no-store" });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const body = await r.json();
      started = performance.now();  // the cost that counts is this page's own work, not the wait
      const now = Date.now();
      // Incidents that come in because the filter changed are not new: only those of a repeated question.
      let any = store.replaceIncidents(body.incidents.map(fromJson), now, polledOnce && only === lastAsked);
      lastAsked = only;
      if (statsEvery-- <= 0) {
        statsEvery = 4;
        const before = store.statsSignature();
        await pollStats(store, districts);
        if (store.statsSignature() !== before) { store.markChanged(); any = true; }
      }
      polledOnce = true;
      store.heard();
      onPolled(any);
    } catch (e) {
      onFailed();
    }
    // Every 300 ms, but the page's own work on a poll (ten thousand incidents are megabytes of
    // JSON) may take at most a quarter of its time; never slower than every 2 s.
    const cost = performance.now() - started;
    setTimeout(poll, Math.min(2000, Math.max(300, 3 * cost)));
  };
  poll();
}

async function pollStats(store, districts) {
  for (const level of districts.levels) {
    const r = await fetch(`/api/v1/stats?level=${encodeURIComponent(level)}&window=1h`, { cache: "no-store" });
    if (!r.ok) continue;
    for (const d of (await r.json()).districts) store.setStats(level, d.code, { open: d.open_incidents, reports1h: d.reports });
  }
  const r = await fetch("/api/v1/alerts", { cache: "no-store" });
  if (r.ok) {
    store.replaceAlerts((await r.json()).active.map((a) => ({ id: a.id, level: a.level, code: a.code, what: a.rule?.match ?? "*",
      count: a.count, threshold: a.rule?.raise_at ?? 0, window: a.rule?.window ?? "", active: true })));
  }
}
