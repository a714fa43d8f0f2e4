// Real protobuf frames for the store and stream-client tests: ServerMessages encoded with the code
// generated from proto/pantau.proto (src/gen, written by build.mjs), exactly what /ws sends, and
// the client's own ClientMessages decoded back.
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { ServerMessageSchema, ClientMessageSchema } from "../src/gen/pantau_pb.js";

export const T0 = 1764770400000;  // 2025-12-03T14:00:00Z, the tests' "now"

// An Incident's fields (protobuf-es init shape) with defaults: a new, moderate flood in one kelurahan.
export function incident(id, fields = {}) {
  return {
    id: BigInt(id), category: 3, type: "flood", severity: 2, status: 1, lon: 106.63, lat: -6.17,
    districts: [{ level: "kecamatan", code: "36.71.01", name: "Tangerang" }, { level: "kelurahan", code: "36.71.01.1001", name: "Sukarasa" }],
    firstReportMs: BigInt(T0 - 60000), lastReportMs: BigInt(T0), reportCount: 1, sources: ["test"], ...fields,
  };
}

export function stats(level, code, open, reports1h) {
  return { level, code, openIncidents: open, windows: [
    { window: "15m", category: 3, severity: 2, count: 1 },
    { window: "1h", category: 3, severity: 2, count: reports1h - 1 },
    { window: "1h", category: 1, severity: 1, count: 1 },
    { window: "24h", category: 3, severity: 2, count: 99 },
  ] };
}

export function alert(id, fields = {}) {
  return { id: BigInt(id), level: "kelurahan", code: "36.71.01.1001", type: "flood", category: 3, count: 5, threshold: 5,
    window: "1h", active: true, raisedAtMs: BigInt(T0), ...fields };
}

export function source(name, lastReportMs, fields = {}) {
  return { source: name, lastReportMs: BigInt(lastReportMs), expectedIntervalMs: 600000n, stale: false, ...fields };
}

export function vehicle(id, lon, lat, fields = {}) {
  return { id, source: id.split("/")[0], label: `TJ ${id}`, routeId: "T11", tripId: "trip-1", lon, lat, observedMs: BigInt(T0), ...fields };
}

function frame(seq, kind, value) {
  return toBinary(ServerMessageSchema, create(ServerMessageSchema, { seq: BigInt(seq), body: { case: kind, value } }));
}
export const snapshotFrame = (seq, snapshot) => frame(seq, "snapshot", snapshot);
export const deltaFrame = (seq, delta) => frame(seq, "delta", delta);
export const heartbeatFrame = (seq) => frame(seq, "heartbeat", { serverTimeMs: BigInt(T0) });
// A playback's PlaybackClock (docs/history.md): times in ms as numbers, as the tests write them.
export const clockFrame = (seq, { at, speed = 60, from, until = 0, ended = false }) =>
  frame(seq, "clock", { atMs: BigInt(at), speed, fromMs: BigInt(from ?? at), untilMs: BigInt(until), ended });

// What a client of /ws gets out of a frame: the decoded Snapshot or Delta.
export function decoded(bytes) { return fromBinary(ServerMessageSchema, bytes).body.value; }

export function clientMessage(bytes) { return fromBinary(ClientMessageSchema, bytes).body; }
