// The scan worker (Node only): a thread with an instance of the wasm core of
// its own that scans a large pickle's input a few tapes ahead of the load
// that replays them (src/remoteScan.ts), so that the scan runs on the second
// core while the replay makes values on the first. It waits for commands on
// the control words (src/scanRing.ts); each command's message is on its port.
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Control, Ring, Slot, Waits, signal, slotBytes, unitsAt } from './scanRing.js';
import { ScanSession, TAPE_CAP } from './session.js';
import { Field, Layout, Rec, Status } from './tape.js';
import { memory } from './wasm.js';

/** What a load sends with its command: its input's length, and where in it the pickle begins (its bytes come through the input ring). */
export interface LoadCommand {
  kind: 'load';
  length: number;
  offset: number;
}
/** After a load that ended before replaying all it scanned: the cache's two sides no longer match. */
export interface ClearCommand {
  kind: 'clear';
}
export type Command = LoadCommand | ClearCommand;

/** What the worker is given at its start. */
export interface ScanWorkerData {
  control: SharedArrayBuffer;
  input: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  port: MessagePort;
}

/** Thrown out of a scan whose load was aborted while the scan waited for input. */
const ABORTED = new Error('the load was aborted');
const NO_BYTES = new Uint8Array(0);

/**
 * The worker's session (its own, for the worker's life: its string cache
 * lasts across loads). Its input is not at hand: the load copies it into the
 * input ring a part at a time, and each refill of the window takes from
 * there only what the window does not hold yet (the bytes from the cut
 * opcode on move to its start), so that each byte is taken once, in order.
 */
class FedScanSession extends ScanSession {
  /** The load command scanned. */
  private command = 0;
  /** The input's bytes before this have been taken from the ring (the window holds those from its start). */
  private taken = 0;

  constructor(private readonly control: Int32Array, private readonly input: Uint8Array) {
    super();
  }

  /** Begins to scan load command `number`. */
  start(command: LoadCommand, number: number): void {
    this.command = number;
    this.taken = command.offset;
    this.begin(NO_BYTES, command.offset, true, command.length);
  }

  protected override copyInput(window: number, from: number, length: number): void {
    const kept = Math.max(0, Math.min(this.taken - from, length));
    if (kept > 0) {
      const at = window + from - this.field(Field.WINDOW_START);
      memory.u8.copyWithin(window, at, at + kept);
    }
    this.take(window + kept, from + kept, length - kept);
  }

  /** Copies the input's bytes from `from` (those before were passed over) into wasm memory at `at`, waiting for the load to feed them. */
  private take(at: number, from: number, count: number): void {
    const { control, input } = this;
    const size = input.length;
    const fed = () => Atomics.load(control, Control.FED) >>> 0;
    while (count > 0) {
      Atomics.store(control, Control.TAKEN, from);
      if (fed() <= from && !waitUntil(control, this.command, Waits.INPUT, () => fed() > from)) throw ABORTED;
      const i = from % size;
      const n = Math.min(count, fed() - from, size - i);
      memory.u8.set(input.subarray(i, i + n), at);
      from += n;
      at += n;
      count -= n;
    }
    this.taken = from;
    Atomics.store(control, Control.TAKEN, from);
  }
}

/**
 * Waits until `ready()`, announcing `what` it waits for (a load waiting for a
 * tape is woken to feed input); false when load command `number` is aborted
 * first.
 */
function waitUntil(control: Int32Array, number: number, what: Waits, ready: () => boolean): boolean {
  for (;;) {
    const wake = Atomics.load(control, Control.WORKER_WAKE);
    const aborted = Atomics.load(control, Control.ABORT) === number;
    if (aborted || ready()) {
      Atomics.store(control, Control.WORKER_WAITS, Waits.NOTHING);
      return !aborted;
    }
    if (Atomics.load(control, Control.WORKER_WAITS) !== what) {
      // announced, then looked at again: the load either saw this or did what it is waited for before the look
      Atomics.store(control, Control.WORKER_WAITS, what);
      if (what === Waits.INPUT) signal(control, Control.LOAD_WAKE);
      continue;
    }
    Atomics.wait(control, Control.WORKER_WAKE, wake);
  }
}

