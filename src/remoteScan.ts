// Loads on the scan worker (src/scanWorker.ts, Node only): a large pickle
// read whole is scanned by a thread of the package's own, a few tapes ahead,
// while this thread replays them. On two cores a load of 100k records took
// ~0.82 of its time on one (see the README's performance notes). The worker
// starts with the first such load (which scans here, as every load does
// until the worker is ready) or with startScanWorker(); stopScanWorker()
// ends it, and loads scan here again.
import { UnpicklingError } from './errors.js';
import { Control, Ring, Slot, Waits, signal, slotBytes } from './scanRing.js';
import type { Command, ScanWorkerData } from './scanWorker.js';
import { scanWorkerPath } from './scanWorkerPath.js';
import { ScanSession, TAPE_CAP } from './session.js';
import { Field, Status } from './tape.js';

/** Pickles of fewer bytes scan here: the worker's hand-over costs ~1 ms a load and a copy of the input. */
const WORKER_MIN = 1 << 20;
/**
 * A pickle scans here unless its first window holds this many opcodes a
 * byte at least (not a large bytes, which a scan here passes over without
 * reading, where the worker would need a copy of it all: loads of 64 MiB of
 * bytes take a µs) and this many memo stores an opcode (strs and containers,
 * whose values are most of a load's work: 1M floats, with none, loaded in
 * 1.4 times the time on the worker: their replay is quick, and their tapes'
 * copies from thread to thread cost more than the overlap saves).
 */
const MIN_OPCODES_A_BYTE = 1 / 64;
const MIN_STORES_AN_OPCODE = 1 / 16;
/** The input's first bytes a load copies to the ring before the worker begins (the memo pass feeds it the rest as it goes). */
const FIRST_FEED = 256 << 10;
const NO_BYTES: Uint8Array = new Uint8Array(0);

/** The parts of node:worker_threads used here (the package does not import Node modules where it may run in a browser). */
interface WorkerThreads {
  isMainThread: boolean;
  Worker: new (path: string | URL, options: { workerData: ScanWorkerData; transferList: unknown[]; execArgv: string[] }) => NodeWorker;
  MessageChannel: new () => { port1: Port; port2: Port };
  receiveMessageOnPort(port: Port): { message: unknown } | undefined;
}
interface NodeWorker {
  ref(): void;
  unref(): void;
  on(event: 'exit' | 'error', listener: () => void): void;
  terminate(): Promise<number>;
}
interface Port {
  postMessage(message: unknown): void;
  unref(): void;
}

/** Atomics.waitAsync (ES2024, in Node 16 on), which the ES2022 typings lack. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: unknown };
}

function workerThreads(): WorkerThreads | null {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (process?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined) ?? null;
}

/** The worker and what this thread shares with it. */
class Link {
  readonly control = new Int32Array(new SharedArrayBuffer(Control.WORDS * 4));
  readonly ring = new SharedArrayBuffer(Ring.SLOTS * slotBytes(TAPE_CAP));
  readonly session: RemoteScanSession;
  private readonly input = new Uint8Array(new SharedArrayBuffer(workerSettings.inputRingBytes));
  private readonly port: Port;
  private readonly worker: NodeWorker;
  private readonly exited: Promise<void>;
  /** The input of the load on the worker, which feed() copies to the input ring (none between loads). */
  private feeding = NO_BYTES;
  private commands = 0;
  /** The worker stopped answering: loads no longer wait for it. */
  private abandoned = false;
  private sessionFreed = false;
  /** A load holds the worker (a load inside it, from a hook, scans here). */
  busy = false;
  /** Called when the load holding the worker lets it go. */
  released: (() => void) | null = null;

