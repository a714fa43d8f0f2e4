// The kiosk tour: the whole city, then each district with an active alert, then back, one stop
// every `seconds`, with the stop's name over the map.
import { t } from "./i18n.js";
import { $ } from "./dom.js";

export function createKioskTour({ map, districts, store, seconds }) {
  const tour = {
    // Called with each stop's name and where the map was when the stop began (the last stop's
    // view); test_hooks.js logs them for the browser tests.
    onStop: null,
    start() {
      let step = 0;
      const next = () => {
        const alerted = [...store.alerts.values()].map((a) => districts.get(a.level, a.code)).filter(Boolean);
        const stops = [{ name: t("kiosk_tour_city"), bbox: districts.cityBox }, ...alerted.map((d) => ({ name: d.name, bbox: d.bbox }))];
        // The list changes as alerts come and go (the first stop may come before the snapshot):
        // step only moves on, so the city is never shown twice in a row while alerts are active.
        const stop = stops[step % stops.length];
        step = (step % stops.length) + 1;
        if (tour.onStop) { const c = map.getCenter(); tour.onStop(stop.name, [c.lng, c.lat]); }
        if (stop.bbox) map.fitBounds(stop.bbox, { padding: 60, duration: 3000, maxZoom: 15 });
        $("tour-label").hidden = false;
        $("tour-label").textContent = stop.name;
      };
      next();
      setInterval(next, seconds * 1000);
    },
  };
  return tour;
}
