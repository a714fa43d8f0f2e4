// The playback's plain logic (src/playback.js), without a browser: what a playback URL asks for
// and what it refuses, where a (re)started playback begins, how far it has got, and the URLs into
// and out of it (docs/web.md, "Looking back").
import { test } from "node:test";
import assert from "node:assert/strict";
import { playbackFromUrl, playbackStart, progressOf, endReached, parseTime, liveSearch, playbackSearch, DEFAULT_SPEED } from "../src/playback.js";

const NOW = Date.parse("2026-12-08T10:00:00Z");
const ask = (query) => playbackFromUrl(new URLSearchParams(query), NOW);

test("a wall without playback= is live, whatever else its URL says", () => {
  assert.equal(ask(""), null);
  assert.equal(ask("cat=disaster&last=6h&lang=en&kiosk=1"), null);
  assert.equal(ask("speed=600&until=2026-12-05T12:00:00Z"), null, "speed and until alone are no playback");
});

test("playback= is an RFC 3339 time with a zone; speed defaults to 60 and until to the present", () => {
  assert.deepEqual(ask("playback=2026-12-05T17:00:00%2B07:00"), { from: Date.parse("2026-12-05T10:00:00Z"), speed: DEFAULT_SPEED, until: 0 });
  assert.equal(DEFAULT_SPEED, 60);
  // Typed into the address bar, the offset's '+' arrives as a space: the same time.
  assert.equal(ask("playback=2026-12-05T17:00:00+07:00").from, Date.parse("2026-12-05T10:00:00Z"));
  assert.equal(ask("playback=2026-12-05T10:00Z").from, Date.parse("2026-12-05T10:00:00Z"), "seconds may be left out");
  assert.equal(ask("playback=2026-12-05T10:00:00.250Z").from, Date.parse("2026-12-05T10:00:00.250Z"));
  assert.deepEqual(ask("playback=2026-12-05T10:00:00Z&speed=86400&until=2026-12-06T10:00:00Z"),
    { from: Date.parse("2026-12-05T10:00:00Z"), speed: 86400, until: Date.parse("2026-12-06T10:00:00Z") });
  assert.equal(ask("playback=2026-12-05T10:00:00Z&speed=7").speed, 7, "any whole speed 1..86400, not only the form's");
  assert.equal(ask("playback=2026-12-05T10:00:00Z&until=").until, 0, "an empty until is the present");
});

test("a wrong playback URL is refused with the reason and the value, never read as live", () => {
  const refused = (query) => { const r = ask(query); return r && [r.error, r.value]; };
  assert.deepEqual(refused("playback=yesterday"), ["pb_bad_from", "yesterday"]);
  assert.deepEqual(refused("playback="), ["pb_bad_from", ""]);
  assert.deepEqual(refused("playback=2026-12-05T17:00:00"), ["pb_bad_from", "2026-12-05T17:00:00"], "no zone: refused, not guessed");
  assert.deepEqual(refused("playback=1764770400000"), ["pb_bad_from", "1764770400000"]);
  assert.deepEqual(refused("playback=2026-12-09T10:00:00Z"), ["pb_future_from", "2026-12-09T10:00:00Z"]);
  assert.deepEqual(refused("playback=2026-12-08T10:00:00Z"), ["pb_future_from", "2026-12-08T10:00:00Z"], "now is not the past yet");
  for (const speed of ["0", "86401", "-60", "1.5", "60x", "", "1e3"])
    assert.deepEqual(refused(`playback=2026-12-05T10:00:00Z&speed=${encodeURIComponent(speed)}`), ["pb_bad_speed", speed], speed);
  assert.deepEqual(refused("playback=2026-12-05T10:00:00Z&until=later"), ["pb_bad_until", "later"]);
  assert.deepEqual(refused("playback=2026-12-05T10:00:00Z&until=2026-12-05T10:00:00Z"), ["pb_until_before_from", "2026-12-05T10:00:00Z"]);
  assert.deepEqual(refused("playback=2026-12-05T10:00:00Z&until=2026-12-05T09:00:00Z"), ["pb_until_before_from", "2026-12-05T09:00:00Z"]);
});

test("a playback starts at its start, and a restart at the last clock seen, with the same speed and end", () => {
  const pb = { from: Date.parse("2026-12-05T10:00:00Z"), speed: 3600, until: Date.parse("2026-12-06T10:00:00Z") };
  assert.deepEqual(playbackStart(pb, null), { fromMs: BigInt(pb.from), speed: 3600, untilMs: BigInt(pb.until) });
  const clock = pb.from + 5 * 3600000;
  assert.deepEqual(playbackStart(pb, clock), { fromMs: BigInt(clock), speed: 3600, untilMs: BigInt(pb.until) });
  assert.deepEqual(playbackStart({ ...pb, until: 0 }, clock).untilMs, 0n, "up to the present stays up to the present");
});

test("progress runs from the URL's start to its end, or to the present, and is whole at the end", () => {
  const from = Date.parse("2026-12-05T10:00:00Z"), until = from + 4 * 3600000;
  const pb = { from, speed: 60, until };
  assert.equal(progressOf(pb, { at: from, ended: false }, NOW), 0);
  assert.equal(progressOf(pb, { at: from + 3600000, ended: false }, NOW), 0.25);
  // A restart's clock says from = where it restarted; the progress is still of the whole interval.
  assert.equal(progressOf(pb, { at: from + 3 * 3600000, from: from + 2 * 3600000, ended: false }, NOW), 0.75);
  assert.equal(progressOf(pb, { at: until, ended: true }, NOW), 1);
  const toNow = { from: NOW - 10 * 3600000, speed: 60, until: 0 };
  assert.equal(progressOf(toNow, { at: NOW - 5 * 3600000, ended: false }, NOW), 0.5);
  assert.equal(progressOf(pb, null, NOW), 0);
});

test("an ended playback reached its end, or the present where the server stops one whose end is still to come", () => {
  const from = Date.parse("2026-12-05T10:00:00Z");
  assert.equal(endReached({ from, speed: 60, until: from + 3600000 }, { at: from + 3600000, ended: true }), "pb_ended");
  assert.equal(endReached({ from, speed: 60, until: NOW + 3600000 }, { at: NOW, ended: true }), "pb_ended_present");
  assert.equal(endReached({ from, speed: 60, until: 0 }, { at: NOW, ended: true }), "pb_ended_present");
});

test("Back to live drops playback, speed and until and keeps the rest; Look back writes them", () => {
  assert.equal(liveSearch("?playback=2026-12-05T10:00:00Z&speed=60&until=2026-12-06T10:00:00Z&cat=disaster&last=6h&lang=en&kiosk=1"),
    "?cat=disaster&last=6h&lang=en&kiosk=1");
  assert.equal(liveSearch("?playback=2026-12-05T10:00:00Z"), "");
  const from = Date.parse("2026-12-05T10:00:00Z");
  const search = playbackSearch("?lang=en&playback=old&speed=1&last=1h", { from, speed: 600, until: from + 86400000 });
  assert.equal(search, "?lang=en&last=1h&playback=2026-12-05T10%3A00%3A00Z&speed=600&until=2026-12-06T10%3A00%3A00Z");
  assert.deepEqual(playbackFromUrl(new URLSearchParams(search), NOW), { from, speed: 600, until: from + 86400000 }, "read back as written");
  assert.equal(new URLSearchParams(playbackSearch("", { from, speed: 60, until: 0 })).has("until"), false);
  assert.ok(Number.isNaN(parseTime(undefined)));
});
