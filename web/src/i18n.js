// Every string the wall shows, in one place: Indonesian (the default) and English (?lang=en).
// A key missing in one language falls back to Indonesian, then to the key itself, so a
// forgotten translation is visible but never breaks the page.
const strings = {
  id: {
    title: "pantau — Kota Tangerang",
    city: "Kota Tangerang",
    connecting: "Menghubungkan…",
    connected: "Terhubung",
    disconnected: "TERPUTUS — mencoba lagi",
    last_update: "pembaruan terakhir {age} lalu",
    never: "belum ada",
    feed: "Kejadian terbaru",
    counters: "Kejadian terbuka",
    counters_within: "Kejadian terbuka, laporan terakhir dalam {window}",
    top_districts: "Wilayah teratas",
    alerts: "Peringatan aktif",
    no_alerts: "Tidak ada peringatan aktif",
    sources: "Kesehatan sumber",
    no_sources: "Belum ada sumber yang melapor",
    stale: "BASI",
    poll_failing: "pengambil {name}: {error} · gagal {n}× · coba lagi {when}",
    fresh: "segar",
    timeline: "24 jam terakhir",
    metric: "Warna wilayah",
    metric_open: "Kejadian terbuka",
    metric_reports_1h: "Laporan 1 jam terakhir",
    metric_per_km2: "Kejadian terbuka per km²",
    legend_none: "0",
    filters: "Saring",
    all: "Semua",
    category: "Kategori",
    type: "Jenis",
    severity: "Keparahan min.",
    district: "Wilayah",
    apply: "Terapkan",
    clear: "Hapus",
    cat_1: "Pengaduan",
    cat_2: "Transportasi",
    cat_3: "Bencana",
    cat_0: "Lainnya",
    sev_0: "Tidak diketahui",
    sev_1: "Ringan",
    sev_2: "Sedang",
    sev_3: "Berat",
    sev_4: "Ekstrem",
    st_1: "Baru",
    st_2: "Terverifikasi",
    st_3: "Dikirim",
    st_4: "Dalam proses",
    st_5: "Selesai",
    st_6: "Ditutup",
    st_7: "Ditolak",
    st_8: "Duplikat",
    group_waiting: "Menunggu",
    group_in_process: "Proses",
    group_done: "Selesai",
    group_dismissed: "Diabaikan",
    details: "Rincian kejadian",
    reports: "laporan",
    first_report: "Laporan pertama",
    last_report: "Laporan terakhir",
    sources_of: "Sumber",
    assignee: "Petugas",
    agency: "OPD",
    time_window: "Laporan terakhir dalam",
    any_time: "kapan saja",
    note: "Catatan",
    status: "Status",
    save: "Simpan",
    saved: "Tersimpan",
    audit: "Riwayat",
    report_ids: "Laporan",
    photos: "Foto",
    photo_of_report: "Laporan #{id}",
    photo_after: "Foto sesudah (petugas)",
    close: "Tutup",
    error: "Galat",
    ago_s: "{n} dtk",
    ago_m: "{n} mnt",
    ago_h: "{n} jam",
    ago_d: "{n} hari",
    alert_text: "{district}: {count} {what} dalam {window} (ambang {threshold})",
    incidents: "kejadian",
    none: "—",
    loading_districts: "Memuat wilayah…",
    kiosk_tour_city: "Seluruh kota",
    vehicles: "Kendaraan langsung",
    vehicle: "Kendaraan",
    source: "Sumber",
    route: "Rute",
    speed: "Kecepatan",
    position_age: "Posisi",
    km_h: "km/j",
    old_position: "posisi lama",
    win_s: "{n} detik",
    win_m: "{n} menit",
    win_h: "{n} jam",
    win_d: "{n} hari",
    simulated: "{what} (simulasi)",
    feed_trip_updates: "perjalanan",
    feed_vehicle_positions: "posisi kendaraan",
    feed_alerts: "peringatan",
    time_left: "sisa {left}",
    expired: "kedaluwarsa",
    left_hm: "{h} jam {m} mnt",
    left_ms: "{m} mnt {s} dtk",
    sender: "Pengirim",
    ends: "Berakhir",
    magnitude: "Magnitudo",
    transport: "Transportasi umum",
    no_transit: "Tidak ada umpan transit",
    route_unknown: "Rute tak dikenal",
    route_p90: "Keterlambatan p90 (9 dari 10 perjalanan tidak lebih lambat dari ini)",
    route_median: "median {delay}",
    route_trips: "{n} perjalanan",
    route_cancelled: "{n} batal",
    transit_alert: "Gangguan layanan",
    agencies: "Kinerja OPD",
    no_agency: "Tanpa OPD",
    open: "terbuka",
    overdue: "TERLAMBAT",
    overdue_title: "Melewati batas waktu tanggapan atau penyelesaian",
    sla_medians: "tanggapan {first} · selesai {done} (median 7 hari)",
    first_response: "Tanggapan pertama",
    resolution: "Penyelesaian",
    awaited: "belum",
    due: "batas",
  },
  en: {
    title: "pantau — Tangerang City",
    city: "Tangerang City",
    connecting: "Connecting…",
    connected: "Connected",
    disconnected: "DISCONNECTED — retrying",
    last_update: "last update {age} ago",
    never: "none yet",
    feed: "Newest incidents",
    counters: "Open incidents",
    counters_within: "Open incidents, last report within {window}",
    vehicles: "Live vehicles",
    vehicle: "Vehicle",
    source: "Source",
    route: "Route",
    speed: "Speed",
    position_age: "Position",
    km_h: "km/h",
    old_position: "old position",
    top_districts: "Top districts",
    alerts: "Active alerts",
    no_alerts: "No active alerts",
    sources: "Source health",
    no_sources: "No source has reported yet",
    stale: "STALE",
    poll_failing: "poller {name}: {error} · failed {n}× · retry in {when}",
    fresh: "fresh",
    timeline: "Last 24 hours",
    metric: "District colour",
    metric_open: "Open incidents",
    metric_reports_1h: "Reports in the last hour",
    metric_per_km2: "Open incidents per km²",
    legend_none: "0",
    filters: "Filter",
    all: "All",
    category: "Category",
    type: "Type",
    severity: "Min. severity",
    district: "District",
    apply: "Apply",
    clear: "Clear",
    cat_1: "Complaint",
    cat_2: "Transport",
    cat_3: "Disaster",
    cat_0: "Other",
    sev_0: "Unknown",
    sev_1: "Minor",
    sev_2: "Moderate",
    sev_3: "Severe",
    sev_4: "Extreme",
    st_1: "New",
    st_2: "Verified",
    st_3: "Dispatched",
    st_4: "In progress",
    st_5: "Resolved",
    st_6: "Closed",
    st_7: "Rejected",
    st_8: "Duplicate",
    group_waiting: "Waiting",
    group_in_process: "In process",
    group_done: "Done",
    group_dismissed: "Dismissed",
    details: "Incident details",
    reports: "reports",
    first_report: "First report",
    last_report: "Last report",
    sources_of: "Sources",
    assignee: "Assignee",
    agency: "Agency",
    time_window: "Last report within",
    any_time: "any time",
    note: "Note",
    status: "Status",
    save: "Save",
    saved: "Saved",
    audit: "Audit trail",
    report_ids: "Reports",
    photos: "Photos",
    photo_of_report: "Report #{id}",
    photo_after: "After photo (operator)",
    close: "Close",
    error: "Error",
    ago_s: "{n} s",
    ago_m: "{n} min",
    ago_h: "{n} h",
    ago_d: "{n} d",
    alert_text: "{district}: {count} {what} in {window} (threshold {threshold})",
    incidents: "incidents",
    none: "—",
    loading_districts: "Loading districts…",
    kiosk_tour_city: "Whole city",
    win_s: "{n} s",
    win_m: "{n} min",
    win_h: "{n} h",
    win_d: "{n} d",
    simulated: "{what} (simulated)",
    feed_trip_updates: "trip updates",
    feed_vehicle_positions: "vehicle positions",
    feed_alerts: "alerts",
    time_left: "{left} left",
    expired: "expired",
    left_hm: "{h} h {m} min",
    left_ms: "{m} min {s} s",
    sender: "Sender",
    ends: "Ends",
    magnitude: "Magnitude",
    transport: "Public transport",
    no_transit: "No transit feed",
    route_unknown: "Unknown route",
    route_p90: "p90 delay (9 in 10 trips are at most this late)",
    route_median: "median {delay}",
    route_trips: "{n} trips",
    route_cancelled: "{n} cancelled",
    transit_alert: "Service alert",
    agencies: "Agencies (OPD)",
    no_agency: "No agency",
    open: "open",
    overdue: "OVERDUE",
    overdue_title: "Past its first response or resolution deadline",
    sla_medians: "response {first} · resolved {done} (7-day median)",
    first_response: "First response",
    resolution: "Resolution",
    awaited: "awaited",
    due: "due",
  },
};

