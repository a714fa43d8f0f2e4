// The wall's agency (OPD) filter and the operator's reassignment, in real Chromium against the real
// `pantau serve` with its default routing (garbage → DLH, flood → BPBD, accident → Dishub;
// docs/config.md, "[agencies]"). Exit code 77 (ctest: skipped) only when no chromium is installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { chromium } from "playwright-core";
import { startServer, freshDataDir, postReports, operatorToken, chromiumPath, chromiumArgs, openTestWall } from "./server.mjs";

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath}; scripts/bootstrap installs it (apt-get install chromium)`);
  process.exit(77);
}
const WAIT = 15000;

let server, browser, dataDir, origin;
const ids = {}; // name -> incident id

let seq = 0;
function report(category, type, lon, lat) {
  return { source: "test", external_id: `a-${seq++}`, category, type, severity: "moderate", lon, lat,
    text: `${type} test report`, observed_at: new Date().toISOString() };
}
async function post(category, type, lon, lat) {
  return (await postReports(server.url, [report(category, type, lon, lat)])).results[0].incident_id;
}
async function patch(id, body) {
  const r = await fetch(`${origin}/api/v1/incidents/${id}`, { method: "PATCH",
    headers: { "Content-Type": "application/json", "Authorization": `Bearer ${operatorToken(origin)}` }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

const openWall = (query = "") => openTestWall(browser, `${origin}/${query}`);

// The agencies of every incident the page holds (what the stream or the poll brought it, before
// the views filter anything), and a wait until the feed shows exactly these incidents.
const heldAgencies = (page) => page.evaluate(() => [...new Set([...window.__pantau.state.incidents.values()].map((i) => i.agency))].sort());
const waitForFeed = (page, expected) => page.waitForFunction((want) =>
  JSON.stringify([...document.querySelectorAll("#feed li[data-id]")].map((li) => Number(li.dataset.id)).sort((a, b) => a - b)) === JSON.stringify(want),
  [...expected].sort((a, b) => a - b), { timeout: WAIT });

before(async () => {
  dataDir = freshDataDir();
  server = await startServer({ dataDir });
  origin = server.url.replace(/\/$/, "");
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  ids.garbage = await post("complaint", "garbage", 106.63185, -6.17288);
  ids.flood = await post("disaster", "flood", 106.63849, -6.17223);
  ids.accident = await post("transport", "accident", 106.6050, -6.1900);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("?agency= in the URL subscribes to that agency only, and a reassignment moves an incident out and in", async () => {
  const page = await openWall("?agency=DLH");
  await page.waitForFunction(() => window.__pantau.state.conn === "open");
  assert.equal(await page.evaluate(() => window.__pantau.state.mode), "ws");
  await waitForFeed(page, [ids.garbage]);
  // Filtered by the server (Subscribe.agencies), not only hidden by the page.
  assert.deepEqual(await heldAgencies(page), ["DLH"]);

  await patch(ids.garbage, { agency: "Dinas PUPR" });   // out of the filter: removed
  await waitForFeed(page, []);
  await patch(ids.flood, { agency: "DLH" });            // into it: shown
  await waitForFeed(page, [ids.flood]);
  assert.deepEqual(await heldAgencies(page), ["DLH"]);
  // Put back for the other tests.
  await patch(ids.garbage, { agency: "DLH" });
  await patch(ids.flood, { agency: "BPBD" });
  await waitForFeed(page, [ids.garbage]);
  await page.context().close();
});

test("the filter form offers the agencies seen, sets the filter in the URL, and the URL survives a reload", async () => {
  const page = await openWall();
  await waitForFeed(page, [ids.garbage, ids.flood, ids.accident]);
  assert.equal(await page.textContent("#f-agency-label"), "OPD");
  await page.click("#filter-toggle");
  const offered = await page.$$eval("#f-agency-list option", (os) => os.map((o) => o.value));
  assert.deepEqual(offered, ["BPBD", "DLH", "Dishub"]);
  await page.fill("#f-agencies", "BPBD, Dishub");
  await page.click("#f-apply");
  await waitForFeed(page, [ids.flood, ids.accident]);
  assert.match(page.url(), /[?&]agency=BPBD%2CDishub(&|$)/);
  await page.waitForFunction(() => [...window.__pantau.state.incidents.values()].every((i) => i.agency !== "DLH"), null, { timeout: WAIT });
  // The offer keeps the agencies filtered away.
  await page.click("#filter-toggle");
  assert.deepEqual(await page.$$eval("#f-agency-list option", (os) => os.map((o) => o.value)), ["BPBD", "DLH", "Dishub"]);
  const url = page.url();
  await page.context().close();

  const again = await openWall(`${url.slice(origin.length + 1)}&lang=en`);
  await waitForFeed(again, [ids.flood, ids.accident]);
  assert.equal(await again.textContent("#f-agency-label"), "Agency");
  assert.equal(await again.inputValue("#f-agencies"), "BPBD, Dishub");
  // A new DLH report stays off this wall; a new BPBD one shows.
  const later = await post("disaster", "flood", 106.6700, -6.1700);
  const dlh = await post("complaint", "garbage", 106.6200, -6.2200);
  await waitForFeed(again, [ids.flood, ids.accident, later]);
  assert.equal(await again.$(`#feed li[data-id="${dlh}"]`), null);
  ids.laterFlood = later;
  ids.laterGarbage = dlh;
  await again.context().close();
});

