// Playback on the wall (docs/web.md "Looking back", docs/history.md "Playback") in real Chromium
// against the real `pantau serve`, on a data dir seeded with a simulated day three days ago
// (pantau_test_seed_history, with the same districts as the server). A day replayed at 7200× must
// end with exactly the open incidents that `GET /api/v1/incidents?at=<its end>` lists, under a
// banner and an amber frame that the live wall never has. Exit code 77 (ctest: skipped) only when
// no chromium is installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { startBrowserSuite, chromiumPath, openTestWall, seedHistory } from "./server.mjs";
import { STATUS_NAMES, isOpen } from "../src/model.js";

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath}; scripts/bootstrap installs it (apt-get install chromium)`);
  process.exit(77);
}
const screenshots = process.env.PANTAU_SCREENSHOTS;
const HOUR = 3600000, DAY = 24 * HOUR;
// The city's zone, WIB (UTC+7, no daylight saving), as a wall in Tangerang runs in.
const CITY = { timezoneId: "Asia/Jakarta" };
const WIB_MS = 7 * HOUR;
// A day in 12 s of steps (250 ms of real time each): long enough for many deltas, short for a test.
const SPEED = 7200;
const END_WAIT = 240000;          // the rebuild at the start and 96 steps on a loaded machine
const iso = (ms) => new Date(ms).toISOString();

let suite, origin, seeded;

before(async () => {
  // Three days ago, on the hour: well within retention, and a settled past.
  const from = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR;
  suite = await startBrowserSuite({ prepare: (dataDir) => { seeded = seedHistory(dataDir, { from, hours: 24 }); } });
  origin = suite.origin;
  assert.equal(seeded.from_ms, from);
  assert.equal(seeded.until_ms, from + DAY);
  assert.ok(seeded.events > 100, `a day of traffic, not ${seeded.events} events`);
});

after(() => suite?.stop());

// The open incidents as `?at=` rebuilds them, as sorted [id, status] pairs, every page of them.
// A look while another time is being rebuilt is answered 503 busy: asked again after its Retry-After.
async function openIncidentsAt(at) {
  const pairs = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ at: iso(at), limit: "10000" });
    if (cursor) q.set("cursor", cursor);
    let r;
    for (let tries = 0; ; tries++) {
      r = await fetch(`${origin}/api/v1/incidents?${q}`);
      if (r.status !== 503 || tries === 30) break;
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(r.headers.get("retry-after") ?? 1)));
    }
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    for (const inc of body.incidents) {
      const status = STATUS_NAMES.indexOf(inc.status);
      if (isOpen(status)) pairs.push([Number(inc.id), status]);
    }
    cursor = body.next_cursor ?? null;
  } while (cursor);
  return pairs.sort((a, b) => a[0] - b[0]);
}

// The open incidents the page holds, the same way.
const openHeld = (page) => page.evaluate(() => [...window.__pantau.state.incidents.values()]
  .filter((i) => i.status >= 1 && i.status <= 4).map((i) => [i.id, i.status]).sort((a, b) => a[0] - b[0]));

// Whether the page wears the playback frame: the amber border drawn over the whole page.
const frameWidth = (page) => page.evaluate(() => getComputedStyle(document.body, "::after").borderTopWidth);
const bannerShown = (page) => page.evaluate(() => !document.getElementById("playback").hidden &&
  document.getElementById("playback").getBoundingClientRect().height > 0);

// HH.MM of a time in WIB, as id-ID writes it: what the banner and the clock must show.
const wibHourMinute = (ms) => new Date(ms + WIB_MS).toISOString().slice(11, 16).replace(":", ".");

const waitForEnd = (page) => page.waitForFunction(() => window.__pantau.playback?.clock?.ended === true, null, { timeout: END_WAIT });

test("a day replayed at high speed ends with the same open incidents as ?at= says, under a banner and a frame", async () => {
  const { from_ms: from, until_ms: until } = seeded;
  const atStart = await openIncidentsAt(from);
  const atEnd = await openIncidentsAt(until);
  // A wall that kept its first snapshot and ignored every delta would fail the comparison below.
  assert.ok(atEnd.length > 0, "the seeded day leaves incidents open");
  assert.notDeepEqual(atEnd, atStart, "the day changed which incidents are open, or their status");
  console.log(`seeded ${seeded.events} events; open incidents at the start ${atStart.length}, at the end ${atEnd.length}`);

  const query = `?playback=${iso(from)}&speed=${SPEED}&until=${iso(until)}&last=6h`;
  const page = await openTestWall(suite.browser, `${origin}/${query}`, undefined, CITY);
  assert.equal(await bannerShown(page), true);
  assert.equal(await frameWidth(page), "8px");
  assert.match(await page.textContent("#playback"), /PUTAR ULANG/);
  assert.deepEqual(await page.evaluate(() => window.__pantau.playback.asked), { from, speed: SPEED, until });

  await waitForEnd(page);
  assert.deepEqual(await openHeld(page), atEnd, "the open incidents held at the end, with their statuses, are ?at='s");

  // The banner: the end reached, the clock at the end in the city's time, the speed.
  await page.waitForFunction(() => document.getElementById("playback").dataset.state === "ended", null, { timeout: 10000 });
  assert.equal(Number(await page.getAttribute("#pb-time", "data-at")), until);
  const banner = await page.textContent("#playback");
  assert.ok(banner.includes(wibHourMinute(until)), `the end's time in WIB (${wibHourMinute(until)}) in "${banner}"`);
  assert.ok(banner.includes(String(new Date(until + WIB_MS).getUTCFullYear())), "with its date");
  assert.match(banner, new RegExp(`${SPEED}×`));
  assert.match(banner, /Akhir tercapai/);
  assert.equal(await page.getAttribute(".pb-progress", "data-progress"), "1.000");
  assert.equal(await frameWidth(page), "8px", "still framed at the end");
  // The header's clock is the playback's, and the connection says it stopped on purpose.
  await page.waitForFunction((hm) => document.getElementById("clock").textContent.includes(hm), wibHourMinute(until), { timeout: 5000 });
  assert.equal(await page.evaluate(() => window.__pantau.state.conn), "stopped");
  assert.equal(await page.isHidden("#disconnected"), true);

  // "Now" is the clock: ?last=6h counts what was reported in the six hours before the end, three
  // days ago (by the real time there would be nothing).
  const within = await page.evaluate((end) => [...window.__pantau.state.incidents.values()]
    .filter((i) => i.status >= 1 && i.status <= 4 && i.last >= end - 6 * 3600000).length, until);
  assert.ok(within > 0, "the day's last six hours had open incidents");
  await page.waitForFunction((n) => document.querySelector("[data-testid=open-total]")?.textContent === String(n), within, { timeout: 10000 });
  // The present's data is not passed off as the past's.
  assert.equal(await page.isVisible("#routes [data-testid=not-replayed]"), true);
  assert.equal(await page.isVisible("#agencies [data-testid=not-replayed]"), true);
  if (screenshots) { mkdirSync(screenshots, { recursive: true }); await page.screenshot({ path: `${screenshots}/playback.png` }); }

  // Back to live: the same wall without playback, speed and until, its filter kept.
  await page.click("#back-to-live");
  await page.waitForURL((url) => !url.searchParams.has("playback"));
  await page.waitForFunction(() => window.__pantau?.ready === true && window.__pantau.state.conn === "open", null, { timeout: 30000 });
  const url = new URL(page.url());
  assert.deepEqual([...url.searchParams.keys()], ["last"]);
  assert.equal(await page.evaluate(() => window.__pantau.playback), null);
  assert.equal(await bannerShown(page), false);
  assert.equal(await frameWidth(page), "0px");
  await page.context().close();
});

