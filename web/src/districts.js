// The districts the server serves: every level (finest first, e.g. kelurahan, kecamatan, kota),
// each district's name, parent, area, box and label point, and the whole city's box. They are
// loaded once, before anything else: the wall has nothing to draw without them.
import { bboxOf, unionBox, labelPoint } from "./geometry.js";

// Fetches the levels (GET /readyz) and each level's GeoJSON; throws while the server is down.
// A 503 from /readyz with levels means ingest is refused (a full data dir): the wall still
// shows what the server holds.
export async function fetchDistricts() {
  const res = await fetch("/readyz", { cache: "no-store" });
  if (!res.ok && res.status !== 503) throw new Error(`readyz: HTTP ${res.status}`);
  const levels = (await res.json().catch(() => ({}))).levels ?? [];
  if (!res.ok && levels.length === 0) throw new Error(`readyz: HTTP ${res.status}`);
  const collections = await Promise.all(levels.map(async (l) => {
    const r = await fetch(`/api/v1/districts?level=${encodeURIComponent(l)}`);
    if (!r.ok) throw new Error(`districts ${l}: HTTP ${r.status}`);
    return r.json();
  }));
  return { levels, collections };
}

export class Districts {
  levels = [];                    // finest first
  byLevel = new Map();            // level -> Map(code -> {code, name, level, parent, area, bbox, centre})
  cityBox = null;

  // Takes what fetchDistricts returned, all at once, so a failed fetch never leaves half a city.
  load({ levels, collections }) {
    this.levels = levels;
    for (const [i, level] of levels.entries()) {
      const byCode = new Map();
      for (const f of collections[i].features) {
        const p = f.properties;
        const bbox = bboxOf(f.geometry);
        byCode.set(p.code, { code: p.code, name: p.name, level, parent: p.parent, area: p.area_km2 || 0, bbox, centre: labelPoint(f.geometry, bbox) });
        this.cityBox = unionBox(this.cityBox, bbox);
      }
      this.byLevel.set(level, byCode);
    }
  }

  get loaded() { return this.byLevel.size > 0; }
  get finest() { return this.levels[0]; }
  get coarsest() { return this.levels[this.levels.length - 1]; }

  get(level, code) { return this.byLevel.get(level)?.get(code); }
  name(level, code) { return this.get(level, code)?.name ?? code; }

  // The level of a code as the server resolves it: the finest that has it.
  levelOf(code) { return this.levels.find((l) => this.byLevel.get(l)?.has(code)); }

  // "top" is a whole-city level (only when there are three or more), drawn as an outline only.
  role(level) {
    const i = this.levels.indexOf(level), n = this.levels.length;
    if (i === n - 1 && n > 2) return "top";
    if (i === 0) return "fine";
    return "mid";
  }

  // Where an incident is, for a panel: its finest named level, with the one above it.
  placeOf(inc) {
    const parts = [];
    for (const d of inc.districts.slice().reverse()) {
      const n = d.name || this.name(d.level, d.code);
      if (n) parts.push(n);
    }
    return parts.slice(0, 2).join(", ");
  }
}