test("over the REST fallback the agency filter applies too: one agency asked of the server, several in the page", async () => {
  const asked = [];
  const page = await openWall("?stream=rest&agency=Dishub");
  page.on("request", (r) => { if (new URL(r.url()).pathname === "/api/v1/incidents") asked.push(new URL(r.url()).search); });
  assert.equal(await page.evaluate(() => window.__pantau.state.mode), "rest");
  await waitForFeed(page, [ids.accident]);
  await page.waitForFunction(() => window.__pantau.state.incidents.size > 0, null, { timeout: WAIT });
  assert.deepEqual(await heldAgencies(page), ["Dishub"]);
  const jam = await post("transport", "accident", 106.6500, -6.1400);
  await waitForFeed(page, [ids.accident, jam]);
  assert.ok(asked.length > 0 && asked.every((q) => q === "?limit=10000&agency=Dishub"), `polled: ${asked.join(" ")}`);
  await page.context().close();

  const two = await openWall("?stream=rest&agency=Dishub,BPBD");
  await waitForFeed(two, [ids.accident, jam, ids.flood, ids.laterFlood]);
  assert.equal(await two.$(`#feed li[data-id="${ids.garbage}"]`), null);
  await two.context().close();
});

test("an operator reassigns an incident to another agency from the detail form, and the audit says so", async () => {
  const page = await openWall();
  await page.waitForSelector(`#feed li[data-id="${ids.garbage}"]`, { timeout: WAIT });
  const login = await page.evaluate(async (token) => (await fetch("/api/v1/session", { method: "POST",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) })).status, operatorToken(origin));
  assert.equal(login, 200);
  await page.click(`#feed li[data-id="${ids.garbage}"]`);
  await page.waitForSelector("#details:not([hidden]) [data-testid=d-agency]");
  assert.equal(await page.textContent("[data-testid=d-agency]"), "DLH");
  assert.equal(await page.inputValue("#d-form input[name=agency]"), "DLH");
  await page.fill("#d-form input[name=agency]", "UPT Kebersihan Tangerang");
  await page.click("#d-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("[data-testid=d-agency]")?.textContent === "UPT Kebersihan Tangerang", null, { timeout: WAIT });
  assert.match(await page.textContent("#details .audit"), /DLH.*UPT Kebersihan Tangerang/);
  const after = await (await fetch(`${origin}/api/v1/incidents/${ids.garbage}`)).json();
  assert.equal(after.agency, "UPT Kebersihan Tangerang");
  assert.equal(after.status, "new", "only the agency changed");
  await page.waitForFunction((id) => window.__pantau.state.incidents.get(id)?.agency === "UPT Kebersihan Tangerang", ids.garbage, { timeout: WAIT });
  await page.context().close();
});