  constructor(private readonly threads: WorkerThreads, script: string | URL) {
    const { port1, port2 } = new threads.MessageChannel();
    port1.unref();
    this.port = port1;
    this.worker = new threads.Worker(script, {
      workerData: { control: this.control.buffer as SharedArrayBuffer, input: this.input.buffer as SharedArrayBuffer, ring: this.ring, port: port2 as never },
      transferList: [port2],
      execArgv: [], // (not the process's: --input-type, for one, stops a worker from a file)
    });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.on('exit', () => resolve()));
    this.exited.then(() => {
      if (link === this) link = null;
      this.freeSession(); // (no load holds it: loads are synchronous, and the link is no longer offered)
    });
    // a worker that cannot start (or fails) leaves loads to this thread, without trying again
    this.worker.on('error', () => {
      automatic = false;
      if (link === this) link = null;
    });
    this.session = new RemoteScanSession(this);
  }

  get ready(): boolean {
    return Atomics.load(this.control, Control.READY) === 1;
  }

  /** Resolves when the worker waits for commands (true), or has exited first (the process lives on for it meanwhile). */
  async started(): Promise<boolean> {
    const waiting = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.control, Control.READY, 0);
    if (waiting.async) {
      this.worker.ref();
      try {
        await Promise.race([waiting.value, this.exited]);
      } finally {
        this.worker.unref();
      }
    }
    return this.ready;
  }

  /** Ends the worker, once the load holding it (a hook of it may stop the worker) has let it go, and frees this thread's session for it. */
  async terminate(): Promise<void> {
    if (this.busy) await new Promise<void>((resolve) => (this.released = resolve));
    this.freeSession();
    await this.worker.terminate();
  }

  private freeSession(): void {
    if (!this.sessionFreed) this.session.free();
    this.sessionFreed = true;
  }

  /**
   * The worker gave no sign for workerSettings.stallMs (a fault of ours, or
   * its thread gone): the load fails, the worker is ended, and loads scan
   * here until startScanWorker().
   */
  private stalled(): never {
    this.abandoned = true;
    automatic = false;
    if (link === this) link = null;
    void this.worker.terminate();
    throw new UnpicklingError(`the scan worker stopped answering for ${workerSettings.stallMs / 1000} s (pickle-wasm's fault, not the pickle's); loads scan on this thread from now on`);
  }

  /** Has the worker scan the pickle at `offset` in `data`; returns the command's number. */
  load(data: Uint8Array, offset: number): number {
    this.waitDone(this.commands);
    Atomics.store(this.control, Control.FED, offset);
    Atomics.store(this.control, Control.TAKEN, offset);
    this.feeding = data;
    this.feed(FIRST_FEED);
    return this.send({ kind: 'load', length: data.length, offset });
  }

  /** Gives the worker a command once it has finished the last; returns its number. */
  send(command: Command): number {
    if (this.abandoned) return this.commands;
    this.waitDone(this.commands);
    this.port.postMessage(command);
    Atomics.store(this.control, Control.COMMAND, ++this.commands);
    Atomics.notify(this.control, Control.COMMAND);
    return this.commands;
  }

  /**
   * Copies the load's next bytes (up to `most`) to the input ring, as far as
   * the worker has taken those before them (bytes it passed over, a large
   * bytes' payload, are never copied).
   */
  feed(most = Infinity): void {
    const { control, input, feeding } = this;
    const size = input.length;
    const taken = Atomics.load(control, Control.TAKEN) >>> 0;
    let at = Math.max(Atomics.load(control, Control.FED) >>> 0, taken);
    const end = Math.min(feeding.length, taken + size, at + most);
    if (end <= at) return;
    while (at < end) {
      const i = at % size;
      const n = Math.min(end - at, size - i);
      input.set(new Uint8Array(feeding.buffer, feeding.byteOffset + at, n), i);
      at += n;
    }
    Atomics.store(control, Control.FED, end);
    if (Atomics.load(control, Control.WORKER_WAITS) === Waits.INPUT) signal(control, Control.WORKER_WAKE);
  }

  /** Stops load command `number` if the worker is still at it, and drops the tapes it left in the ring. */
  abort(number: number): void {
    if (this.abandoned) return;
    Atomics.store(this.control, Control.ABORT, number);
    signal(this.control, Control.WORKER_WAKE); // (the worker may wait for room in the ring, or for input)
    this.waitDone(number);
    Atomics.store(this.control, Control.CONSUMED, Atomics.load(this.control, Control.PRODUCED));
  }

  /** The load has ended: the input ring no longer holds a reference to its input. */
  loadEnded(): void {
    this.feeding = NO_BYTES;
  }

  /** The byte where the next tape's slot begins, once the worker has filled it (fed meanwhile). */
  nextSlot(): number {
    const consumed = Atomics.load(this.control, Control.CONSUMED);
    for (;;) {
      const wake = Atomics.load(this.control, Control.LOAD_WAKE);
      this.feed();
      if (Atomics.load(this.control, Control.PRODUCED) !== consumed) return (consumed % Ring.SLOTS) * slotBytes(TAPE_CAP);
      if (Atomics.wait(this.control, Control.LOAD_WAKE, wake, workerSettings.stallMs) === 'timed-out') this.stalled();
    }
  }

  /** Hands the slot just read back to the worker. */
  slotRead(): void {
    const { control } = this;
    const queued = Atomics.load(control, Control.PRODUCED) - Atomics.add(control, Control.CONSUMED, 1) - 1;
    if (queued <= Ring.SLOTS - Ring.ROOM_BATCH && Atomics.load(control, Control.WORKER_WAITS) === Waits.ROOM) signal(control, Control.WORKER_WAKE);
  }

  /** The text of the worker's failure. */
  failure(): string {
    return String(this.threads.receiveMessageOnPort(this.port)?.message ?? 'unknown');
  }

  private waitDone(number: number): void {
    let done: number;
    while ((done = Atomics.load(this.control, Control.DONE)) !== number) {
      if (Atomics.wait(this.control, Control.DONE, done, workerSettings.stallMs) === 'timed-out') this.stalled();
    }
  }
}

