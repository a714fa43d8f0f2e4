// The page's fixed text, the connection indicator (with the age of the last update) and the clock.
import { t, ago, locale } from "../i18n.js";
import { $ } from "../dom.js";

export function writeHeadings() {
  document.title = t("title");
  $("title").textContent = t("title");
  $("filter-toggle").textContent = t("filters");
  $("counters-h").textContent = t("counters");
  $("alerts-h").textContent = t("alerts");
  $("transport-h").textContent = t("transport");
  $("sources-h").textContent = t("sources");
  $("top-h").textContent = t("top_districts");
  $("agencies-h").textContent = t("agencies");
  $("timeline-h").textContent = t("timeline");
  $("feed-h").textContent = t("feed");
}

// "connecting", "open", "closed" or "stopped"; closed greys the map and shows the disconnected
// banner, so a wall that lost its server never looks like a quiet city. Stopped is a playback that
// ended or was refused: no longer connected, on purpose, and not retrying.
const CONNECTION_TEXT = { open: "connected", closed: "disconnected", stopped: "conn_stopped", connecting: "connecting" };
export function createConnectionIndicator(store) {
  let state = "connecting";
  const tick = () => {
    $("conn-text").textContent = t(CONNECTION_TEXT[state]);
    $("conn-age").textContent = store.lastUpdate ? t("last_update", { age: ago(Date.now() - store.lastUpdate) }) : "";
  };
  return {
    get state() { return state; },
    set(s) {
      state = s;
      $("conn").className = `conn ${s}`;
      document.body.classList.toggle("disconnected", s === "closed");
      $("disconnected").hidden = s !== "closed";
      $("disconnected").textContent = t("disconnected");
      tick();
    },
    tick,
  };
}

// Every second: the clock, the connection's age, and whatever else shows an age (onTick). The
// clock shows the wall's time, timeNow(): a playback's clock there, the present on a live wall.
export function startClock({ kiosk, timeNow = Date.now, onTick }) {
  const tick = () => {
    const d = new Date(timeNow());
    $("clock").textContent = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: kiosk ? undefined : "2-digit" }) +
      (kiosk ? ` · ${d.toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" })}` : "");
    onTick();
  };
  setInterval(tick, 1000);
  tick();
}
