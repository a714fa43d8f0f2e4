// The transport panel in real Chromium against the real `pantau serve --gtfs-static` with the real
// TransJakarta static feed: route delays from GTFS-Realtime trip updates (the real BART feed and
// a TransJakarta one made here) and a TransJakarta service alert, posted as an operator's poller
// would. Exit code 77 (ctest: skipped) only when no chromium is installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { create, toBinary } from "@bufbuild/protobuf";
import { startServer, freshDataDir, postReports, keyFor, chromiumPath, chromiumArgs, openTestWall, shared } from "./server.mjs";
import { FeedMessageSchema, TripDescriptor_ScheduleRelationship, Alert_Effect, Alert_SeverityLevel } from "../src/gen/gtfs_realtime_pb.js";

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath}; scripts/bootstrap installs it (apt-get install chromium)`);
  process.exit(77);
}
const WAIT = 15000;
const screenshots = process.env.PANTAU_SCREENSHOTS;
// The panel asks for the routes every 15 s (panels/transport.js): a page open before the feed
// arrives shows it at its next refresh.
const REFRESH_WAIT = 40000;

let server, browser, dataDir, origin;

const openWall = (query = "") => openTestWall(browser, `${origin}/${query}`);

async function postFeed(source, bytes) {
  const r = await fetch(`${origin}/api/v1/feeds/gtfs-rt?source=${source}`, { method: "POST",
    headers: { "Content-Type": "application/x-protobuf", "X-API-Key": keyFor(origin, source) }, body: bytes });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body;
}

const nowS = () => BigInt(Math.floor(Date.now() / 1000));
// TransJakarta trip updates on route 6D (routes.txt): 6D-L02 is a trip of trips.txt and names no
// route, the two added trips name theirs; the next stop's delays are 120, 300 and 0 s; one trip
// is cancelled. The route's median is 120 s, its p90 300 s (as in tests/server/transit_e2e_test).
function transjakartaTrips() {
  const now = nowS();
  const trip = ([id, routeId, delay]) => ({ id, tripUpdate: { trip: { tripId: id, routeId },
    stopTimeUpdate: [{ arrival: { time: now + 60n, delay } }] } });
  return toBinary(FeedMessageSchema, create(FeedMessageSchema, {
    header: { gtfsRealtimeVersion: "2.0", timestamp: now },
    entity: [["6D-L02", "", 120], ["6D-X1", "6D", 300], ["6D-X2", "6D", 0]].map(trip).concat([{ id: "c", tripUpdate: {
      trip: { tripId: "6D-L04", routeId: "6D", scheduleRelationship: TripDescriptor_ScheduleRelationship.CANCELED } } }]),
  }));
}

// A full alert feed: the detour of route 6D as alert `id`, in force for the next two hours, or
// (without an id) no alert.
function transjakartaAlerts(id) {
  const now = nowS();
  const entity = id ? [{ id, alert: { activePeriod: [{ start: now - 60n, end: now + 7200n }],
    informedEntity: [{ routeId: "6D" }], effect: Alert_Effect.DETOUR, severityLevel: Alert_SeverityLevel.WARNING,
    headerText: { translation: [{ language: "id", text: "Koridor 6D dialihkan" }] } } }] : [];
  return toBinary(FeedMessageSchema, create(FeedMessageSchema, { header: { gtfsRealtimeVersion: "2.0", timestamp: now }, entity }));
}

const routeRows = (page) => page.$$eval("#routes li", (lis) => lis.map((li) => ({ route: li.dataset.route ?? "",
  name: li.querySelector(".name")?.textContent ?? li.textContent, p90: li.querySelector(".p90")?.textContent ?? "",
  level: li.querySelector(".p90")?.className ?? "", facts: li.querySelector(".facts")?.textContent ?? "", stale: li.classList.contains("stale") })));

before(async () => {
  dataDir = freshDataDir();
  server = await startServer({ dataDir, extra: ["--gtfs-static", join(shared, "feeds/gtfs-static/transjakarta")] });
  origin = server.url.replace(/\/$/, "");
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("the transport panel shows the worst routes by p90 delay and the open GTFS-Realtime alerts", async () => {
  const page = await openWall();
  // Before any trip update feed: no transit feed, no alerts, not an empty panel.
  await page.waitForSelector("#routes li.none", { timeout: WAIT });
  assert.equal(await page.textContent("#transport-h"), "Transportasi umum");
  assert.equal(await page.textContent("#routes li.none"), "Tidak ada umpan transit");
  assert.equal(await page.isVisible("#transit-alerts"), false);

  // BART's real trip updates name no route: one row of the unknown route, p90 957 s.
  const bart = await postFeed("bart", readFileSync(join(shared, "feeds/gtfs-rt/bart-trip-updates.pb")));
  assert.equal(bart.trip_updates.trips, 91);
  await postFeed("tj", transjakartaTrips());
  const alerted = await postFeed("tj", transjakartaAlerts("A1"));
  const alertId = alerted.alerts.results[0].incident_id;
  assert.ok(alertId, JSON.stringify(alerted));
  // A transport incident that no GTFS-Realtime alert made is not a transit alert.
  await postReports(server.url, [{ source: "dishub", external_id: "jam-1", category: "transport", type: "traffic_jam",
    severity: "moderate", lon: 106.63, lat: -6.17, text: "Macet total di Jalan Daan Mogot", observed_at: new Date().toISOString() }]);

  // The alert comes with the stream at once; the routes with the panel's next refresh.
  await page.waitForSelector(`#transit-alerts li[data-id="${alertId}"]`, { timeout: WAIT });
  assert.equal(await page.$$eval("#transit-alerts li", (lis) => lis.length), 1);
  assert.match(await page.textContent("#transit-alerts"), /Koridor 6D dialihkan/);
  assert.match(await page.textContent("#transit-alerts .age"), /dtk|mnt/);
  // A click shows the alert's details, as a feed row's does.
  await page.click(`#transit-alerts li[data-id="${alertId}"]`);
  await page.waitForSelector("#details:not([hidden])", { timeout: WAIT });
  assert.match(await page.textContent("#details"), /Koridor 6D dialihkan/);
  await page.waitForSelector("#routes li[data-route]", { timeout: REFRESH_WAIT });
  const rows = await routeRows(page);
  assert.deepEqual(rows.map((r) => r.route), ["bart/", "tj/6D"]);   // worst first
  assert.match(rows[0].name, /Rute tak dikenal/);
  assert.equal(rows[0].p90, "+15 mnt");
  assert.match(rows[0].level, /d-bad/);
  assert.match(rows[1].name, /^6D Stasiun Tebet - Bundaran Senayan$/);
  assert.equal(rows[1].p90, "+5 mnt");
  assert.match(rows[1].level, /d-late/);
  assert.match(rows[1].facts, /median \+2 mnt · 4 perjalanan · 1 batal · \d+ dtk/);
  assert.deepEqual(rows.map((r) => r.stale), [false, false]);
  // The feed's kinds of data are sources of their own, named as the source and the kind in words.
  await page.waitForFunction(() => /tj · perjalanan/.test(document.getElementById("sources").textContent), null, { timeout: WAIT });
  assert.doesNotMatch(await page.textContent("#sources"), /trip_updates/);
  if (screenshots) { mkdirSync(screenshots, { recursive: true }); await page.screenshot({ path: `${screenshots}/wall-transport.png` }); }

  // The full alert feed no longer names it: the alert is over and leaves the panel.
  await postFeed("tj", transjakartaAlerts(null));
  await page.waitForSelector("#transit-alerts", { state: "hidden", timeout: WAIT });
  await page.context().close();
});

test("the REST fallback shows the same routes and alerts, in English with ?lang=en", async () => {
  const alerted = await postFeed("tj", transjakartaAlerts("A2"));
  const alertId = alerted.alerts.results[0].incident_id;
  const page = await openWall("?stream=rest&lang=en");
  assert.equal(await page.evaluate(() => window.__pantau.state.mode), "rest");
  assert.equal(await page.textContent("#transport-h"), "Public transport");
  await page.waitForSelector(`#transit-alerts li[data-id="${alertId}"]`, { timeout: WAIT });
  assert.match(await page.textContent("#transit-alerts"), /Koridor 6D dialihkan/);
  await page.waitForSelector("#routes li[data-route]", { timeout: WAIT });
  const rows = await routeRows(page);
  assert.deepEqual(rows.map((r) => r.route), ["bart/", "tj/6D"]);
  assert.match(rows[0].name, /Unknown route/);
  assert.match(rows[1].facts, /median \+2 min · 4 trips · 1 cancelled/);
  await page.context().close();
});
