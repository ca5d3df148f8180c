// A scan session: one wasm session block (window, tape, scanner state) and
// the driver that feeds it input. Each load in progress holds its own, so
// nested and interleaved loads never share scanner state; finished ones are
// pooled because allocating one costs more than a small pickle's whole load.
import { UnpicklingError } from './errors.js';
import { opcodeName } from './opcodeNames.js';
import { Field, KeyOrders, MemoScan, Status, StrCache } from './tape.js';
import { core, memory, scanErrorReason } from './wasm.js';

const WINDOW_CAP = 64 * 1024;
/**
 * Bytes a load's first fill of the window takes when there is more input
 * than it holds: the pickle may be a small one of many in a large buffer
 * (loadAll), and copying a whole window for each cost ~4 µs.
 */
const FIRST_FILL = 16 * 1024;
/** Records a tape holds (the scan worker's ring slots hold as many). */
export const TAPE_CAP = 16384;
const POOL_SIZE = 8;
const pool: ScanSession[] = [];
/** The session fields each pass carries from one window to the next, zeroed when it starts. */
const SCAN_STATE: readonly Field[] = [
  Field.STR_KIND, Field.ERROR, Field.NEXT_PUT, Field.CACHE_LOOKUPS, Field.CACHE_HITS, Field.CACHE_SKIPS, Field.KEY_ORDER_IDS, Field.MEMO_ORDER,
];
const MEMO_PASS_STATE: readonly Field[] = [Field.MEMO_OPCODES, Field.MEMO_STORES, Field.MEMO_MARKED];
const NO_INPUT = new Uint8Array(0);
/** Below this many bytes a loop copies faster than a view and set() (~100 ns here). */
const SHORT_COPY_BYTES = 32;

function copyBytes(to: Uint8Array, at: number, from: Uint8Array, start: number, length: number): void {
  // all of `from` (most small pickles): no view at all, and set() copies as memcpy (a 55-byte pickle: 35 ns, the loop 220)
  if (start === 0 && length === from.length) return to.set(from, at);
  // a view made here: a Buffer's subarray() is a Buffer, made through its species (slower)
  if (length >= SHORT_COPY_BYTES) return to.set(new Uint8Array(from.buffer, from.byteOffset + start, length), at);
  for (let i = 0; i < length; i++) to[at + i] = from[start + i];
}

/**
 * The typed arrays a session's tapes are read through: wasm memory's (the
 * `memory` object, whose views are renewed when it grows), or those of the
 * scan worker's ring (see remoteScan.ts).
 */
export interface TapeViews {
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
}

export class ScanSession {
  /** Address of the session block in wasm memory. */
  readonly ptr: number;
  /**
   * Word index of the tape in `views`: the records of the last scan stay
   * there until the next scan (none runs during a replay: a load that user
   * code starts has a session of its own). Fixed for a session of this
   * thread's; the scan worker's tapes are each in a slot of its ring.
   */
  tapeWord: number;
  /** What the tape and the strs' units (STR_UNITS records) are read through. */
  readonly views: TapeViews;
  /** The string cache's strings, by slot (its bytes are in wasm: see StrCache). */
  readonly strings: (string | undefined)[] = new Array(StrCache.SLOTS).fill(undefined);
  private data: Uint8Array = NO_INPUT;

  protected constructor(views: TapeViews = memory) {
    this.ptr = core.newSession(WINDOW_CAP, TAPE_CAP, 0, 1, 0);
    memory.refresh();
    this.tapeWord = this.field(Field.TAPE) >>> 2;
    this.views = views;
  }

  static acquire(): ScanSession {
    return pool.pop() ?? new ScanSession();
  }

  /** Pools the session; `replayedAll`: JS replayed every record scanned (else the cache's two sides may differ). */
  release(replayedAll: boolean): void {
    if (!replayedAll) this.clearStrCache();
    this.data = NO_INPUT;
    if (pool.length < POOL_SIZE) pool.push(this);
    else this.free();
  }

  /** Frees the wasm session block: the session is never used again. */
  free(): void {
    core.freeSession(this.ptr);
  }

  /** Empties the wasm side of the string cache: JS's strings no longer match it. */
  clearStrCache(): void {
    core.clearStrCache(this.ptr);
  }

  field(f: Field): number {
    return memory.u32[(this.ptr >>> 2) + f];
  }

  protected setField(f: Field, value: number): void {
    memory.u32[(this.ptr >>> 2) + f] = value;
  }

  /**
   * Starts scanning `data` from `offset`; `final`: no more input will follow;
   * `length`: the input's, where `data` does not hold its bytes (the scan
   * worker's come through a ring: see copyInput).
   */
  begin(data: Uint8Array, offset: number, final: boolean, length = data.length): void {
    this.startPass(data, offset, final, SCAN_STATE, length);
    const fields = memory.u32;
    const block = this.ptr >>> 2;
    // a new stamp: the key orders of earlier loads no longer match (0 is none's)
    fields[block + Field.KEY_ORDER_STAMP] = (fields[block + Field.KEY_ORDER_STAMP] + 1) >>> 0 || 1;
    if (fields[block + Field.INPUT_END] - offset < KeyOrders.MIN_INPUT) fields[block + Field.MEMO_ORDER] = KeyOrders.SMALL;
  }

