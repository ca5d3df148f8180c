// The scan worker (Node only): a thread with an instance of the wasm core of
// its own that scans a large pickle's input a few tapes ahead of the load
// that replays them (src/remoteScan.ts), so that the scan runs on the second
// core while the replay makes values on the first. It waits for commands on
// the control words (src/scanRing.ts); each command's message is on its port.
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Control, Ring, Slot, slotBytes, unitsAt } from './scanRing.js';
import { ScanSession, TAPE_CAP } from './session.js';
import { Field, Layout, Rec, Status } from './tape.js';
import { memory } from './wasm.js';

/** What a load sends with its command: its input, and where in it the pickle begins. */
export interface LoadCommand {
  kind: 'load';
  input: SharedArrayBuffer;
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
  ring: SharedArrayBuffer;
  port: MessagePort;
}

function serve({ control: controlBuffer, ring, port }: ScanWorkerData): never {
  const control = new Int32Array(controlBuffer);
  const session = ScanSession.acquire(); // the worker's own, for its life: its string cache lasts across loads
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
        port.postMessage(String((error as Error)?.stack ?? error));
        session.clearStrCache();
        publish(Ring.WORKER_FAILED, seen);
      }
    }
    Atomics.store(control, Control.DONE, seen);
    Atomics.notify(control, Control.DONE);
  }

  /** Scans the pickle of load command `number` into the ring, a tape a slot, until it ends or the load aborts it. */
  function scanInto(command: LoadCommand, number: number): void {
    const data = new Uint8Array(command.input, 0, command.length);
    session.begin(data, command.offset, true);
    for (;;) {
      const status = session.next();
      if (!publish(status, number, copyTape)) return; // (the load clears the cache next)
      if (status !== Status.TAPE_FULL) return;
    }
  }

  /**
   * Waits for a free slot, fills it (`fill` writes the tape, its units and
   * its count of records; none: an empty tape) and gives it to load command
   * `number`; false when that load was aborted first.
   */
  function publish(status: number, number: number, fill?: (slot: number) => void): boolean {
    const produced = Atomics.load(control, Control.PRODUCED);
    for (;;) {
      if (Atomics.load(control, Control.ABORT) === number) return false;
      const consumed = Atomics.load(control, Control.CONSUMED);
      if (produced - consumed < Ring.SLOTS) break;
      Atomics.wait(control, Control.CONSUMED, consumed);
    }
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
    Atomics.notify(control, Control.PRODUCED);
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