/**
 * This thread's side of a load on the worker: a session of its own whose
 * tapes are the ring's slots, read where the worker put them, and whose
 * string cache's strings are those of the worker session's cache (the
 * worker's wasm keeps its bytes). The memo pass runs here, while the worker
 * scans.
 */
class RemoteScanSession extends ScanSession {
  private command = 0;
  /** The worker has given the load's last tape (or has not begun one). */
  private ended = true;
  /** The load is replaying a slot of the ring: the worker may not fill it yet. */
  private holding = false;

  constructor(private readonly link: Link) {
    const ring = link.ring;
    super({ u16: new Uint16Array(ring), u32: new Uint32Array(ring), f64: new Float64Array(ring), i64: new BigInt64Array(ring) });
  }

  override referencedMemo(data: Uint8Array, offset: number): Uint8Array | null {
    this.send(data, offset);
    return super.referencedMemo(data, offset);
  }

  /** (The worker's scan keeps its flags on its side: this side cannot tell, so it keeps the stores the memo pass could not judge.) */
  override readsNoMemo(): boolean {
    return false;
  }

  override begin(data: Uint8Array, offset: number, final: boolean): void {
    if (this.ended) this.send(data, offset); // (sent already where the memo pass ran first, as for every pickle this session takes)
    this.setInput(data, final);
  }

  /** Has the worker scan the pickle at `offset` in `data`. */
  private send(data: Uint8Array, offset: number): void {
    this.command = this.link.load(data, offset);
    this.ended = false;
  }

  /** (The memo pass's window: the worker's input is fed as it goes.) */
  protected override fill(from: number, need: number, first?: boolean): void {
    super.fill(from, need, first);
    this.link.feed();
  }

  override next(): Status {
    this.letGo();
    const slot = this.link.nextSlot();
    this.holding = true;
    const header = new Uint32Array(this.link.ring, slot, Ring.HEADER_WORDS);
    const status = header[Slot.STATUS];
    if (status !== Status.TAPE_FULL) this.ended = true;
    if (status === Ring.WORKER_FAILED) {
      throw this.errorAt(`the scan worker failed here (pickle-wasm's fault, not the pickle's): ${this.link.failure()}`, header[Slot.POS]);
    }
    this.tapeWord = (slot >>> 2) + Ring.HEADER_WORDS;
    this.setField(Field.TAPE_LEN, header[Slot.RECORDS]);
    this.setField(Field.POS, header[Slot.POS]);
    this.setField(Field.ERROR, header[Slot.ERROR]);
    this.setField(Field.ERROR_POS, header[Slot.ERROR_POS]);
    this.setField(Field.ERROR_OP, header[Slot.ERROR_OP]);
    return status;
  }

