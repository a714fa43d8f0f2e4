// The reference peer of benchmarks B4 and B5 (/work/shared/BENCHMARKS.md, docs/benchmarks.md):
// what a competent Node.js developer would write for pantau's ingest → district join → live
// stream path, speaking the same protocol (proto/pantau.proto, docs/stream.md) so that one load
// generator drives both. Deliberately without what pantau pays for and the peer does not:
// no durable commit before the reply, no dedup, no lifecycle, no statistics, no resume history.
//
//   node server.js --districts [LEVEL=]FILE [--districts ...] [--listen HOST:PORT]
//
// Prints "peer: serving on http://HOST:PORT" once it listens.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import Flatbush from 'flatbush';
import protobuf from 'protobufjs';
import { WebSocketServer } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));

function usage(message) {
  process.stderr.write(`peer: ${message}\nusage: node server.js --districts [LEVEL=]FILE [--districts ...] ` +
    '[--listen HOST:PORT] [--code-field F] [--name-field F] [--snapshot-max N] [--max-buffered BYTES]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    listen: '127.0.0.1:8090', districts: [], codeField: null, nameField: null,
    proto: path.join(here, '../../../proto/pantau.proto'),
    snapshotMax: 10000, maxBuffered: 8 * 1024 * 1024, bodyLimit: 1024 * 1024,
  };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') usage('help');
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    switch (flag) {
      case '--listen': opts.listen = value; break;
      case '--districts': opts.districts.push(value); break;
      case '--code-field': opts.codeField = value; break;
      case '--name-field': opts.nameField = value; break;
      case '--proto': opts.proto = value; break;
      case '--snapshot-max': opts.snapshotMax = Number(value); break;
      case '--max-buffered': opts.maxBuffered = Number(value); break;
      default: usage(`unknown option ${flag}`);
    }
  }
  if (opts.districts.length === 0) usage('--districts is required');
  return opts;
}

// ---- districts: one Flatbush over the feature bboxes per level, Turf as the exact test ----