test("the live wall has no banner and no frame, and Look back writes the playback URL and plays it", async () => {
  const { from_ms: from, until_ms: until } = seeded;
  const page = await openTestWall(suite.browser, `${origin}/?lang=en`, undefined, CITY);
  await page.waitForFunction(() => window.__pantau.state.conn === "open");
  assert.equal(await bannerShown(page), false);
  assert.equal(await frameWidth(page), "0px");
  assert.equal(await page.evaluate(() => window.__pantau.playback), null);
  assert.equal(await page.textContent("#lookback-toggle"), "Look back");

  await page.click("#lookback-toggle");
  // datetime-local takes the browser's (here WIB) local time.
  const local = (ms) => new Date(ms + WIB_MS).toISOString().slice(0, 16);
  await page.fill("#lb-from", local(from));
  await page.selectOption("#lb-speed", "86400");
  await page.fill("#lb-until", local(until));
  await page.click("#lb-go");
  await page.waitForURL((u) => u.searchParams.has("playback"));
  const url = new URL(page.url());
  assert.deepEqual([url.searchParams.get("lang"), Date.parse(url.searchParams.get("playback")), url.searchParams.get("speed"),
    Date.parse(url.searchParams.get("until"))], ["en", from, "86400", until]);
  await page.waitForFunction(() => window.__pantau?.ready === true, null, { timeout: 30000 });
  assert.equal(await bannerShown(page), true);
  assert.match(await page.textContent("#playback"), /PLAYBACK/);
  await waitForEnd(page);
  await page.waitForFunction(() => /Reached the end/.test(document.getElementById("playback").textContent), null, { timeout: 10000 });
  assert.deepEqual(await openHeld(page), await openIncidentsAt(until), "86400× ends at the same state");
  await page.context().close();
});