  /** Hands the slot the load replayed last back to the worker. */
  private letGo(): void {
    if (this.holding) this.link.slotRead();
    this.holding = false;
  }

  override release(replayedAll: boolean): void {
    if (this.ended) this.letGo();
    else this.link.abort(this.command); // (which drops every slot; the worker may have cached strs of tapes never replayed)
    this.holding = false;
    if (!replayedAll || !this.ended) this.link.send({ kind: 'clear' });
    this.ended = true;
    this.setInput(NO_BYTES, true);
    this.link.loadEnded();
    this.link.busy = false;
    this.link.released?.();
  }
}

let link: Link | null = null;
/** @internal Loads the worker has scanned (for the tests). */
export let remoteLoads = 0;

/**
 * @internal What workers started from now on are made of (the tests shrink
 * the ring, so that it wraps, and start workers that fail or hang).
 */
export const workerSettings = {
  /**
   * Bytes of the input ring. The worker's lead over the replay, the ring's 4
   * tapes and the one it scans, spans ~0.7 MB of the records' input and ~2 MB
   * of the strs' (130-470 KiB a tape): the load, which feeds it at each tape,
   * stays ahead of it.
   */
  inputRingBytes: 4 << 20,
  script: scanWorkerPath,
  /** No sign from the worker for this long, while a load waits for it, means it is gone. */
  stallMs: 60_000,
};
/** Whether large loads start the worker (stopScanWorker turns it off until startScanWorker). */
let automatic = true;

/**
 * Starts the worker, unless there are no worker threads; `byLoad`: a load
 * starts it, which it does only on the main thread (a thread of a pool has
 * its cores spoken for: there, startScanWorker() starts it).
 */
function startLink(byLoad = false): Link | null {
  const threads = workerThreads();
  const { script } = workerSettings;
  if (threads === null || script === null || (byLoad && !threads.isMainThread)) automatic = false;
  else link = new Link(threads, script);
  return link;
}

/**
 * @internal The session for a load of the pickle at `offset` in `data`, read
 * whole, on the worker; null: scan it here. The first load the worker would
 * take starts it.
 */
export function remoteSession(data: Uint8Array, offset: number): ScanSession | null {
  if (data.length - offset < WORKER_MIN) return null;
  if (link === null) {
    if (automatic) {
      const probe = ScanSession.acquire();
      if (scanAheadPays(probe, data, offset)) startLink(true);
      probe.release(true);
    }
    return null;
  }
  if (link.busy || !link.ready || !scanAheadPays(link.session, data, offset)) return null;
  link.busy = true;
  remoteLoads++;
  return link.session;
}

/** Does the pickle at `offset` in `data` hold what makes a load on the worker faster (see MIN_OPCODES_A_BYTE)? Read by `session`'s memo pass. */
function scanAheadPays(session: ScanSession, data: Uint8Array, offset: number): boolean {
  const { bytes, opcodes, stores } = session.firstWindow(data, offset);
  return opcodes >= bytes * MIN_OPCODES_A_BYTE && stores >= opcodes * MIN_STORES_AN_OPCODE;
}

/**
 * Starts the scan worker, which large loads use (by default it starts with the
 * first of them); resolves to false where there are no worker threads (browsers).
 */
export async function startScanWorker(): Promise<boolean> {
  automatic = true;
  const started = link ?? startLink();
  return started !== null && (await started.started());
}

/** Ends the scan worker; loads scan on this thread until startScanWorker(). */
export async function stopScanWorker(): Promise<void> {
  automatic = false;
  const stopped = link;
  link = null;
  if (stopped !== null) await stopped.terminate();
}
