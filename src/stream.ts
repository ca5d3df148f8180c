// Many pickles, one after another — as repeated pickle.load(f) reads a file —
// from one buffer (loadAll) or from a stream as its bytes arrive (loadStream,
// the wasm scan resuming across chunk boundaries); and dumps into a stream.
import { Pickler, type DumpOptions } from './Pickler.js';
import { Unpickler, type LoadOptions } from './Unpickler.js';

/** Every pickle in `data`, one after another, until its end. */
export function* loadAll(data: Uint8Array | ArrayBuffer, options?: LoadOptions): Generator<unknown, void, undefined> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const unpickler = new Unpickler(options);
  for (let offset = 0; offset < bytes.length; offset = unpickler.position) yield unpickler.load(bytes, offset);
}

/** What loadStream reads: a Node Readable, a web ReadableStream, or any (async) iterable of byte chunks. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof (source as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in source)) {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('loadStream reads chunks of bytes (Uint8Array or Buffer)');
    yield chunk;
  }
}

/**
 * The input of the pickle being read and of those after it. Bytes are only
 * ever appended, and a full buffer is replaced, never overwritten: values
 * hold zero-copy views of it. Pickles already read are dropped when the
 * buffer is replaced, so the stream as a whole is never held.
 */
class Input {
  buffer = new Uint8Array(64 * 1024);
  length = 0;
  /** Where the pickle being read (or the next one) starts. */
  start = 0;

  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  append(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.buffer.length) {
      const kept = this.length - this.start;
      let size = this.buffer.length;
      while (size < kept + chunk.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buffer.subarray(this.start, this.length));
      this.buffer = next;
      this.length = kept;
      this.start = 0;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
  }
}

/**
 * The values of the pickles in a stream, one after another, each as soon as
 * its bytes have arrived. A stream that ends inside a pickle is an
 * UnpicklingError. Bytes values are views of an internal buffer (no copy);
 * with `copy: true` they are copies.
 */
export async function* loadStream(source: ByteSource, options?: LoadOptions): AsyncGenerator<unknown, void, undefined> {
  const unpickler = new Unpickler(options);
  const input = new Input();
  let loading = false;
  /** The pickles the input completes; with `final`, the input ends here. */
  function* drain(final: boolean): Generator<unknown> {
    for (;;) {
      if (!loading) {
        if (input.start === input.length) return;
        unpickler.start(input.bytes, input.start, final);
        loading = true;
      } else {
        unpickler.feed(input.bytes, final);
      }
      let done: boolean;
      let value: unknown;
      try {
        done = unpickler.advance();
        if (done) value = unpickler.finish();
      } catch (error) {
        unpickler.stop();
        loading = false;
        throw unpickler.locate(error);
      }
      if (!done) return;
      input.start = unpickler.position;
      unpickler.stop();
      loading = false;
      yield value;
    }
  }
  try {
    for await (const chunk of chunksOf(source)) {
      input.append(chunk);
      yield* drain(false);
    }
    yield* drain(true);
  } finally {
    if (loading) unpickler.stop();
  }
}

/** What writeTo writes to: a Node Writable or a web WritableStream. */
export type ByteSink =
  | { write(chunk: Uint8Array): boolean; once(event: 'drain', listener: () => void): unknown }
  | WritableStream<Uint8Array>;

/**
 * Writes `value` as one pickle to `sink`, chunk by chunk, waiting when the
 * sink asks to (a Node Writable's 'drain', a WritableStream's writer). The
 * pickle is made first (dumps is synchronous), then written.
 */
export async function dumpTo(sink: ByteSink, value: unknown, options?: DumpOptions | Pickler): Promise<void> {
  const pickler = options instanceof Pickler ? options : new Pickler(options);
  const chunks = pickler.dumpChunks(value);
  if (typeof (sink as WritableStream).getWriter === 'function') {
    const writer = (sink as WritableStream<Uint8Array>).getWriter();
    try {
      for (const chunk of chunks) await writer.write(chunk);
    } finally {
      writer.releaseLock();
    }
    return;
  }
  const writable = sink as Exclude<ByteSink, WritableStream>;
  for (const chunk of chunks) {
    if (!writable.write(chunk)) await new Promise<void>((resolve) => writable.once('drain', resolve));
  }
}
