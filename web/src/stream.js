// The live stream: one WebSocket to /ws speaking ClientMessage / ServerMessage (proto/pantau.proto,
// DESIGN §5). It reconnects on its own with a capped backoff and resumes where it was with
// Resume{last_seq, stream_id} (docs/stream.md): the server replays what was missed or sends a
// fresh Snapshot. A gap it cannot explain (a seq that does not follow) drops the stream id and
// asks for a fresh snapshot, so the wall never shows a silent hole.
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { ClientMessageSchema, ServerMessageSchema, SubscribeSchema } from "./gen/pantau_pb.js";

const OPEN = 1;                  // WebSocket.OPEN, spelt out so that a test's fake socket needs no global

export class Stream {
  // handlers: {snapshot(Snapshot), delta(Delta), heartbeat(Heartbeat), state(name, info), message()}
  // openSocket(url) makes the WebSocket; test/stream.test.mjs passes a fake.
  constructor(url, handlers, { openSocket = (u) => new WebSocket(u) } = {}) {
    this.url_ = url;
    this.h_ = handlers;
    this.openSocket_ = openSocket;
    this.ws_ = null;
    this.filter_ = {};
    this.lastSeq_ = 0n;
    this.streamId_ = "";
    this.backoff_ = 250;
    this.timer_ = null;
    this.closedByUs_ = false;
    this.everOpened_ = false;
    this.resumedFrom_ = "";        // the stream id a Resume asked for, until its answer
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
    this.closedByUs_ = true;
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
    ws.onclose = () => this.onClose_();
    ws.onerror = () => {};  // onclose follows and does the work
  }

  onOpen_() {
    this.everOpened_ = true;
    this.backoff_ = 250;
    // The first message decides: Resume continues the stream (with its filter), Subscribe starts one.
    if (this.streamId_) {
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
    this.send_({ case: "subscribe", value: sub });
  }

  ping() {
    if (this.ws_ && this.ws_.readyState === OPEN)
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
    }
    this.h_.message();
  }

  onClose_() {
    this.ws_ = null;
    if (this.closedByUs_) return;
    this.h_.state("closed", { everOpened: this.everOpened_ });
    clearTimeout(this.timer_);
    this.timer_ = setTimeout(() => this.doConnect_(), this.backoff_);
    this.backoff_ = Math.min(this.backoff_ * 2, 5000);
  }
}
