// pantau's map wall. Data comes from the WebSocket stream (stream.js) or, when the server has no
// /ws, from polling the REST API (rest_poller.js); both fill one store (store.js), and one
// throttled render pass (render.js) draws the map and the panels from it. This file wires the
// parts together. Nothing is fetched from anywhere but this server. A playback URL (?playback=,
// playback.js) makes the same wall replay the past over the same stream, framed and bannered.
import { Stream } from "./stream.js";
import { LiveStore } from "./store.js";
import { Districts, fetchDistricts } from "./districts.js";
import { lang } from "./i18n.js";
import { addBasemap } from "./basemap.js";
import { createWallMap } from "./map/wall_map.js";
import { addDistrictLayers, addDistrictLabels, letBasemapThrough, pulseAlerts } from "./map/district_layers.js";
import { addIncidentLayers } from "./map/incident_layers.js";
import { addVehicleLayer } from "./map/vehicle_layer.js";
import { createRenderer } from "./render.js";
import { viewFromUrl, createFilters } from "./filters.js";
import { serverFilter } from "./model.js";
import { createKioskTour } from "./kiosk_tour.js";
import { startPolling } from "./rest_poller.js";
import { writeHeadings, createConnectionIndicator, startClock } from "./panels/header.js";
import { createDetails } from "./panels/details.js";
import { onFeedPick, tickTimeLeft } from "./panels/feed.js";
import { zoomToPickedDistrict } from "./panels/top_districts.js";
import { createTimeline, writeTimelineLegend } from "./panels/timeline.js";
import { createTransport, onTransitAlertPick, TRANSPORT_REFRESH_MS } from "./panels/transport.js";
import { createAgencies, AGENCIES_REFRESH_MS } from "./panels/agencies.js";
import { installTestHooks } from "./test_hooks.js";
import { requireViewer } from "./session.js";
import { playbackFromUrl } from "./playback.js";
import { createPlaybackBanner, createLookBack } from "./panels/playback.js";

const params = new URLSearchParams(location.search);
const kiosk = params.get("kiosk") === "1";
// null on a live wall; {from, speed, until}, or {error, value} for a playback URL that is wrong.
const playback = playbackFromUrl(params, Date.now());
const live = playback === null;
document.documentElement.lang = lang;
if (kiosk) document.body.classList.add("kiosk");
writeHeadings();
writeTimelineLegend();

const store = new LiveStore();
if (playback && !playback.error) store.startPlayback(playback);
// The wall's "now": the playback clock in a playback, the present on a live wall (store.timeAt).
const wallTime = () => store.timeAt(Date.now());
const districts = new Districts();
const view = viewFromUrl(params);
const { map, loaded: mapLoaded } = createWallMap({ kiosk });
const connection = createConnectionIndicator(store);
// The chart is not part of the map's data: a new series only needs the panels redrawn.
const timeline = createTimeline({ districts, view, timeNow: wallTime, live, onLoaded: () => renderer.schedule() });
const transport = createTransport({ store, live, onLoaded: () => renderer.schedule() });
const agencies = createAgencies({ live, onLoaded: () => renderer.schedule() });
const renderer = createRenderer({ map, store, districts, view, timeline, transport, agencies });
const details = createDetails({ store, districts, onUpdated: () => renderer.schedule(), pastAt: () => (live ? null : wallTime()) });
const tour = createKioskTour({ map, districts, store, seconds: Number(params.get("tour_s") ?? 20) });
const banner = live ? null : createPlaybackBanner({ playback, store });
createLookBack({ playback });
const wall = { map, store, districts, view, connection, renderer, tour, mode: "ws", stream: null, booted: null, playback, banner };

const filters = createFilters({
  view, districts, store,
  onFilter: (f, previous) => {
    // A new time window alone needs nothing from the server: the store holds every incident of
    // the rest of the filter, whatever its age, and the next pass shows those in the window.
    if (JSON.stringify(serverFilter(f)) !== JSON.stringify(serverFilter(previous))) {
      if (wall.stream && wall.mode === "ws") wall.stream.subscribe(f);
      timeline.load();
    }
    renderer.schedule();
  },
  onMetric: () => renderer.schedule(),
});
// A picked row (of the feed or the transit alerts): fly to the incident and show its details.
const pickIncident = (id) => {
  const inc = store.incidents.get(id);
  if (!inc) return;
  map.flyTo({ center: [inc.lon, inc.lat], zoom: Math.max(map.getZoom(), 15), duration: 1200 });
  details.open(id);
};
onFeedPick(pickIncident);
onTransitAlertPick(pickIncident);
zoomToPickedDistrict(map, districts);
map.on("zoomend", () => renderer.schedule());
// Every second: ages in the feed and the source list; the map only redraws on change.
startClock({ kiosk, timeNow: wallTime, onTick: () => { connection.tick(); renderer.schedule(); } });
pulseAlerts(map, districts, store);

