/**
 * How a load and the scan worker (src/scanWorker.ts, src/remoteScan.ts) talk:
 * words of a SharedArrayBuffer that each side waits on with Atomics; a ring
 * of the input's bytes, which the load tops up as the worker takes them (the
 * worker never holds a copy of the whole input); and a ring of tape slots,
 * which the worker fills while the load replays the slot before.
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
  /**
   * Where the input ring stands, as offsets in the load's input (unsigned):
   * the bytes before FED are in the ring (or were never needed), those from
   * TAKEN on are still to be taken by the worker. Byte i is at i % its size.
   */
  FED = 6,
  TAKEN = 7,
  /**
   * Bumped (and notified) by the worker when the load may have something to
   * do: a tape in the ring, or input wanted; by the load when it has made
   * what the worker waits for (WORKER_WAITS: room in the ring, or input), or
   * has aborted. Each side reads its word before it looks at the rest, and
   * waits while it is unchanged, so no wake-up is lost between a look and a
   * wait.
   */
  LOAD_WAKE = 8,
  WORKER_WAKE = 9,
  /**
   * What the worker waits for (Waits), set before its last look: the load
   * wakes it only then (waking a thread costs ~0.1 ms here, and the worker
   * waits for room after most tapes).
   */
  WORKER_WAITS = 10,
  WORDS = 12,
}

/** What the worker waits for, in Control.WORKER_WAITS. */
export const enum Waits {
  NOTHING = 0,
  /** Room in the ring for ROOM_BATCH tapes. */
  ROOM = 1,
  /** Input fed beyond what it has taken. */
  INPUT = 2,
}

/** The ring of tapes: each slot a header of words, then a tape's records, then its strs' units. */
export const enum Ring {
  SLOTS = 4,
  /** A worker waiting for room is woken when this many slots are free (a wake-up for each two tapes). */
  ROOM_BATCH = 2,
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

/** Bumps wake word `word` (Control.LOAD_WAKE or WORKER_WAKE) and wakes the side waiting on it. */
export function signal(control: Int32Array, word: Control): void {
  Atomics.add(control, word, 1);
  Atomics.notify(control, word);
}
