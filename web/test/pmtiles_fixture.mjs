// Real PMTiles v3 archives made at test time, without tools: a 127-byte header, an uncompressed
// root directory of varint-encoded entries, and the tiles. Every tile of the archive has the same
// bytes, stored once (PMTiles deduplicates by offset), so a city's coverage stays a few KiB.
//   rasterArchive([r, g, b])   solid-colour 256×256 PNG tiles
//   vectorArchive()            MVT tiles in the Protomaps basemap schema: an `earth` polygon over
//                              the whole tile and a `water` polygon over its north-west quarter;
//                              directory and tiles gzip-compressed, as in Protomaps' own builds
import { deflateSync, gzipSync } from "node:zlib";
import { zxyToTileId } from "pmtiles";

// Kota Tangerang with a generous margin, so every tile the wall's view touches exists.
export const COVER = { west: 105.9, south: -6.9, east: 107.4, north: -5.5, minZoom: 8, maxZoom: 12 };

const TILE_TYPE = { mvt: 1, png: 2 };

function varint(n, out) {
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
}

function tileRange(z, c) {
  const n = 2 ** z;
  const x = (lon) => Math.floor(((lon + 180) / 360) * n);
  const y = (lat) => { const r = (lat * Math.PI) / 180; return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n); };
  return { x0: x(c.west), x1: x(c.east), y0: y(c.north), y1: y(c.south) };
}

export function buildArchive(tile, tileType, { metadata = {}, gzip = false } = {}, c = COVER) {
  const pack = (b) => (gzip ? gzipSync(b) : b);
  tile = pack(tile);
  const ids = [];
  for (let z = c.minZoom; z <= c.maxZoom; z++) {
    const r = tileRange(z, c);
    for (let x = r.x0; x <= r.x1; x++) for (let y = r.y0; y <= r.y1; y++) ids.push(zxyToTileId(z, x, y));
  }
  ids.sort((a, b) => a - b);
  // Directory: count, id deltas, run lengths, lengths, offsets (0: right after the previous
  // entry, else offset + 1). Every entry points at the one stored tile at offset 0.
  const dir = [];
  varint(ids.length, dir);
  ids.forEach((id, i) => varint(i ? id - ids[i - 1] : id, dir));
  ids.forEach(() => varint(1, dir));
  ids.forEach(() => varint(tile.length, dir));
  ids.forEach(() => varint(1, dir));
  const meta = pack(Buffer.from(JSON.stringify(metadata)));
  const root = pack(Buffer.from(dir));
  const h = Buffer.alloc(127);
  h.write("PMTiles", 0, "latin1");
  h[7] = 3;
  const rootOffset = 127, metaOffset = rootOffset + root.length, dataOffset = metaOffset + meta.length;
  const u64 = (at, v) => h.writeBigUInt64LE(BigInt(v), at);
  u64(8, rootOffset); u64(16, root.length);
  u64(24, metaOffset); u64(32, meta.length);
  u64(40, dataOffset); u64(48, 0);            // no leaf directories
  u64(56, dataOffset); u64(64, tile.length);
  u64(72, ids.length); u64(80, ids.length); u64(88, 1);
  h[96] = 0;                                  // not clustered: entries share one tile
  h[97] = h[98] = gzip ? 2 : 1;               // internal and tile compression: gzip or none
  h[99] = TILE_TYPE[tileType];
  h[100] = c.minZoom; h[101] = c.maxZoom;
  const e7 = (at, v) => h.writeInt32LE(Math.round(v * 1e7), at);
  e7(102, c.west); e7(106, c.south); e7(110, c.east); e7(114, c.north);
  h[118] = 11; e7(119, (c.west + c.east) / 2); e7(123, (c.south + c.north) / 2);
  return Buffer.concat([h, root, meta, tile]);
}

// ---- PNG ----------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function solidPng([r, g, b], size = 256) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 2;                   // 8-bit RGB
  const row = Buffer.alloc(1 + size * 3);
  for (let i = 0; i < size; i++) { row[1 + i * 3] = r; row[2 + i * 3] = g; row[3 + i * 3] = b; }
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

// ---- MVT (the vector tile protobuf, hand-encoded) ---------------------------------------------------
function pbField(field, wire, out) { varint((field << 3) | wire, out); }
function pbBytes(field, bytes, out) { pbField(field, 2, out); varint(bytes.length, out); out.push(...bytes); }
function pbVarint(field, v, out) { pbField(field, 0, out); varint(v, out); }
const zigzag = (n) => (n << 1) ^ (n >> 31);
// One ring (tile coordinates, extent 4096) as MVT geometry commands.
function ringGeometry(points) {
  const g = [], cmd = (id, count) => varint((id & 7) | (count << 3), g);
  let cx = 0, cy = 0;
  points.forEach(([x, y], i) => {
    if (i === 0) cmd(1, 1); else if (i === 1) cmd(2, points.length - 1);
    varint(zigzag(x - cx), g); varint(zigzag(y - cy), g);
    cx = x; cy = y;
  });
  cmd(7, 1);
  return g;
}
function polygonLayer(name, ring, kind) {
  const feature = [];
  pbVarint(1, 1, feature);                    // id
  pbBytes(2, [0, 0], feature);                // tags: key 0 = value 0 (kind)
  pbVarint(3, 3, feature);                    // type POLYGON
  pbBytes(4, ringGeometry(ring), feature);
  const value = [];
  pbBytes(1, [...Buffer.from(kind)], value);  // string_value
  const layer = [];
  pbVarint(15, 2, layer);                     // version
  pbBytes(1, [...Buffer.from(name)], layer);
  pbBytes(2, feature, layer);
  pbBytes(3, [...Buffer.from("kind")], layer);
  pbBytes(4, value, layer);
  pbVarint(5, 4096, layer);                   // extent
  return layer;
}
export function mvtTile() {
  // Clockwise in tile coordinates (y down) is an exterior ring in MVT.
  const all = [[-64, -64], [4160, -64], [4160, 4160], [-64, 4160]];
  const nw = [[0, 0], [2048, 0], [2048, 2048], [0, 2048]];
  const tile = [];
  pbBytes(3, polygonLayer("earth", all, "earth"), tile);
  pbBytes(3, polygonLayer("water", nw, "water"), tile);
  return Buffer.from(tile);
}

export function rasterArchive(rgb) { return buildArchive(solidPng(rgb), "png"); }
export function vectorArchive() {
  const vector_layers = ["earth", "water"].map((id) => ({ id, fields: { kind: "String" } }));
  return buildArchive(mvtTile(), "mvt", { metadata: { vector_layers }, gzip: true });
}
