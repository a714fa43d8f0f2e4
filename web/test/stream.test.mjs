// The stream client (src/stream.js) against a fake WebSocket that plays the server with real
// protobuf frames: what it sends first on each connection, how it resumes after a drop, what it
// does when the server answers with a fresh snapshot, and that a gap in seq is never accepted
// (docs/stream.md). The client feeds a real store, as on the wall. And the same client in a
// playback (docs/history.md): Subscribe with playback on every connection, a restart from the last
// clock after a drop, the refusals' close codes, and nothing after the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Stream, PLAYBACK_RETRY_MS } from "../src/stream.js";
import { LiveStore } from "../src/store.js";
import { T0, incident, snapshotFrame, deltaFrame, heartbeatFrame, clockFrame, clientMessage } from "./frames.mjs";

// The browser's WebSocket as far as the client uses it; the test drives the server's side.
class FakeSocket {
  readyState = 0;                 // CONNECTING
  sent = [];                      // decoded ClientMessage bodies, in order
  closedWith = null;              // the code the client closed with
  constructor(url) { this.url = url; }
  send(bytes) { this.sent.push(clientMessage(bytes)); }
  close(code) { this.closedWith = code ?? 1005; this.drop(); }
  open() { this.readyState = 1; this.onopen(); }
  receive(bytes) { this.onmessage({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }); }
  // The connection is lost (or closed by the server with a code and a reason).
  drop(code = 1006, reason = "") {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose({ code, reason });
  }
}

// playback: the URL's {from, speed, until} (src/playback.js), or null for the live stream.
function wall(t, filter = {}, playback = null) {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sockets = [], states = [], store = new LiveStore();
  if (playback) store.startPlayback(playback);
  const stream = new Stream("ws://wall.test/ws", {
    snapshot: (s) => store.applySnapshot(s, T0),
    delta: (d) => store.applyDelta(d, T0),
    heartbeat: () => store.heard(T0),
    clock: (c) => store.applyClock(c, T0),
    state: (name, info) => states.push(info ? { name, ...info } : { name }),
    message: () => {},
  }, { openSocket: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; }, playback });
  stream.subscribe(filter);
  stream.start();
  return { stream, store, sockets, states, get socket() { return sockets[sockets.length - 1]; } };
}

const ids = (store) => [...store.incidents.keys()].sort((a, b) => a - b);
const cases = (socket) => socket.sent.map((m) => m.case);

// A wall with a stream s1 that has seen a snapshot (seq 1) and a delta (seq 2).
function streaming(t, filter) {
  const w = wall(t, filter);
  w.socket.open();
  w.socket.receive(snapshotFrame(1, { streamId: "s1", incidents: [incident(1), incident(2), incident(3)] }));
  w.socket.receive(deltaFrame(2, { upserts: [incident(4)] }));
  return w;
}

// Drops the connection and lets the client's backoff (250 ms after a connection that opened) run.
function reconnect(t, w) {
  w.socket.drop();
  t.mock.timers.tick(250);
  w.socket.open();
}

test("a new connection's first and only message is Subscribe with the wall's filter", (t) => {
  const w = wall(t, { categories: [2], types: ["traffic_jam"], districts: ["36.71.01"], minSeverity: 2, agencies: ["Dishub", "Dinas PUPR"] });
  assert.equal(w.socket.url, "ws://wall.test/ws");
  assert.equal(w.socket.sent.length, 0, "nothing before the socket opens");
  w.socket.open();
  assert.deepEqual(cases(w.socket), ["subscribe"]);
  const sub = w.socket.sent[0].value;
  assert.deepEqual([sub.categories, sub.types, sub.districts, sub.minSeverity, sub.agencies],
    [[2], ["traffic_jam"], ["36.71.01"], 2, ["Dishub", "Dinas PUPR"]]);
  assert.deepEqual([sub.wantIncidents, sub.wantStats, sub.wantVehicles], [true, true, true]);
  assert.deepEqual(w.states.map((s) => s.name), ["connecting", "open"]);
});