function ringsOf(geometry) {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

function loadLevel(argument, opts) {
  const eq = argument.indexOf('=');
  const named = eq > 0 && argument.indexOf('/') > eq;
  const file = named ? argument.slice(eq + 1) : argument;
  const name = named ? argument.slice(0, eq) : path.basename(file, path.extname(file));
  const collection = JSON.parse(readFileSync(file, 'utf8'));
  const features = collection.features.filter((f) => f.geometry && ringsOf(f.geometry).length > 0);
  const index = new Flatbush(features.length);
  const districts = features.map((f) => {
    const p = f.properties ?? {};
    let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
    for (const ring of ringsOf(f.geometry)) {
      for (const [x, y] of ring) {
        if (x < minX) minX = x; if (y < minY) minY = y;
        if (x > maxX) maxX = x; if (y > maxY) maxY = y;
      }
    }
    index.add(minX, minY, maxX, maxY);
    const code = String((opts.codeField ? p[opts.codeField] : (p.code ?? p.kode)) ?? f.id);
    const dname = String((opts.nameField ? p[opts.nameField] : (p.name ?? p.nama)) ?? '');
    return { feature: f, code, name: dname };
  });
  index.finish();
  return { name, index, districts };
}

// The district that covers the point, or null; on a shared edge the lowest code wins, as in pantau.
function locate(level, lon, lat) {
  let best = null;
  for (const i of level.index.search(lon, lat, lon, lat)) {
    const d = level.districts[i];
    if ((best === null || d.code < best.code) && booleanPointInPolygon([lon, lat], d.feature)) best = d;
  }
  return best;
}

// ---- state and protocol ----

const opts = parseArgs(process.argv.slice(2));
const levels = opts.districts.map((a) => loadLevel(a, opts));
const root = protobuf.loadSync(opts.proto);
const ReportBatch = root.lookupType('pantau.v1.ReportBatch');
const ClientMessage = root.lookupType('pantau.v1.ClientMessage');
const ServerMessage = root.lookupType('pantau.v1.ServerMessage');
const Delta = root.lookupType('pantau.v1.Delta');

// Every report opens its own incident (no dedup); the latest snapshotMax are kept for snapshots,
// so memory stays bounded however long the benchmark runs.
const recent = new Map();
let nextReportId = 1;
let nextIncidentId = 1;
let streamCounter = 0;

const severityNames = { unknown: 0, minor: 1, moderate: 2, severe: 3, extreme: 4 };
const categoryNames = { complaint: 1, transport: 2, disaster: 3 };

function fromJson(r) {
  const point = Number.isFinite(r.lon) && Number.isFinite(r.lat) ? { lon: r.lon, lat: r.lat }
    : (r.circle && Number.isFinite(r.circle.lon) ? { lon: r.circle.lon, lat: r.circle.lat } : null);
  return {
    source: String(r.source ?? ''), externalId: String(r.external_id ?? ''),
    category: typeof r.category === 'string' ? (categoryNames[r.category] ?? 0) : Number(r.category ?? 0),
    type: String(r.type ?? ''),
    severity: typeof r.severity === 'string' ? (severityNames[r.severity] ?? 0) : Number(r.severity ?? 0),
    point, text: String(r.text ?? ''),
    observedAtMs: r.observed_at ? Date.parse(r.observed_at) : Date.now(),
  };
}

function ingest(report) {
  const point = report.point ?? report.circle ?? null;
  if (!point || !Number.isFinite(point.lon) || !Number.isFinite(point.lat)
      || Math.abs(point.lon) > 180 || Math.abs(point.lat) > 90) {
    return { error: { code: 'invalid_location', message: 'a report needs a point (lon, lat)' } };
  }
  if (!report.type) return { error: { code: 'invalid_type', message: 'type is required' } };
  const districts = [];
  const byLevel = {};
  for (const level of levels) {
    const d = locate(level, point.lon, point.lat);
    byLevel[level.name] = d ? d.code : null;
    if (d) districts.push({ level: level.name, code: d.code, name: d.name });
  }
  const observed = Number(report.observedAtMs) || Date.now();
  const incident = {
    id: nextIncidentId++, category: report.category, type: report.type, severity: report.severity,
    status: 1, lon: point.lon, lat: point.lat, districts, firstReportMs: observed, lastReportMs: observed,
    reportCount: 1, sources: [report.source], title: report.text.slice(0, 200),
  };
  recent.set(incident.id, incident);
  if (recent.size > opts.snapshotMax) recent.delete(recent.keys().next().value);
  return { id: nextReportId++, incident_id: incident.id, repeated: false, districts: byLevel, incident };
}

// A client's Subscribe, ready to match; equal filters share a key and so a serialised body.
function makeFilter(s) {
  const f = {
    categories: new Set(s.categories ?? []), types: new Set(s.types ?? []),
    districts: new Set(s.districts ?? []), bbox: s.bbox ?? null,
    minSeverity: s.minSeverity ?? 0, wantIncidents: Boolean(s.wantIncidents),
  };
  f.key = JSON.stringify([[...f.categories].sort(), [...f.types].sort(), [...f.districts].sort(),
    f.bbox, f.minSeverity, f.wantIncidents]);
  return f;
}

function matches(f, inc) {
  if (!f.wantIncidents) return false;
  if (f.categories.size && !f.categories.has(inc.category)) return false;
  if (f.types.size && !f.types.has(inc.type)) return false;
  if (inc.severity < f.minSeverity) return false;
  if (f.districts.size && !inc.districts.some((d) => f.districts.has(d.code))) return false;
  const b = f.bbox;
  if (b && !(inc.lon >= b.minLon && inc.lon <= b.maxLon && inc.lat >= b.minLat && inc.lat <= b.maxLat)) return false;
  return true;
}

// A ServerMessage is the seq field followed by the body: protobuf merges concatenated encodings,
// so the body is serialised once per filter and each client only adds its own seq prefix.
function send(ws, body) {
  const prefix = ServerMessage.encode({ seq: ws.nextSeq++ }).finish();
  ws.send(Buffer.concat([prefix, body]), { binary: true });
}

function sendSnapshot(ws) {
  const incidents = [];
  for (const inc of recent.values()) if (matches(ws.filter, inc)) incidents.push(inc);
  const body = ServerMessage.encode({ snapshot: { incidents, streamId: ws.streamId } }).finish();
  send(ws, body);
}

const clients = new Set();

function broadcast(incidents) {
  const bodies = new Map(); // filter key → serialised body, or null when nothing matches
  for (const ws of clients) {
    if (!ws.filter) continue;
    // A client that cannot keep up is dropped rather than buffered without bound.
    if (ws.bufferedAmount > opts.maxBuffered) { ws.terminate(); clients.delete(ws); continue; }
    let body = bodies.get(ws.filter.key);
    if (body === undefined) {
      const upserts = incidents.filter((inc) => matches(ws.filter, inc));
      body = upserts.length ? Buffer.from(ServerMessage.encode({ delta: { upserts } }).finish()) : null;
      bodies.set(ws.filter.key, body);
    }
    if (body) send(ws, body);
  }
}

// ---- HTTP ----

function reply(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res, status, code, message) {
  reply(res, status, { error: { code, message } });
}

function handleReports(req, res, body) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
  let reports;
  try {
    if (type === 'application/x-protobuf') {
      const batch = ReportBatch.toObject(ReportBatch.decode(body), { longs: Number, enums: Number });
      reports = (batch.reports ?? []).map((r) => ({ ...r, text: r.text ?? '', source: r.source ?? '' }));
    } else if (type === 'application/json' || type === '') {
      const parsed = JSON.parse(body.toString('utf8'));
      reports = (Array.isArray(parsed) ? parsed : [parsed]).map(fromJson);
    } else {
      return fail(res, 415, 'unsupported_content_type', `cannot read ${type}`);
    }
  } catch (e) {
    return fail(res, 400, 'malformed_body', e.message);
  }
  if (reports.length === 0) return fail(res, 400, 'empty_body', 'no reports');
  if (reports.length > 10000) return fail(res, 413, 'too_many_reports', 'at most 10000 reports per request');
  const results = reports.map(ingest);
  const incidents = results.filter((r) => r.incident).map((r) => r.incident);
  // One Delta per request, after the join: the whole batch goes out as one message per client.
  if (incidents.length) broadcast(incidents);
  const accepted = incidents.length;
  reply(res, accepted ? 200 : 422, {
    accepted, rejected: results.length - accepted,
    results: results.map((r) => (r.error ? { error: r.error }
      : { id: r.id, incident_id: r.incident_id, repeated: false, districts: r.districts })),
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://peer');
  if (url.pathname === '/healthz') return reply(res, 200, { status: 'ok' });
  if (url.pathname !== '/api/v1/reports') return fail(res, 404, 'not_found', `no ${url.pathname}`);
  if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > opts.bodyLimit) {
      fail(res, 413, 'body_too_large', `at most ${opts.bodyLimit} bytes`);
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => { if (size <= opts.bodyLimit) handleReports(req, res, Buffer.concat(chunks)); });
});
server.keepAliveTimeout = 60000;

