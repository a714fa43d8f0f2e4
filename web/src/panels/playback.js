// A wall in playback is never mistaken for live: an amber frame around the whole page
// (body.playback) and a banner above the map with the playback's time, its speed, how far it has
// got or that it reached its end, why it waits or was refused, and the way back to live. And the
// Look back control, which writes a playback URL from a start, a speed and an optional end.
import { t, locale } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";
import { SPEEDS, progressOf, endReached, liveSearch, playbackSearch, playbackFromUrl } from "../playback.js";

// The playback's time with its date: a replayed day must not be read as today. The browser's
// zone, like every time on the wall (a wall in the city runs in its zone).
export function clockText(ms) {
  return new Date(ms).toLocaleString(locale, { weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function speedName(n) { return SPEEDS.includes(n) ? t(`speed_${n}`) : t("pb_speed", { n }); }

// What a panel of the present's data (route delays, the agency ranking) shows in a playback.
export function notReplayedHtml() {
  return `<li class="none muted" data-testid="not-replayed">${esc(t("not_replayed"))}</li>`;
}

// playback: the URL's {from, speed, until} or its {error, value} (playback.js); store.clock is
// the playback clock. The banner's state (data-state) is one of invalid, rest, connecting,
// playing, closed, busy, refused and ended; update() redraws it after each clock.
export function createPlaybackBanner({ playback, store }) {
  document.body.classList.add("playback");
  const banner = $("playback");
  banner.hidden = false;
  $("back-to-live").textContent = t("back_to_live");
  $("back-to-live").onclick = () => location.assign(location.pathname + liveSearch(location.search));
  let state = playback.error ? "invalid" : "connecting";
  let message = playback.error ? t(playback.error, { value: playback.value }) : "";

  const update = () => {
    const clock = store.clock;
    const parts = [`<b class="pb-label">${esc(t("pb_label"))}</b>`];
    if (clock) {
      const progress = progressOf(playback, clock, Date.now());
      parts.push(`<span id="pb-time" data-at="${clock.at}">${esc(clockText(clock.at))}</span>`,
        `<span id="pb-speed">${esc(t("pb_speed", { n: clock.speed || playback.speed }))}</span>`,
        `<span class="pb-progress" data-progress="${progress.toFixed(3)}"><span style="width:${(100 * progress).toFixed(1)}%"></span></span>`,
        `<span class="pb-end">${esc(playback.until ? t("pb_until", { time: clockText(playback.until) }) : t("pb_until_present"))}</span>`);
    }
    const note = state === "ended" ? t(endReached(playback, clock)) : message;
    if (note) parts.push(`<span id="pb-message">${esc(note)}</span>`);
    banner.dataset.state = state;
    setHTML($("pb-body"), parts.join(" "));
  };

  update();
  return {
    get state() { return state; },
    // The stream's state (stream.js), or "rest" when the page was asked to poll, which cannot
    // replay: the banner says so and the wall stays empty.
    setState(s, info = {}) {
      state = s === "open" ? "playing" : s;
      message = {
        connecting: t("pb_connecting"),
        closed: store.clock ? t("pb_restarting", { time: clockText(store.clock.at) }) : "",
        busy: t("pb_busy", { reason: info.reason || "—", s: Math.round((info.retryMs ?? 0) / 1000) }),
        refused: t("pb_refused", { reason: info.reason || "—" }),
        rest: t("pb_rest"),
      }[state] ?? "";
      update();
    },
    update,
  };
}

// The Look back control ("Lihat ke belakang"): a start, a speed and an optional end, in the
// browser's zone, turned into the same wall's playback URL. On a playback wall it starts filled
// in with that playback, to change its speed or times.
export function createLookBack({ playback }) {
  const form = $("lookback");
  $("lookback-toggle").textContent = t("look_back");
  $("lb-from-label").textContent = t("lb_from");
  $("lb-speed-label").textContent = t("lb_speed");
  $("lb-until-label").textContent = t("lb_until");
  $("lb-go").textContent = t("lb_go");
  const asked = playback && !playback.error ? playback : null;
  const speeds = asked && !SPEEDS.includes(asked.speed) ? [...SPEEDS, asked.speed].sort((a, b) => a - b) : SPEEDS;
  $("lb-speed").innerHTML = speeds.map((n) => `<option value="${n}">${esc(speedName(n))}</option>`).join("");
  $("lb-speed").value = String(asked?.speed ?? 60);

  // One of the two forms at a time: they open at the same place.
  $("filter-toggle").addEventListener("click", () => { form.hidden = true; });
  $("lookback-toggle").onclick = () => {
    $("filters").hidden = true;
    form.hidden = !form.hidden;
    if (form.hidden) return;
    // An hour back by default, which the default 60× replays in a minute.
    $("lb-from").value = inputValue(asked?.from ?? Date.now() - 3600000);
    $("lb-until").value = asked?.until ? inputValue(asked.until) : "";
    $("lb-msg").textContent = "";
  };
  form.onsubmit = (e) => {
    e.preventDefault();
    // A datetime-local value has no zone; Date.parse reads such a date-time in the browser's.
    const from = Date.parse($("lb-from").value);
    const until = $("lb-until").value ? Date.parse($("lb-until").value) : 0;
    if (Number.isNaN(from) || Number.isNaN(until)) { $("lb-msg").textContent = t("pb_bad_from", { value: $("lb-from").value }); return; }
    const search = playbackSearch(location.search, { from, speed: Number($("lb-speed").value), until });
    // The same rules as a typed URL, said here rather than on the next page.
    const checked = playbackFromUrl(new URLSearchParams(search), Date.now());
    if (checked.error) { $("lb-msg").textContent = t(checked.error, { value: checked.value }); return; }
    location.assign(location.pathname + search);
  };
}

// A time as a datetime-local input wants it: the browser's local date and time to the minute.
function inputValue(ms) {
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}