test("after a drop the client sends Resume{last_seq, stream_id} alone, and the replay continues its state", (t) => {
  const w = streaming(t);
  w.socket.receive(heartbeatFrame(3));
  w.socket.drop();
  assert.deepEqual(w.states.at(-1), { name: "closed", everOpened: true });
  t.mock.timers.tick(249);
  assert.equal(w.sockets.length, 1, "no reconnect before the backoff");
  t.mock.timers.tick(1);
  assert.equal(w.sockets.length, 2);
  w.socket.open();
  assert.deepEqual(cases(w.socket), ["resume"], "Resume alone: a Subscribe would start a new stream");
  assert.deepEqual(w.socket.sent[0].value.lastSeq, 3n, "the heartbeat's seq counts");
  assert.equal(w.socket.sent[0].value.streamId, "s1");
  // The server replays what came after seq 3.
  w.socket.receive(deltaFrame(4, { upserts: [incident(5)], removedIncidentIds: [1n] }));
  w.socket.receive(deltaFrame(5, { upserts: [incident(6)] }));
  assert.deepEqual(ids(w.store), [2, 3, 4, 5, 6]);
  assert.equal(w.store.snapshots, 1);
  assert.equal(w.stream.lastSeq, 5n);
});

test("when the server answers a Resume with a fresh Snapshot (its history was lost), the client replaces its state", (t) => {
  const w = streaming(t, { categories: [3] });
  reconnect(t, w);
  assert.deepEqual(cases(w.socket), ["resume"]);
  // The same stream, numbered on: the wall must drop what it held and take the snapshot's state.
  w.socket.receive(snapshotFrame(9, { streamId: "s1", incidents: [incident(7)] }));
  assert.deepEqual(ids(w.store), [7]);
  assert.equal(w.store.snapshots, 2);
  assert.deepEqual(cases(w.socket), ["resume"], "the stream kept its filter: nothing to send again");
  w.socket.receive(deltaFrame(10, { upserts: [incident(8)] }));
  assert.deepEqual(ids(w.store), [7, 8]);
});

test("a Resume answered with a new stream (the server forgot the old one) sends the wall's filter again", (t) => {
  const filtered = streaming(t, { categories: [3] });
  reconnect(t, filtered);
  filtered.socket.receive(snapshotFrame(3, { streamId: "s2", incidents: [incident(9)] }));
  assert.deepEqual(ids(filtered.store), [9]);
  assert.equal(filtered.stream.streamId, "s2");
  assert.deepEqual(cases(filtered.socket), ["resume", "subscribe"]);
  assert.deepEqual(filtered.socket.sent[1].value.categories, [3]);
  t.mock.timers.reset();
  // An agency is a filter too.
  const byAgency = streaming(t, { agencies: ["BPBD"] });
  reconnect(t, byAgency);
  byAgency.socket.receive(snapshotFrame(3, { streamId: "s2", incidents: [] }));
  assert.deepEqual(cases(byAgency.socket), ["resume", "subscribe"]);
  assert.deepEqual(byAgency.socket.sent[1].value.agencies, ["BPBD"]);
  t.mock.timers.reset();
  // Without a filter the new stream (which matches everything) is what the wall wants.
  const unfiltered = streaming(t);
  reconnect(t, unfiltered);
  unfiltered.socket.receive(snapshotFrame(3, { streamId: "s2", incidents: [incident(9)] }));
  assert.deepEqual(cases(unfiltered.socket), ["resume"]);
});

test("a gap in seq is never accepted: the delta is dropped and the client starts a new stream with a snapshot", (t) => {
  const warn = t.mock.method(console, "warn", () => {});
  const w = streaming(t);
  w.socket.receive(deltaFrame(4, { upserts: [incident(5)] }));   // seq 3 is missing
  assert.deepEqual(ids(w.store), [1, 2, 3, 4], "the delta after the gap is not applied");
  assert.equal(w.socket.readyState, 3, "the connection is closed");
  assert.match(String(warn.mock.calls[0]?.arguments[0]), /gap 2 -> 4/);
  assert.equal(w.stream.streamId, "");
  t.mock.timers.tick(250);
  w.socket.open();
  assert.deepEqual(cases(w.socket), ["subscribe"], "not Resume: the old stream cannot fill the gap");
  w.socket.receive(snapshotFrame(1, { streamId: "s3", incidents: [incident(5), incident(1)] }));
  assert.deepEqual(ids(w.store), [1, 5]);
  assert.equal(w.store.snapshots, 2);
});