function startStream() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const stream = new Stream(url, {
    snapshot: (s) => { store.applySnapshot(s); renderer.schedule(); },
    delta: (d) => { store.applyDelta(d); renderer.schedule(); },
    heartbeat: () => store.heard(),
    clock: (c) => { store.applyClock(c); banner.update(); timeline.follow(); renderer.schedule(); },
    message: () => {},
    state: (s, info) => {
      // A playback cannot fall back to REST, which has no past: it keeps trying the stream.
      if (s === "closed" && info && !info.everOpened && wall.mode === "ws" && live) {
        // This server has no stream (yet): poll the REST API instead, for the page's life.
        stream.stop();
        startRestFallback();
        return;
      }
      banner?.setState(s, info);
      // busy (1013) is retried, like a drop; refused (1008) and ended are not: stopped, not lost.
      const shown = { open: "open", closed: "closed", busy: "closed", refused: "stopped", ended: "stopped" }[s];
      connection.set(shown ?? (connection.state === "closed" ? "closed" : "connecting"));
    },
  }, { playback });
  wall.stream = stream;
  stream.subscribe(view.filter);
  stream.start();
  setInterval(() => stream.ping(), 15000);
}

function startRestFallback() {
  wall.mode = "rest";
  startPolling({
    store, districts, filter: () => view.filter,
    onPolled: (changed) => {
      if (connection.state !== "open") connection.set("open");
      if (changed) renderer.schedule();
    },
    onFailed: () => { if (connection.state !== "closed") connection.set("closed"); },
  });
}

// A wall that boots while the server is down keeps trying instead of showing a dead page.
async function fetchDistrictsOnceServed() {
  for (;;) {
    try {
      return await fetchDistricts();
    } catch (e) {
      console.warn("pantau: cannot load the districts yet", e);
      connection.set("closed");
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

// Resolves once the map has its layers, to {drawn, basemap}: drawn resolves when the city is
// first drawn complete, basemap with the basemap's kind (basemap.js) or null.
async function boot() {
  await requireViewer();
  const fetched = await fetchDistrictsOnceServed();
  await mapLoaded;
  districts.load(fetched);
  addDistrictLayers(map, districts, fetched.collections);
  addIncidentLayers(map, { onPick: (id) => details.open(id) });
  addVehicleLayer(map, store);
  addDistrictLabels(map, districts);
  // The optional local basemap goes under the districts once it is read; the wall does not wait.
  const basemap = addBasemap(map).then((kind) => { if (kind) letBasemapThrough(map, districts); return kind; });
  map.fitBounds(districts.cityBox, { padding: 30, duration: 0 });
  // Drawn: the first frame rendered with every district source loaded. Not "idle" nor
  // map.loaded(): in a busy city (deltas several times a second, an alert's pulse) the incident
  // sources are always loading and the map is never idle, and the kiosk tour would never start.
  const drawn = new Promise((resolve) => {
    const check = () => {
      if (!districts.levels.every((l) => map.isSourceLoaded(`d-${l}`))) return;
      map.off("render", check); map.off("idle", check); resolve();
    };
    map.on("render", check);
    map.on("idle", check);
  });
  filters.listDistricts();
  renderer.render();
  const rest = params.get("stream") === "rest";
  if (playback?.error || (playback && rest)) {
    // The banner says what is wrong and the wall stays empty: showing the present instead would
    // be a live wall under a playback link.
    if (!playback.error) banner.setState("rest");
    connection.set("stopped");
  } else {
    if (rest) startRestFallback(); else startStream();
    timeline.load();
    setInterval(timeline.load, 60000);
  }
  // The route delays and the agency ranking are the present's: a playback shows neither.
  if (live) {
    transport.load();
    setInterval(transport.load, TRANSPORT_REFRESH_MS);
    agencies.load();
    setInterval(agencies.load, AGENCIES_REFRESH_MS);
  }
  setInterval(() => tickTimeLeft(wallTime()), 1000);
  return { drawn, basemap };
}

wall.booted = boot();
// The kiosk tour starts once the city is drawn: its flights would keep the map from ever being
// idle, and the first view of a wall should be the whole city, complete.
wall.booted.then(({ drawn }) => drawn).then(() => { if (kiosk) tour.start(); });
// PANTAU_TEST_BUILD is true only in the test bundle (app.test.js, build.mjs); in app.js esbuild
// drops this line, and with it test_hooks.js.
if (PANTAU_TEST_BUILD) installTestHooks(wall);
