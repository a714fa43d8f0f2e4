// window.__pantau, for the browser tests (test/*.test.mjs) and scripts/frame-time.mjs only: only
// the test bundle (app.test.js) includes this file; the wall's app.js does not (build.mjs,
// docs/web.md). It reads the parts main.js made and adds nothing to how the wall works, except
// `inject`, which feeds synthetic incidents through the store like a Delta, and `applyDelta`,
// which applies an encoded Delta (the bytes a test made with the generated schema) as the stream
// would: the way to show the wall incident fields the server does not fill yet.
import { fromBinary } from "@bufbuild/protobuf";
import { FRESH_MS } from "./store.js";
import { DeltaSchema } from "./gen/pantau_pb.js";

const TOUR_LOG_SIZE = 100;        // a kiosk tours for months: keep the latest stops only

export function installTestHooks(wall) {
  const { map, store, districts, connection, renderer, tour } = wall;
  const hooks = {
    map,
    ready: false,                 // the city is drawn; `basemap` appears once the basemap is decided
    state: {
      get incidents() { return store.incidents; },
      get fresh() { return store.fresh; },
      get stats() { return store.stats; },
      get alerts() { return store.alerts; },
      get sources() { return store.sources; },
      get vehicles() { return store.vehicles; },
      get levels() { return districts.levels; },
      get districts() { return districts.byLevel; },
      get filter() { return wall.view.filter; },
      get conn() { return connection.state; },
      get mode() { return wall.mode; },
    },
    get stream() { return wall.stream; },
    // A playback wall's URL ({from, speed, until} or {error, value}), its clock and its banner's
    // state; null on a live wall.
    get playback() {
      return wall.playback && { asked: wall.playback, clock: store.clock, state: wall.banner?.state ?? null };
    },
    get snapshots() { return store.snapshots; },
    get version() { return store.version; },     // bumped by every message that changes incidents, stats or alerts
    get rendered() { return renderer.passes; },
    get renderMs() { return renderer.lastPassMs; },
    tour: [],                     // {name, from: [lon, lat]} per kiosk tour stop
    measure: (ms) => measureFrames(map, ms),
    inject: (n) => injectIncidents(wall, n),
    applyDelta: (bytes) => { store.applyDelta(fromBinary(DeltaSchema, Uint8Array.from(bytes))); renderer.schedule(); },
  };
  tour.onStop = (name, from) => {
    hooks.tour.push({ name, from });
    if (hooks.tour.length > TOUR_LOG_SIZE) hooks.tour.shift();
  };
  wall.booted.then(({ drawn, basemap }) => {
    drawn.then(() => { hooks.ready = true; });
    basemap.then((kind) => { hooks.basemap = kind; });
  });
  window.__pantau = hooks;
}

// Map frame times over `ms`, forcing a repaint at every animation frame (an idle wall would not
// draw any): {frames, median, p95, max} of the gaps between rendered frames.
function measureFrames(map, ms) {
  return new Promise((resolve) => {
    const frames = [];
    const onRender = () => frames.push(performance.now());
    map.on("render", onRender);
    const end = performance.now() + ms;
    const spin = () => {
      if (performance.now() < end) { map.triggerRepaint(); requestAnimationFrame(spin); return; }
      map.off("render", onRender);
      const gaps = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
      const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
      resolve({ frames: frames.length, median: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1] });
    };
    requestAnimationFrame(spin);
  });
}

// `n` synthetic incidents spread over the city, every 50th marked new, then one render pass as
// after a Delta.
function injectIncidents({ store, districts, renderer }, n) {
  const box = districts.cityBox, kel = [...(districts.byLevel.get(districts.finest)?.values() ?? [])];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const id = 1e9 + i, d = kel[i % kel.length];
    const cat = 1 + (i % 3), status = 1 + (i % 6);
    store.incidents.set(id, { id, category: cat, type: "synthetic", severity: i % 5, status,
      lon: box[0] + Math.random() * (box[2] - box[0]), lat: box[1] + Math.random() * (box[3] - box[1]), area: null,
      districts: d ? [{ level: districts.finest, code: d.code, name: d.name }] : [], first: now - Math.random() * 86400000, last: now,
      reports: 1, sources: ["synthetic"], assignee: "", agency: "", title: "" });
    if (i % 50 === 0) store.fresh.set(id, now + FRESH_MS);
  }
  store.markChanged();
  renderer.schedule();
}
