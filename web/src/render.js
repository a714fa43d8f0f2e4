// One render pass draws the map and every panel from the store, at most four times a second
// however many updates arrive. The map is redrawn only when its data changed: every setData or
// feature-state change costs a full repaint, and a wall on a modest GPU must stay idle when
// nothing happens. The panels are cheap to recompute and only touch the DOM when their HTML changed.
import { matches } from "./model.js";
import { FINE_ZOOM } from "./map/wall_map.js";
import { createIncidentDrawing } from "./map/incident_layers.js";
import { createDistrictColours } from "./map/district_colours.js";
import { createVehicleDrawing } from "./map/vehicle_layer.js";
import { renderAlerts } from "./panels/alerts.js";
import { renderCounters } from "./panels/counters.js";
import { renderTopDistricts } from "./panels/top_districts.js";
import { renderSources } from "./panels/sources.js";
import { renderFeed } from "./panels/feed.js";

const MIN_PASS_GAP_MS = 250;

export function createRenderer({ map, store, districts, view, timeline, transport, agencies }) {
  const drawIncidents = createIncidentDrawing(map, store);
  const colourDistricts = createDistrictColours({ map, districts, store });
  const drawVehicles = createVehicleDrawing(map, store);
  let queued = false, lastPass = 0, drawnKey = "", freshKey = "";

  const renderer = {
    passes: 0,
    lastPassMs: 0,                // the last pass's script time (scripts/frame-time.mjs reports it)

    schedule() {
      if (queued) return;
      queued = true;
      const wait = Math.max(0, MIN_PASS_GAP_MS - (performance.now() - lastPass));
      // A timer, not requestAnimationFrame: with a slow GPU the next frame can be far away, and the
      // panels must not wait for it (MapLibre schedules its own frame for the map).
      setTimeout(() => { queued = false; lastPass = performance.now(); renderer.render(); }, wait);
    },

    render() {
      if (!districts.loaded) return;
      const started = performance.now();
      // Two times: the real one for what lives on the screen (new-incident marks, a vehicle's
      // fading), and the wall's, which in a playback is its clock, for what compares with "now"
      // (the time window, ages, time left).
      const now = Date.now(), at = store.timeAt(now);
      store.expireFresh(now);
      // Every pass filters afresh, and the clock schedules one every second (main.js): that is what
      // makes the time window slide, an incident leaving it within a second of aging past it.
      const list = store.shown(view.filter, at);
      // The list's length stands for the incidents aging out of the time window: the lists of one
      // store version and filter are nested (those whose last report is at or after the window's
      // start, which only the clock moves), so a list of another length is another list.
      const key = `${store.version}|${JSON.stringify(view.filter)}|${view.metric}|${map.getZoom() < FINE_ZOOM}|${list.length}`;
      const fkey = [...store.fresh.keys()].join();
      if (key !== drawnKey || fkey !== freshKey) drawIncidents(list, (inc) => matches(view.filter, inc, at), key !== drawnKey);
      if (key !== drawnKey) colourDistricts(list, view.metric);
      drawnKey = key;
      freshKey = fkey;
      renderAlerts(store.alerts, districts);
      renderCounters(list, view.filter.timeWindow);
      renderTopDistricts(list, districts);
      transport.render(list, at);
      agencies.render();
      renderSources(store, at);
      drawVehicles(now);
      timeline.render(list, at);
      renderFeed(list, at, { fresh: store.fresh, districts });
      renderer.passes++;
      renderer.lastPassMs = performance.now() - started;
    },
  };
  return renderer;
}