function serve({ control: controlBuffer, input, ring, port }: ScanWorkerData): never {
  const control = new Int32Array(controlBuffer);
  const session = new FedScanSession(control, new Uint8Array(input));
  const slotSize = slotBytes(TAPE_CAP);
  Atomics.store(control, Control.READY, 1);
  Atomics.notify(control, Control.READY);
  let seen = 0;
  for (;;) {
    Atomics.wait(control, Control.COMMAND, seen);
    seen = Atomics.load(control, Control.COMMAND);
    const command = receiveMessageOnPort(port)?.message as Command;
    if (command.kind === 'clear') session.clearStrCache();
    else {
      try {
        scanInto(command, seen);
      } catch (error) {
        // (the text first: the load reads it once it sees the slot)
        port.postMessage(String(error));
        session.clearStrCache();
        publish(Ring.WORKER_FAILED, seen);
      }
    }
    Atomics.store(control, Control.DONE, seen);
    Atomics.notify(control, Control.DONE);
  }

  /** Scans the pickle of load command `number` into the ring, a tape a slot, until it ends or the load aborts it. */
  function scanInto(command: LoadCommand, number: number): void {
    try {
      session.start(command, number);
      for (;;) {
        const status = session.next();
        if (!publish(status, number, copyTape)) return; // (the load clears the cache next)
        if (status !== Status.TAPE_FULL) return;
      }
    } catch (error) {
      if (error !== ABORTED) throw error;
    }
  }

  /**
   * Waits for a free slot, fills it (`fill` writes the tape, its units and
   * its count of records; none: an empty tape) and gives it to load command
   * `number`; false when that load was aborted first.
   */
  function publish(status: number, number: number, fill?: (slot: number) => void): boolean {
    const produced = Atomics.load(control, Control.PRODUCED);
    const queued = () => produced - Atomics.load(control, Control.CONSUMED);
    if (queued() === Ring.SLOTS && !waitUntil(control, number, Waits.ROOM, () => queued() <= Ring.SLOTS - Ring.ROOM_BATCH)) return false;
    if (Atomics.load(control, Control.ABORT) === number) return false;
    const slot = (produced % Ring.SLOTS) * slotSize;
    const header = new Uint32Array(ring, slot, Ring.HEADER_WORDS);
    header[Slot.RECORDS] = 0;
    fill?.(slot);
    header[Slot.STATUS] = status;
    header[Slot.POS] = session.field(Field.POS);
    header[Slot.ERROR] = session.field(Field.ERROR);
    header[Slot.ERROR_POS] = session.field(Field.ERROR_POS);
    header[Slot.ERROR_OP] = session.field(Field.ERROR_OP);
    Atomics.store(control, Control.PRODUCED, produced + 1);
    signal(control, Control.LOAD_WAKE);
    return true;
  }

  /** Copies the session's tape and units into the slot at byte `slot`, its STR_UNITS records made to point at the slot's units. */
  function copyTape(slot: number): void {
    const records = session.field(Field.TAPE_LEN);
    const units = session.field(Field.UNITS_USED);
    const from = session.field(Field.UNITS) >>> 1;
    const to = unitsAt(slot, TAPE_CAP);
    const tape = new Uint32Array(ring, slot + Ring.HEADER_WORDS * 4, records * Layout.RECORD_WORDS);
    tape.set(memory.u32.subarray(session.tapeWord, session.tapeWord + records * Layout.RECORD_WORDS));
    if (units > 0) {
      for (let w = 0; w < tape.length; w += Layout.RECORD_WORDS) {
        if ((tape[w] & 0xff) === Rec.STR_UNITS) tape[w + 2] += (to >>> 1) - from;
      }
    }
    new Uint16Array(ring, to, units).set(memory.u16.subarray(from, from + units));
    new Uint32Array(ring, slot, Ring.HEADER_WORDS)[Slot.RECORDS] = records;
  }
}

if (workerData !== null && typeof workerData === 'object' && 'ring' in workerData) serve(workerData as ScanWorkerData);
