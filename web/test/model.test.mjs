// The client's pure logic, without a browser: status colours, the JSON shape, the URL filter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statusGroup, isOpen, fromJson, filterFromUrl, filterToParams, matches, magnitudeOf } from "../src/model.js";

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
  assert.deepEqual(f, { categories: [2, 3], types: ["flood"], districts: ["36.71.01"], minSeverity: 2, agencies: [] });
  assert.equal(filterToParams(f, new URLSearchParams("lang=en")).toString(),
    "lang=en&cat=transport%2Cdisaster&type=flood&district=36.71.01&sev=moderate");
  const base = { category: 3, type: "flood", severity: 3, districts: [{ level: "kecamatan", code: "36.71.01" }] };
  assert.equal(matches(f, base), true);
  assert.equal(matches(f, { ...base, category: 1 }), false);
  assert.equal(matches(f, { ...base, type: "fire" }), false);
  assert.equal(matches(f, { ...base, severity: 1 }), false);
  assert.equal(matches(f, { ...base, districts: [{ level: "kecamatan", code: "36.71.02" }] }), false);
  assert.deepEqual(filterFromUrl(new URLSearchParams("cat=nonsense&sev=huge")), { categories: [], types: [], districts: [], minSeverity: 0, agencies: [] });
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

test("an earthquake's magnitude comes from its headline or title, in BMKG's and CAP's spellings", () => {
  const quake = (headline, title = "") => magnitudeOf({ type: "earthquake", headline, title });
  assert.equal(quake("Gempa Mag:5.2 SR, 12 km BaratDaya KOTA-TANGERANG"), 5.2);
  assert.equal(quake("", "Gempabumi Magnitudo 4,9, kedalaman 10 km"), 4.9);
  assert.equal(quake("M 6.1 earthquake"), 6.1);
  assert.equal(quake("Gempa dirasakan, kedalaman 10 km"), null);
  assert.equal(magnitudeOf({ type: "flood", headline: "M 5.0", title: "" }), null);
});
