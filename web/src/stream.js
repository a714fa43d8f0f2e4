// The live stream: one WebSocket to /ws speaking ClientMessage / ServerMessage (proto/pantau.proto,
// DESIGN §5). It reconnects on its own with a capped backoff and resumes where it was with
// Resume{last_seq, stream_id} (docs/stream.md): the server replays what was missed or sends a
// fresh Snapshot. A gap it cannot explain (a seq that does not follow) drops the stream id and
// asks for a fresh snapshot, so the wall never shows a silent hole.
//
// A playback (docs/history.md, "Playback") is the same client with `playback` set: every
// connection sends Subscribe with it, never Resume; the server's PlaybackClock messages go to the
// `clock` handler; a connection that drops starts a new playback from the last clock seen; after
// the clock's end nothing follows, and the client closes the socket itself and stays closed.
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { ClientMessageSchema, ServerMessageSchema, SubscribeSchema, PlaybackSchema } from "./gen/pantau_pb.js";
import { playbackStart } from "./playback.js";

const OPEN = 1;                  // WebSocket.OPEN, spelt out so that a test's fake socket needs no global
const POLICY = 1008;             // close codes of docs/stream.md and docs/history.md
const TRY_AGAIN_LATER = 1013;
// A playback refused for now (1013: two playbacks already run, or a rebuild is under way) is tried
// again after this long: a rebuild takes seconds, and a faster retry would only add to its load.
export const PLAYBACK_RETRY_MS = 5000;

export class Stream {
  // handlers: {snapshot(Snapshot), delta(Delta), heartbeat(Heartbeat), clock(PlaybackClock),
  // state(name, info), message()}; the state names are connecting, open, closed ({everOpened}),
  // and in a playback also busy ({reason}: retried), refused ({reason}: given up) and ended.
  // openSocket(url) makes the WebSocket; test/stream.test.mjs passes a fake. playback: the URL's
  // {from, speed, until} (playback.js), or null for the live stream.
  constructor(url, handlers, { openSocket = (u) => new WebSocket(u), playback = null } = {}) {
    this.url_ = url;
    this.h_ = handlers;
    this.openSocket_ = openSocket;
    this.playback_ = playback;
    this.ws_ = null;
    this.filter_ = {};
    this.lastSeq_ = 0n;
    this.streamId_ = "";
    this.backoff_ = 250;
    this.timer_ = null;
    this.finished_ = false;        // no more connections: stopped, refused, or the playback ended
    this.everOpened_ = false;
    this.resumedFrom_ = "";        // the stream id a Resume asked for, until its answer
    this.clockAt_ = null;          // a playback's last PlaybackClock.at_ms, where a restart begins
  }

  get lastSeq() { return this.lastSeq_; }
  get streamId() { return this.streamId_; }

  start() { this.doConnect_(); }

  // A new filter: sent at once when connected, and used for every later connection.
  subscribe(filter) {
    this.filter_ = filter;
    if (this.ws_ && this.ws_.readyState === OPEN) this.sendSubscribe_();
  }

  stop() {
    this.finished_ = true;
    clearTimeout(this.timer_);
    if (this.ws_) this.ws_.close();
  }