test("while the server stays away the backoff doubles up to 5 s, and starts over once a connection opens", (t) => {
  const w = wall(t);
  w.socket.drop();
  assert.deepEqual(w.states.at(-1), { name: "closed", everOpened: false }, "the wall falls back to REST on this");
  for (const delay of [250, 500, 1000, 2000, 4000, 5000, 5000]) {
    const before = w.sockets.length;
    t.mock.timers.tick(delay - 1);
    assert.equal(w.sockets.length, before, `no reconnect before ${delay} ms`);
    t.mock.timers.tick(1);
    assert.equal(w.sockets.length, before + 1, `a reconnect after ${delay} ms`);
    w.socket.drop();
  }
  const before = w.sockets.length;
  t.mock.timers.tick(5000);
  w.socket.open();
  w.socket.drop();
  assert.deepEqual(w.states.at(-1), { name: "closed", everOpened: true });
  t.mock.timers.tick(250);
  assert.equal(w.sockets.length, before + 2);
});

test("a new filter is sent at once on an open connection, and stop() ends reconnecting", (t) => {
  const w = streaming(t);
  w.stream.subscribe({ types: ["flood"] });
  assert.deepEqual(cases(w.socket), ["subscribe", "subscribe"]);
  assert.deepEqual(w.socket.sent[1].value.types, ["flood"]);
  w.stream.stop();
  assert.equal(w.socket.readyState, 3);
  t.mock.timers.tick(10000);
  assert.equal(w.sockets.length, 1);
});

// A playback of one day from three days ago, at 3600×.
const FROM = T0 - 3 * 86400000, UNTIL = FROM + 86400000, STEP = 250 * 3600;
const PLAYBACK = { from: FROM, speed: 3600, until: UNTIL };
const playbackOf = (socket, i) => socket.sent[i].value.playback;

// A playback wall that has had its snapshot (seq 1), its first clock, a delta and a second clock.
function playing(t, filter) {
  const w = wall(t, filter, PLAYBACK);
  w.socket.open();
  w.socket.receive(snapshotFrame(1, { streamId: "p1", incidents: [incident(1), incident(2)] }));
  w.socket.receive(clockFrame(2, { at: FROM, speed: 3600, until: UNTIL }));
  w.socket.receive(deltaFrame(3, { upserts: [incident(3)], removedIncidentIds: [1n] }));
  w.socket.receive(clockFrame(4, { at: FROM + STEP, speed: 3600, from: FROM, until: UNTIL }));
  return w;
}

test("a playback's first and only message is Subscribe with the filter and the playback, and its clocks reach the store", (t) => {
  const w = wall(t, { categories: [3], agencies: ["BPBD"] }, PLAYBACK);
  w.socket.open();
  assert.deepEqual(cases(w.socket), ["subscribe"]);
  const sub = w.socket.sent[0].value;
  assert.deepEqual([sub.categories, sub.agencies, sub.wantIncidents, sub.wantStats], [[3], ["BPBD"], true, true]);
  assert.deepEqual([playbackOf(w.socket, 0).fromMs, playbackOf(w.socket, 0).speed, playbackOf(w.socket, 0).untilMs],
    [BigInt(FROM), 3600, BigInt(UNTIL)]);
  w.socket.receive(snapshotFrame(1, { streamId: "p1", incidents: [incident(1)] }));
  w.socket.receive(clockFrame(2, { at: FROM, speed: 3600, until: UNTIL }));
  w.socket.receive(clockFrame(3, { at: FROM + STEP, speed: 3600, from: FROM, until: UNTIL }));
  assert.equal(w.store.clock.at, FROM + STEP);
  assert.equal(w.stream.lastSeq, 3n, "a clock counts in seq like any message");
  // A live stream's subscribe carries no playback.
  t.mock.timers.reset();
  const live = wall(t);
  live.socket.open();
  assert.equal(playbackOf(live.socket, 0), undefined);
});

test("after a drop a playback is never resumed: a new Subscribe starts it again from the last clock seen", (t) => {
  const w = playing(t);
  w.socket.drop();
  assert.deepEqual(w.states.at(-1), { name: "closed", everOpened: true });
  t.mock.timers.tick(250);
  w.socket.open();
  assert.deepEqual(cases(w.socket), ["subscribe"], "no Resume: the protocol has no resume of a playback");
  assert.deepEqual([playbackOf(w.socket, 0).fromMs, playbackOf(w.socket, 0).speed, playbackOf(w.socket, 0).untilMs],
    [BigInt(FROM + STEP), 3600, BigInt(UNTIL)], "from the last clock, at the same speed, to the same end");
  // The new playback's snapshot (seq 1 again, a new connection) replaces the state.
  w.socket.receive(snapshotFrame(1, { streamId: "p2", incidents: [incident(2), incident(3), incident(5)] }));
  w.socket.receive(clockFrame(2, { at: FROM + STEP, speed: 3600, until: UNTIL }));
  w.socket.receive(deltaFrame(3, { upserts: [incident(6)] }));
  assert.deepEqual(ids(w.store), [2, 3, 5, 6]);
  assert.equal(w.store.snapshots, 2);
  // Dropped before any clock of the new connection: still from the last clock seen on any.
  w.socket.drop();
  t.mock.timers.tick(250);
  w.socket.open();
  assert.equal(playbackOf(w.socket, 0).fromMs, BigInt(FROM + STEP));
});

