// Playback (docs/history.md, "Playback"; docs/web.md, "Looking back"): the wall's URL asks the
// server to replay the log from a time at a speed, over the same stream. This file is the plain
// logic of it, without DOM or socket, tested in node (test/playback_logic.test.mjs): what the URL
// asks for, what a (re)started playback sends, how far it has got, and the URLs into and out of it.

export const SPEEDS = [1, 10, 60, 600, 3600, 86400];   // what the Look back control offers
export const DEFAULT_SPEED = 60;
export const MAX_SPEED = 86400;
const PLAYBACK_PARAMS = ["playback", "speed", "until"];

// RFC 3339 with a zone (Z or ±hh:mm); seconds and fractions optional. A zone-less time is
// refused rather than guessed: the wall's clock and the server's may sit in different zones.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

// Milliseconds since the epoch, or NaN. A '+' of an offset that was not percent-encoded in the
// URL arrives as a space (URLSearchParams reads '+' as one): `...17:00:00+07:00` typed into the
// address bar must still work.
export function parseTime(text) {
  const s = String(text ?? "").trim().replace(/ (\d{2}:\d{2})$/, "+$1");
  return RFC3339.test(s) ? Date.parse(s) : NaN;
}

// The form a URL gets: UTC, without a fraction when it has none.
export function formatTime(ms) { return new Date(ms).toISOString().replace(".000Z", "Z"); }

// What the URL asks for: null for a live wall (no `playback`), {from, speed, until} (ms; until 0:
// up to the present) for a playback, or {error, value} naming the i18n key of what is wrong with
// it. A wall with a bad playback URL shows the refusal and stays empty rather than going live:
// a wall that silently showed the present under a playback link would be mistaken for the past.
// `speed` and `until` without `playback` are not a playback; they are ignored.
export function playbackFromUrl(params, now) {
  if (!params.has("playback")) return null;
  const fromText = params.get("playback");
  const from = parseTime(fromText);
  if (Number.isNaN(from)) return { error: "pb_bad_from", value: fromText };
  if (from >= now) return { error: "pb_future_from", value: fromText };
  let speed = DEFAULT_SPEED;
  if (params.has("speed")) {
    const text = params.get("speed").trim();
    speed = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
    if (!(speed >= 1 && speed <= MAX_SPEED)) return { error: "pb_bad_speed", value: params.get("speed") };
  }
  let until = 0;
  if (params.has("until") && params.get("until").trim() !== "") {
    until = parseTime(params.get("until"));
    if (Number.isNaN(until)) return { error: "pb_bad_until", value: params.get("until") };
    if (until <= from) return { error: "pb_until_before_from", value: params.get("until") };
  }
  return { from, speed, until };
}

// The Playback of a Subscribe (protobuf-es init shape). There is no resume of a playback: a wall
// whose connection dropped starts a new one from the last clock it saw, with the same speed and
// end; before any clock, from the start.
export function playbackStart(playback, lastClockAt) {
  return { fromMs: BigInt(lastClockAt ?? playback.from), speed: playback.speed, untilMs: BigInt(playback.until) };
}

// How far the playback has got, 0..1, from the URL's start (a restart's clock starts later) to
// its end, or to the present (`now`) when it plays up to it.
export function progressOf(playback, clock, now) {
  const end = playback.until || now;
  if (!clock || end <= playback.from) return 0;
  if (clock.ended) return 1;
  return Math.min(1, Math.max(0, (clock.at - playback.from) / (end - playback.from)));
}

// What an ended playback reached: its end, or the present, where the server stops one whose
// end lies in the future (and every one without an end). An i18n key.
export function endReached(playback, clock) {
  return playback.until && clock && clock.at >= playback.until ? "pb_ended" : "pb_ended_present";
}

// The URL of the same wall live: every other parameter (filter, `last`, `lang`, `kiosk`) kept.
export function liveSearch(search) {
  const p = new URLSearchParams(search);
  for (const k of PLAYBACK_PARAMS) p.delete(k);
  const s = p.toString();
  return s ? `?${s}` : "";
}

// The URL of the same wall replaying from `from` at `speed` up to `until` (0: the present).
export function playbackSearch(search, { from, speed, until }) {
  const p = new URLSearchParams(search);
  for (const k of PLAYBACK_PARAMS) p.delete(k);
  p.set("playback", formatTime(from));
  p.set("speed", String(speed));
  if (until) p.set("until", formatTime(until));
  return `?${p}`;
}