  doConnect_() {
    this.h_.state("connecting");
    let ws;
    try {
      ws = this.openSocket_(this.url_);
    } catch (e) {
      this.onClose_();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws_ = ws;
    ws.onopen = () => this.onOpen_();
    ws.onmessage = (ev) => this.onMessage_(ev);
    ws.onclose = (ev) => this.onClose_(ev);
    ws.onerror = () => {};  // onclose follows and does the work
  }

  onOpen_() {
    this.everOpened_ = true;
    this.backoff_ = 250;
    // The first message decides: Resume continues the stream (with its filter), Subscribe starts one.
    // A playback cannot be resumed: it starts again from its last clock.
    if (this.streamId_ && !this.playback_) {
      this.resumedFrom_ = this.streamId_;
      this.send_({ case: "resume", value: { lastSeq: this.lastSeq_, streamId: this.streamId_ } });
    } else {
      this.resumedFrom_ = "";
      this.sendSubscribe_();
    }
    this.h_.state("open");
  }

  hasFilter_() {
    const f = this.filter_;
    return !!(f.categories?.length || f.types?.length || f.districts?.length || f.minSeverity || f.agencies?.length);
  }

  sendSubscribe_() {
    const f = this.filter_;
    const sub = create(SubscribeSchema, {
      categories: f.categories ?? [],
      types: f.types ?? [],
      districts: f.districts ?? [],
      agencies: f.agencies ?? [],
      minSeverity: f.minSeverity ?? 0,
      wantIncidents: true,
      wantStats: true,
      wantVehicles: true,
    });
    if (this.playback_) sub.playback = create(PlaybackSchema, playbackStart(this.playback_, this.clockAt_));
    this.send_({ case: "subscribe", value: sub });
  }

  // Not in a playback: its clock comes every 250 ms and proves the connection alive, and the
  // playback protocol does not promise to answer a Ping.
  ping() {
    if (this.ws_ && this.ws_.readyState === OPEN && !this.playback_)
      this.send_({ case: "ping", value: { clientTimeMs: BigInt(Date.now()) } });
  }

  send_(body) {
    const msg = create(ClientMessageSchema, { body });
    this.ws_.send(toBinary(ClientMessageSchema, msg));
  }

  onMessage_(ev) {
    if (!(ev.data instanceof ArrayBuffer)) return;
    let msg;
    try {
      msg = fromBinary(ServerMessageSchema, new Uint8Array(ev.data));
    } catch (e) {
      console.warn("pantau: undecodable frame", e);
      return;
    }
    const body = msg.body;
    if (body.case === "snapshot") {
      this.lastSeq_ = msg.seq;
      const id = body.value.streamId;
      // A resume the server could not honour (unknown stream, e.g. after its restart) gets a new
      // stream that matches everything: a narrower filter must be sent again.
      const lostFilter = this.resumedFrom_ && id && id !== this.resumedFrom_ && this.hasFilter_();
      this.resumedFrom_ = "";
      if (id) this.streamId_ = id;
      this.h_.snapshot(body.value);
      if (lostFilter) this.sendSubscribe_();
    } else {
      // A delta or heartbeat must follow the last seq we saw: one beyond the next is a gap (the
      // server never repeats a seq, docs/stream.md).
      if (this.lastSeq_ !== 0n && msg.seq > this.lastSeq_ + 1n) {
        console.warn(`pantau: stream gap ${this.lastSeq_} -> ${msg.seq}; asking for a snapshot`);
        this.streamId_ = "";
        this.lastSeq_ = 0n;
        this.ws_.close();
        return;
      }
      if (msg.seq > this.lastSeq_) this.lastSeq_ = msg.seq;
      if (body.case === "delta") this.h_.delta(body.value);
      else if (body.case === "heartbeat") this.h_.heartbeat(body.value);
      else if (body.case === "clock") this.onClock_(body.value);
    }
    this.h_.message();
  }

  onClock_(clock) {
    this.clockAt_ = Number(clock.atMs);
    this.h_.clock(clock);
    if (!clock.ended) return;
    // The end: the server sends nothing more. Closing frees its playback slot (two per server).
    this.finished_ = true;
    clearTimeout(this.timer_);
    this.ws_.close(1000);
    this.h_.state("ended");
  }

  onClose_(ev = {}) {
    this.ws_ = null;
    if (this.finished_) return;
    clearTimeout(this.timer_);
    // A live wall reconnects whatever the code, as it always has; a playback's refusals say why.
    if (this.playback_ && ev.code === POLICY) {
      this.finished_ = true;
      this.h_.state("refused", { reason: ev.reason ?? "" });
      return;
    }
    if (this.playback_ && ev.code === TRY_AGAIN_LATER) {
      this.h_.state("busy", { reason: ev.reason ?? "", retryMs: PLAYBACK_RETRY_MS });
      this.timer_ = setTimeout(() => this.doConnect_(), PLAYBACK_RETRY_MS);
      return;
    }
    this.h_.state("closed", { everOpened: this.everOpened_ });
    this.timer_ = setTimeout(() => this.doConnect_(), this.backoff_);
    this.backoff_ = Math.min(this.backoff_ * 2, 5000);
  }
}