test("a seq gap in a playback drops the message and starts the playback again from the last clock", (t) => {
  t.mock.method(console, "warn", () => {});
  const w = playing(t);
  w.socket.receive(deltaFrame(6, { upserts: [incident(9)] }));   // seq 5 is missing
  assert.equal(w.store.incidents.has(9), false);
  assert.equal(w.socket.readyState, 3);
  t.mock.timers.tick(250);
  w.socket.open();
  assert.deepEqual(cases(w.socket), ["subscribe"]);
  assert.equal(playbackOf(w.socket, 0).fromMs, BigInt(FROM + STEP));
});

test("at the clock's end the client closes the socket itself and never reconnects", (t) => {
  const w = playing(t);
  w.socket.receive(clockFrame(5, { at: UNTIL, speed: 3600, from: FROM, until: UNTIL, ended: true }));
  assert.deepEqual([w.store.clock.at, w.store.clock.ended], [UNTIL, true]);
  assert.equal(w.socket.readyState, 3);
  assert.equal(w.socket.closedWith, 1000, "a normal close: it frees the server's playback slot");
  assert.deepEqual(w.states.at(-1), { name: "ended" });
  t.mock.timers.tick(60000);
  assert.equal(w.sockets.length, 1);
  // A filter change after the end asks nothing of the server: there is nothing left to replay.
  w.stream.subscribe({ categories: [1] });
  assert.equal(w.socket.sent.length, 1);
});

test("a playback closed with 1013 says why and tries again after a few seconds from the last clock", (t) => {
  const w = playing(t);
  w.socket.drop(1013, "two playbacks are running; try again later");
  assert.deepEqual(w.states.at(-1), { name: "busy", reason: "two playbacks are running; try again later", retryMs: PLAYBACK_RETRY_MS });
  assert.ok(PLAYBACK_RETRY_MS >= 2000, "a few seconds, not the drop's quarter second");
  t.mock.timers.tick(PLAYBACK_RETRY_MS - 1);
  assert.equal(w.sockets.length, 1);
  t.mock.timers.tick(1);
  assert.equal(w.sockets.length, 2);
  w.socket.open();
  assert.equal(playbackOf(w.socket, 0).fromMs, BigInt(FROM + STEP));
});

test("a playback refused with 1008 says why and stops; a live wall closed with 1008 reconnects as before", (t) => {
  const w = wall(t, {}, PLAYBACK);
  w.socket.open();
  w.socket.drop(1008, "past_unavailable: before the oldest event the log holds");
  assert.deepEqual(w.states.at(-1), { name: "refused", reason: "past_unavailable: before the oldest event the log holds" });
  t.mock.timers.tick(60000);
  assert.equal(w.sockets.length, 1, "refused: no retry");
  t.mock.timers.reset();
  const live = streaming(t);
  live.socket.drop(1008, "resumed on another connection");
  assert.deepEqual(live.states.at(-1), { name: "closed", everOpened: true });
  t.mock.timers.tick(250);
  assert.equal(live.sockets.length, 2);
});

test("a filter change in a playback starts it over from the last clock on the same connection, and no Ping is sent", (t) => {
  const w = playing(t);
  w.stream.ping();
  w.stream.subscribe({ types: ["flood"] });
  assert.deepEqual(cases(w.socket), ["subscribe", "subscribe"], "no Ping: the clock is the heartbeat");
  assert.deepEqual(w.socket.sent[1].value.types, ["flood"]);
  assert.equal(playbackOf(w.socket, 1).fromMs, BigInt(FROM + STEP));
  t.mock.timers.reset();
  const live = streaming(t);
  live.stream.ping();
  assert.deepEqual(cases(live.socket), ["subscribe", "ping"]);
});