test("a wrong playback URL is refused on the wall, and the REST fallback says it cannot play back", async () => {
  const refused = await openTestWall(suite.browser, `${origin}/?playback=yesterday&lang=en`);
  assert.equal(await bannerShown(refused), true);
  assert.equal(await frameWidth(refused), "8px", "refused, but never mistaken for live");
  assert.equal(await refused.getAttribute("#playback", "data-state"), "invalid");
  assert.match(await refused.textContent("#playback"), /Unreadable start time: “yesterday”/);
  assert.equal(await refused.evaluate(() => window.__pantau.stream), null, "no stream: nothing of the present is shown");
  assert.equal(await refused.evaluate(() => window.__pantau.state.incidents.size), 0);
  await refused.context().close();

  const rest = await openTestWall(suite.browser, `${origin}/?playback=${iso(seeded.from_ms)}&stream=rest`);
  assert.equal(await rest.getAttribute("#playback", "data-state"), "rest");
  assert.match(await rest.textContent("#playback"), /tidak tersedia lewat REST/);
  assert.equal(await rest.evaluate(() => window.__pantau.state.mode), "ws", "no polling of the present");
  assert.equal(await rest.evaluate(() => window.__pantau.state.incidents.size), 0);
  // Kiosk mode: no controls, the banner still shows.
  await rest.goto(`${origin}/?playback=${iso(seeded.from_ms)}&stream=rest&kiosk=1`);
  await rest.waitForFunction(() => window.__pantau?.ready === true, null, { timeout: 30000 });
  assert.equal(await bannerShown(rest), true);
  assert.equal(await rest.isVisible("#back-to-live"), false);
  await rest.context().close();
});

test("a third playback at once is told to try again, says why, and plays once a playback ends", async () => {
  // Two slow playbacks hold the server's two places (docs/history.md, "Bounds and refusals"),
  // from the middle of the seeded day, where the wall has incidents to show.
  const slow = `${origin}/?playback=${iso(seeded.from_ms + 12 * HOUR)}&speed=1&lang=en`;
  const playing = (page) => page.waitForFunction(() => window.__pantau.playback?.state === "playing" &&
    window.__pantau.state.incidents.size > 0, null, { timeout: 120000 });
  const small = { width: 900, height: 600 };
  const first = await openTestWall(suite.browser, slow, small);
  await playing(first);
  const second = await openTestWall(suite.browser, slow, small);
  await playing(second);
  const third = await openTestWall(suite.browser, slow, small);
  await third.waitForFunction(() => window.__pantau.playback?.state === "busy", null, { timeout: 60000 });
  const said = await third.textContent("#pb-message");
  console.log(`the third wall says: ${said}`);
  assert.match(said, /^Server busy: .+ — trying again in 5 s$/);
  assert.doesNotMatch(said, /busy: — /, "the server's reason is shown");
  assert.equal(await third.evaluate(() => window.__pantau.state.incidents.size), 0);
  await first.context().close();
  await playing(third);
  await second.context().close();
  await third.context().close();
});
