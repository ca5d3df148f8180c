/**
 * How a load and the scan worker (src/scanWorker.ts, src/remoteScan.ts) talk:
 * words of a SharedArrayBuffer that each side waits on with Atomics, and a
 * ring of tape slots in another, which the worker fills while the load
 * replays the slot before.
 */
import { Layout, StrUnits } from './tape.js';

/** The control words (an Int32Array). */
export const enum Control {
  /** The worker has started and waits for commands (1). */
  READY = 0,
  /** The number of the last command given (the load bumps it; the message on the port says what). */
  COMMAND = 1,
  /** The number of the last command the worker finished. */
  DONE = 2,
  /** Tapes the worker has put in the ring, and tapes the load has taken from it, since the worker started. */
  PRODUCED = 3,
  CONSUMED = 4,
  /** Set to a load command's number: stop that load (the replay failed, or it ended early). */
  ABORT = 5,
  WORDS = 8,
}

/** The ring of tapes: each slot a header of words, then a tape's records, then its strs' units. */
export const enum Ring {
  SLOTS = 4,
  HEADER_WORDS = 8,
  /**
   * A slot's status word, beside Status's: the worker failed (a bug or no
   * memory, never the pickle); the error's text follows on the port.
   */
  WORKER_FAILED = 100,
}

/** The words of a slot's header. */
export const enum Slot {
  /** What the worker's scan() returned (Status), or Ring.WORKER_FAILED. */
  STATUS = 0,
  /** Records on the tape. */
  RECORDS = 1,
  /** The session fields a stop leaves for the load: where the scan stands, and what went wrong. */
  POS = 2,
  ERROR = 3,
  ERROR_POS = 4,
  ERROR_OP = 5,
}

/** Bytes a ring slot takes: its header, a tape of `tapeCap` records, and the units of the strs that tape's records decoded. */
export function slotBytes(tapeCap: number): number {
  return unitsAt(0, tapeCap) + StrUnits.AREA_UNITS * 2;
}

/** Where the units of the slot at byte `slot` begin. */
export function unitsAt(slot: number, tapeCap: number): number {
  return slot + Ring.HEADER_WORDS * 4 + tapeCap * Layout.RECORD_BYTES;
}