export const lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "id";

export function t(key, vars) {
  let s = strings[lang][key] ?? strings.id[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return t("ago_s", { n: s });
  if (s < 3600) return t("ago_m", { n: Math.floor(s / 60) });
  if (s < 86400) return t("ago_h", { n: Math.floor(s / 3600) });
  return t("ago_d", { n: Math.floor(s / 86400) });
}

export const locale = lang === "en" ? "en-GB" : "id-ID";

// Report types (the `type` code of a report, incident or alert): DESIGN §8's Tangerang complaints
// as LAKSA names them, the transport and disaster types the sources send (the simulator, BMKG, CAP,
// GTFS-Realtime alert effects). A code not listed is shown readable ("oil_spill" → "Oil spill").
const typeNames = {
  id: {
    streetlight_out: "Lampu PJU padam", street_light: "Lampu PJU padam", road_damage: "Jalan berlubang/rusak",
    broken_road: "Jalan berlubang/rusak", pothole: "Jalan berlubang", fallen_tree: "Pohon tumbang",
    garbage: "Sampah menumpuk", garbage_burning: "Pembakaran sampah", flood: "Banjir", fire: "Kebakaran",
    snake: "Penemuan ular", wasp_nest: "Sarang tawon", person_in_need: "Orang terlantar",
    traffic_jam: "Kemacetan", accident: "Kecelakaan", road_closure: "Penutupan jalan",
    earthquake: "Gempa bumi", weather_warning: "Peringatan cuaca", service_alert: "Gangguan layanan",
    landslide: "Tanah longsor", strong_wind: "Angin kencang", extreme_weather: "Cuaca ekstrem",
    no_service: "Layanan berhenti", reduced_service: "Layanan berkurang", significant_delays: "Keterlambatan besar",
    detour: "Pengalihan rute", additional_service: "Layanan tambahan", modified_service: "Layanan berubah",
    stop_moved: "Halte dipindah", accessibility_issue: "Gangguan aksesibilitas", synthetic: "Sintetis",
    // What CAP alerts become (docs/feeds.md, "From alerts to incidents").
    tsunami: "Tsunami", volcano: "Erupsi gunung api", drought: "Kekeringan", extreme_heat: "Panas ekstrem",
    geo_hazard: "Bahaya geologi", transport_disruption: "Gangguan transportasi", infrastructure: "Gangguan infrastruktur",
    health: "Kesehatan", environment: "Lingkungan", hazmat: "Bahan berbahaya", rescue: "Penyelamatan",
    security: "Keamanan", safety: "Keselamatan", alert: "Peringatan",
  },
  en: {
    streetlight_out: "Street light out", street_light: "Street light out", road_damage: "Pothole/damaged road",
    broken_road: "Pothole/damaged road", pothole: "Pothole", fallen_tree: "Fallen tree",
    garbage: "Garbage piling up", garbage_burning: "Garbage burning", flood: "Flood", fire: "Fire",
    snake: "Snake found", wasp_nest: "Wasp nest", person_in_need: "Person in need",
    traffic_jam: "Traffic jam", accident: "Accident", road_closure: "Road closure",
    earthquake: "Earthquake", weather_warning: "Weather warning", service_alert: "Service alert",
    landslide: "Landslide", strong_wind: "Strong wind", extreme_weather: "Extreme weather",
    no_service: "No service", reduced_service: "Reduced service", significant_delays: "Significant delays",
    detour: "Detour", additional_service: "Additional service", modified_service: "Modified service",
    stop_moved: "Stop moved", accessibility_issue: "Accessibility issue", synthetic: "Synthetic",
    tsunami: "Tsunami", volcano: "Volcanic eruption", drought: "Drought", extreme_heat: "Extreme heat",
    geo_hazard: "Geological hazard", transport_disruption: "Transport disruption", infrastructure: "Infrastructure",
    health: "Health", environment: "Environment", hazmat: "Hazardous materials", rescue: "Rescue",
    security: "Security", safety: "Safety", alert: "Alert",
  },
};

// The readable form of a code nobody translated: "oil_spill" → "Oil spill".
export function readable(code) {
  const s = String(code ?? "").replace(/[_-]+/g, " ").trim();
  return s ? s[0].toUpperCase() + s.slice(1) : "";
}

export function typeName(code) { return typeNames[lang][code] ?? readable(code); }

// An alert's window as the server names it ("24h", "15m", "7d") in words.
export function windowName(w) {
  const m = /^(\d+)\s*([smhd])$/.exec(String(w ?? ""));
  return m ? t("win_" + m[2], { n: m[1] }) : String(w ?? "");
}

// Source names as the agencies write them; others (a configured feed) as they are.
const SOURCE_NAMES = { laksa: "LAKSA", dishub: "Dishub", bpbd: "BPBD", bmkg: "BMKG", bnpb: "BNPB", damkar: "Damkar", cctv: "CCTV", transit: "Transit" };
// A source as the wall names it. A GTFS-Realtime feed's kinds of data are sources of their own,
// "SOURCE/KIND" (docs/feeds.md, "Freshness"): the source is named, then its kind in words.
export function sourceName(s) {
  const [base, kind] = String(s ?? "").split("/", 2);
  if (kind !== undefined) {
    const words = { trip_updates: "feed_trip_updates", vehicle_positions: "feed_vehicle_positions", alerts: "feed_alerts" }[kind];
    return `${sourceName(base)} · ${words ? t(words) : kind}`;
  }
  if (SOURCE_NAMES[base]) return SOURCE_NAMES[base];
  const sim = /^sim-(.+)$/.exec(base);
  return sim ? t("simulated", { what: (SOURCE_NAMES[sim[1]] ?? sim[1].toUpperCase()) }) : base;
}

// The time left until an alert ends by itself (its CAP `expires`), to the second in its last hour;
// "expired" after.
export function timeLeft(expiresMs, now) {
  const s = Math.floor((expiresMs - now) / 1000);
  if (s <= 0) return t("expired");
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return t("time_left", { left: h ? t("left_hm", { h, m }) : t("left_ms", { m, s: s % 60 }) });
}
