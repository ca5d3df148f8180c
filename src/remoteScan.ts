// Loads on the scan worker (src/scanWorker.ts, Node only): a large pickle
// read whole is scanned by a thread of the package's own, a few tapes ahead,
// while this thread replays them. On two cores a load of 100k records took
// ~0.82 of its time on one (see the README's performance notes). The worker
// starts with the first such load (which scans here, as every load does
// until the worker is ready) or with startScanWorker(); stopScanWorker()
// ends it, and loads scan here again.
import { Control, Ring, Slot, slotBytes } from './scanRing.js';
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
/** The input's shared copy is kept for the next load up to this size. */
const KEPT_INPUT_MAX = 32 << 20;
/** No tape for this long means the worker is gone. */
const STALL_MS = 60_000;

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
  private readonly port: Port;
  private readonly worker: NodeWorker;
  private readonly exited: Promise<void>;
  private input = new SharedArrayBuffer(0);
  private commands = 0;
  /** A load holds the worker (a load inside it, from a hook, scans here). */
  busy = false;
  /** Called when the load holding the worker lets it go. */
  released: (() => void) | null = null;

  constructor(private readonly threads: WorkerThreads, script: string | URL) {
    const { port1, port2 } = new threads.MessageChannel();
    port1.unref();
    this.port = port1;
    this.worker = new threads.Worker(script, {
      workerData: { control: this.control.buffer as SharedArrayBuffer, ring: this.ring, port: port2 as never },
      transferList: [port2],
      execArgv: [], // (not the process's: --input-type, for one, stops a worker from a file)
    });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.on('exit', () => resolve()));
    this.exited.then(() => {
      if (link === this) link = null;
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
    this.session.free();
    await this.worker.terminate();
  }

  /** The shared copy of `data`, for a load command. */
  share(data: Uint8Array): SharedArrayBuffer {
    const input = this.input.byteLength >= data.length ? this.input : new SharedArrayBuffer(data.length);
    new Uint8Array(input, 0, data.length).set(data);
    this.input = input.byteLength <= KEPT_INPUT_MAX ? input : new SharedArrayBuffer(0);
    return input;
  }

  /** Gives the worker a command once it has finished the last; returns its number. */
  send(command: Command): number {
    this.waitDone(this.commands);
    this.port.postMessage(command);
    Atomics.store(this.control, Control.COMMAND, ++this.commands);
    Atomics.notify(this.control, Control.COMMAND);
    return this.commands;
  }

  /** Stops load command `number` if the worker is still at it, and drops the tapes it left in the ring. */
  abort(number: number): void {
    Atomics.store(this.control, Control.ABORT, number);
    Atomics.notify(this.control, Control.CONSUMED); // (the worker may wait for room in the ring)
    this.waitDone(number);
    Atomics.store(this.control, Control.CONSUMED, Atomics.load(this.control, Control.PRODUCED));
  }

  /** The byte where the next tape's slot begins, once the worker has filled it. */
  nextSlot(): number {
    const consumed = Atomics.load(this.control, Control.CONSUMED);
    while (Atomics.load(this.control, Control.PRODUCED) === consumed) {
      if (Atomics.wait(this.control, Control.PRODUCED, consumed, STALL_MS) === 'timed-out') {
        throw new Error('the scan worker stopped answering');
      }
    }
    return (consumed % Ring.SLOTS) * slotBytes(TAPE_CAP);
  }

  /** Hands the slot just read back to the worker. */
  slotRead(): void {
    Atomics.add(this.control, Control.CONSUMED, 1);
    Atomics.notify(this.control, Control.CONSUMED);
  }

  /** The text of the worker's failure. */
  failure(): string {
    return String(this.threads.receiveMessageOnPort(this.port)?.message ?? 'unknown');
  }

  private waitDone(number: number): void {
    let done: number;
    while ((done = Atomics.load(this.control, Control.DONE)) !== number) {
      if (Atomics.wait(this.control, Control.DONE, done, STALL_MS) === 'timed-out') throw new Error('the scan worker stopped answering');
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

  override begin(data: Uint8Array, offset: number, final: boolean): void {
    if (this.ended) this.send(data, offset); // (sent already where the memo pass ran first, as for every pickle this session takes)
    this.setInput(data, final);
  }

  /** Has the worker scan the pickle at `offset` in `data`. */
  private send(data: Uint8Array, offset: number): void {
    const input = this.link.share(data);
    this.command = this.link.send({ kind: 'load', input, length: data.length, offset });
    this.ended = false;
  }

  override next(): Status {
    this.letGo();
    const slot = this.link.nextSlot();
    this.holding = true;
    const header = new Uint32Array(this.link.ring, slot, Ring.HEADER_WORDS);
    const status = header[Slot.STATUS];
    if (status !== Status.TAPE_FULL) this.ended = true;
    if (status === Ring.WORKER_FAILED) throw new Error(`the scan worker failed: ${this.link.failure()}`);
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
    this.setInput(new Uint8Array(0), true);
    this.link.busy = false;
    this.link.released?.();
  }
}

let link: Link | null = null;
/** @internal Loads the worker has scanned (for the tests). */
export let remoteLoads = 0;
/** Whether large loads start the worker (stopScanWorker turns it off until startScanWorker). */
let automatic = true;

/**
 * Starts the worker, unless there are no worker threads; `byLoad`: a load
 * starts it, which it does only on the main thread (a thread of a pool has
 * its cores spoken for: there, startScanWorker() starts it).
 */
function startLink(byLoad = false): Link | null {
  const threads = workerThreads();
  if (threads === null || scanWorkerPath === null || (byLoad && !threads.isMainThread)) automatic = false;
  else link = new Link(threads, scanWorkerPath);
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