  /** Points a pass (the scan, or the memo pass) at `offset` with its `state` fields zeroed, and fills the window from there. */
  private startPass(data: Uint8Array, offset: number, final: boolean, state: readonly Field[], length = data.length): void {
    this.setInput(data, final, length);
    this.setField(Field.POS, offset);
    const fields = memory.u32;
    const block = this.ptr >>> 2;
    for (let i = 0; i < state.length; i++) fields[block + state[i]] = 0;
    this.fill(offset, 1, true);
  }

  /** After next() returned STOPPED: did the pickle hold no GET, so that nothing reads its memo? */
  readsNoMemo(): boolean {
    return (this.field(Field.MEMO_ORDER) & KeyOrders.GOT) === 0;
  }

  /**
   * The memo indices the pickle at `offset` in `data` (all of it at hand)
   * GETs, as a bitmap, from a pass over it before the scan (see
   * assembly/memoScan.ts); null when that pass cannot tell. Call begin() next.
   */
  referencedMemo(data: Uint8Array, offset: number): Uint8Array | null {
    this.startPass(data, offset, true, MEMO_PASS_STATE);
    for (;;) {
      const status = core.findReferenced(this.ptr);
      if (status === MemoScan.DONE) {
        const bitmap = this.field(Field.TAPE);
        return memory.u8.slice(bitmap, bitmap + this.field(Field.MEMO_MARKED));
      }
      const from = this.field(Field.POS);
      const need = this.field(Field.NEED);
      if (status === MemoScan.UNKNOWN || from + need > data.length) return null;
      this.fill(from, need);
    }
  }

  /**
   * The memo pass's counts over the first window of the pickle at `offset`
   * in `data`: its bytes, opcodes and memo stores. Few opcodes a byte: the
   * input is mostly payloads (a large bytes) that a scan passes over
   * without reading; few stores an opcode: mostly numbers, which the
   * replay makes in runs.
   */
  firstWindow(data: Uint8Array, offset: number): { bytes: number; opcodes: number; stores: number } {
    this.startPass(data, offset, true, MEMO_PASS_STATE);
    core.findReferenced(this.ptr);
    return { bytes: this.field(Field.POS) - offset, opcodes: this.field(Field.MEMO_OPCODES), stores: this.field(Field.MEMO_STORES) };
  }

  /** The input so far (it only ever grows: offsets stay valid); `final`: no more will follow; `length`: see begin(). */
  setInput(data: Uint8Array, final: boolean, length = data.length): void {
    this.data = data;
    this.setField(Field.INPUT_END, length);
    this.setField(Field.INPUT_FINAL, final ? 1 : 0);
  }

  /** Where the scan stands: after STOP, just past it. */
  get position(): number {
    return this.field(Field.POS);
  }

  /**
   * Scans onto an empty tape (the last call's records are replayed) until it
   * is full or the scan has ended, refilling the window as it goes: returns
   * TAPE_FULL (replay TAPE_LEN records, then call again), STOPPED or ERROR
   * (replay the TAPE_LEN records before the stop or the error first), or,
   * while the input is not final, NEED_INPUT (replay them, then setInput).
   * (A window's end does not end the tape: the replay sees what follows a
   * long str, see Unpickler's onlyEncodedToLatin1.)
   */
  next(): Status {
    this.setField(Field.TAPE_LEN, 0);
    for (;;) {
      const status = core.scan(this.ptr);
      if (status !== Status.NEED_INPUT) return status;
      const from = this.field(Field.POS);
      const need = this.field(Field.NEED);
      if (this.field(Field.INPUT_FINAL) === 0 && from + need > this.data.length) return Status.NEED_INPUT;
      this.fill(from, need);
    }
  }

  /** The UnpicklingError for a scan that returned ERROR. */
  error(): UnpicklingError {
    return this.errorAt(scanErrorReason(this.ptr), this.field(Field.ERROR_POS));
  }

  /** An UnpicklingError at byte `offset` of the input, naming the opcode there. */
  protected errorAt(reason: string, offset: number): UnpicklingError {
    return new UnpicklingError(reason, { opcode: opcodeName(this.data[offset]), offset });
  }

  /** Copies input from `from` into the window, growing it when `need` bytes would not fit; `first`: a load's first (see FIRST_FILL). */
  protected fill(from: number, need: number, first = false): void {
    const end = this.field(Field.INPUT_END);
    let cap = this.field(Field.WINDOW_CAP);
    need = Math.min(need, Math.max(1, end - from));
    if (need > cap) {
      while (cap < need) cap *= 2;
      core.growWindow(this.ptr, cap);
      memory.refresh();
    }
    let length = Math.min(end, from + cap) - from;
    if (first && length === cap) length = Math.max(need, FIRST_FILL); // (more input than the window holds)
    this.copyInput(this.field(Field.WINDOW), from, length);
    this.setField(Field.WINDOW_START, from);
    this.setField(Field.WINDOW_LEN, length);
  }

  /** Copies `length` bytes of the input from `from` to the window at `window` (whose start and length fields still say what it held). */
  protected copyInput(window: number, from: number, length: number): void {
    copyBytes(memory.u8, window, this.data, from, length);
  }
}