// ---- WebSocket ----

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 64 * 1024, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.filter = null;
  ws.nextSeq = 1;
  ws.streamId = `peer-${++streamCounter}`;
  clients.add(ws);
  ws.on('message', (data, isBinary) => {
    if (!isBinary) { ws.close(1007, 'binary frames only'); return; }
    let msg;
    try {
      msg = ClientMessage.decode(data);
    } catch {
      ws.close(1007, 'not a ClientMessage');
      return;
    }
    if (msg.subscribe) {
      ws.filter = makeFilter(msg.subscribe);
      sendSnapshot(ws);
    } else if (msg.resume) {
      // No history is kept: a resume always gets a fresh snapshot of everything.
      if (!ws.filter) ws.filter = makeFilter({ wantIncidents: true });
      sendSnapshot(ws);
    } else if (msg.ping && ws.filter) {
      send(ws, ServerMessage.encode({ heartbeat: { serverTimeMs: Date.now() } }).finish());
    }
  });
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => clients.delete(ws));
});

const colon = opts.listen.lastIndexOf(':');
const host = opts.listen.slice(0, colon);
const port = Number(opts.listen.slice(colon + 1));
server.listen(port, host, () => {
  const { address, port: bound } = server.address();
  process.stdout.write(`peer: serving on http://${address}:${bound} (${levels.map((l) => `${l.name}: ${l.districts.length}`).join(', ')})\n`);
});

function stop() {
  for (const ws of clients) ws.close(1001, 'going away');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
