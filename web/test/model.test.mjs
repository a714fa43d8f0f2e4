// The client's pure logic, without a browser: status colours, the JSON shape, the URL filter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statusGroup, isOpen, fromJson, filterFromUrl, filterToParams, matches, magnitudeOf, serverFilter, TIME_WINDOWS } from "../src/model.js";

test("statuses map onto Tangerang's three colours, with rejected and duplicate set apart", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(statusGroup),
    ["waiting", "in_process", "in_process", "in_process", "done", "done", "dismissed", "dismissed"]);
  assert.deepEqual([1, 4, 5, 7].map(isOpen), [true, true, false, false]);
});

test("an incident from the REST API gets the same numbers as one from the protobuf stream", () => {
  const inc = fromJson({ id: 7, category: "disaster", type: "flood", severity: "severe", status: "in_progress", lon: 106.6, lat: -6.2,
    area: null, districts: { kelurahan: "36.71.01.1001", kecamatan: "36.71.01", kota: null },
    first_report_at: "2026-12-01T10:00:00Z", last_report_at: "2026-12-01T10:05:00Z", report_count: 3, sources: ["bpbd"], assignee: "", title: "banjir" });
  assert.equal(inc.category, 3);
  assert.equal(inc.severity, 3);
  assert.equal(inc.status, 4);
  assert.deepEqual(inc.districts.map((d) => d.code), ["36.71.01.1001", "36.71.01"]);
  assert.equal(inc.last - inc.first, 300000);
});

test("a filter survives the trip through the URL and hides what it should", () => {
  const f = filterFromUrl(new URLSearchParams("cat=transport,disaster&type=flood&sev=moderate&district=36.71.01"));
  assert.deepEqual(f, { categories: [2, 3], types: ["flood"], districts: ["36.71.01"], minSeverity: 2, agencies: [], timeWindow: "" });
  assert.equal(filterToParams(f, new URLSearchParams("lang=en")).toString(),
    "lang=en&cat=transport%2Cdisaster&type=flood&district=36.71.01&sev=moderate");
  const now = Date.parse("2026-12-01T10:00:00Z");
  const base = { category: 3, type: "flood", severity: 3, districts: [{ level: "kecamatan", code: "36.71.01" }], last: now - 90 * 86400000 };
  assert.equal(matches(f, base, now), true, "without a time window an incident of any age is shown");
  assert.equal(matches(f, { ...base, category: 1 }, now), false);
  assert.equal(matches(f, { ...base, type: "fire" }, now), false);
  assert.equal(matches(f, { ...base, severity: 1 }, now), false);
  assert.equal(matches(f, { ...base, districts: [{ level: "kecamatan", code: "36.71.02" }] }, now), false);
  assert.deepEqual(filterFromUrl(new URLSearchParams("cat=nonsense&sev=huge")), { categories: [], types: [], districts: [], minSeverity: 0, agencies: [], timeWindow: "" });
});

test("an agency filter goes through the URL and keeps only incidents of the agencies named, exactly", () => {
  const f = filterFromUrl(new URLSearchParams("agency=Dinas%20PUPR,%20BPBD"));
  assert.deepEqual(f.agencies, ["Dinas PUPR", "BPBD"]);
  assert.equal(filterToParams(f, new URLSearchParams()).toString(), "agency=Dinas+PUPR%2CBPBD");
  const inc = { category: 3, type: "flood", severity: 3, districts: [], agency: "BPBD" };
  assert.equal(matches(f, inc), true);
  assert.equal(matches(f, { ...inc, agency: "DLH" }), false);
  assert.equal(matches(f, { ...inc, agency: "bpbd" }), false);
  assert.equal(matches(f, { ...inc, agency: "" }), false);
  assert.equal(matches({ ...f, agencies: [] }, { ...inc, agency: "DLH" }), true);
});

test("a time window goes through the URL as last=, and an unknown one shows every age", () => {
  for (const w of ["1h", "6h", "24h", "7d"]) {
    const f = filterFromUrl(new URLSearchParams(`lang=en&last=${w}`));
    assert.equal(f.timeWindow, w);
    assert.equal(filterToParams(f, new URLSearchParams("lang=en")).toString(), `lang=en&last=${w}`);
  }
  assert.deepEqual(Object.keys(TIME_WINDOWS), ["1h", "6h", "24h", "7d"], "the form offers these, in this order");
  assert.equal(filterFromUrl(new URLSearchParams("last=5h")).timeWindow, "");
  assert.equal(filterFromUrl(new URLSearchParams("last=")).timeWindow, "");
  // Cleared: no last= left behind in a bookmark.
  const cleared = filterFromUrl(new URLSearchParams());
  assert.equal(filterToParams(cleared, new URLSearchParams("last=1h&lang=en")).toString(), "lang=en");
});

test("a time window shows an incident whose last report is at most the window old, the edge included", () => {
  const now = Date.parse("2026-12-01T10:00:00Z");
  const inc = (ageMs) => ({ category: 1, type: "garbage", severity: 2, districts: [], agency: "DLH", last: now - ageMs });
  const hour = filterFromUrl(new URLSearchParams("last=1h"));
  assert.equal(matches(hour, inc(0), now), true);
  assert.equal(matches(hour, inc(3600000), now), true, "reported exactly an hour ago: still in the last hour");
  assert.equal(matches(hour, inc(3600001), now), false);
  assert.equal(matches(hour, inc(-5000), now), true, "a server clock a little ahead of the wall's");
  assert.equal(matches(hour, { ...inc(0), last: NaN }, now), false, "no readable time: not known to be recent");
  // The window slides: the same incident, a millisecond later, is out.
  assert.equal(matches(hour, inc(3600000), now + 1), false);
  const week = filterFromUrl(new URLSearchParams("last=7d"));
  assert.equal(matches(week, inc(7 * 86400000), now), true);
  assert.equal(matches(week, inc(7 * 86400000 + 1), now), false);
  assert.equal(matches(filterFromUrl(new URLSearchParams("last=6h")), inc(6 * 3600000 + 1), now), false);
  assert.equal(matches(filterFromUrl(new URLSearchParams("last=24h")), inc(23 * 3600000), now), true);
  // The other parts of the filter still apply inside the window.
  assert.equal(matches({ ...hour, agencies: ["BPBD"] }, inc(0), now), false);
});

test("the server is subscribed to everything of the filter but the time window", () => {
  const f = filterFromUrl(new URLSearchParams("cat=complaint&agency=DLH&last=6h"));
  assert.deepEqual(serverFilter(f), { categories: [1], types: [], districts: [], minSeverity: 0, agencies: ["DLH"] });
  assert.deepEqual(serverFilter({ ...f, timeWindow: "7d" }), serverFilter(f), "another window: the same Subscribe");
  assert.equal(f.timeWindow, "6h", "the filter itself keeps its window");
});

test("an earthquake's magnitude comes from its headline or title, in BMKG's and CAP's spellings", () => {
  const quake = (headline, title = "") => magnitudeOf({ type: "earthquake", headline, title });
  assert.equal(quake("Gempa Mag:5.2 SR, 12 km BaratDaya KOTA-TANGERANG"), 5.2);
  assert.equal(quake("", "Gempabumi Magnitudo 4,9, kedalaman 10 km"), 4.9);
  assert.equal(quake("M 6.1 earthquake"), 6.1);
  assert.equal(quake("Gempa dirasakan, kedalaman 10 km"), null);
  assert.equal(magnitudeOf({ type: "flood", headline: "M 5.0", title: "" }), null);
});
