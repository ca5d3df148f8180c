// Node's Buffer, where there is one (browsers have none): its native latin-1
// and UTF-8 code and its allocation without zero-fill, which the portable
// paths stand in for elsewhere. Read once, when the module loads.

/** A slicer of Buffer.prototype, callable on any Uint8Array. */
export type Slicer = (this: Uint8Array, start: number, end: number) => string;

/**
 * A Buffer viewing some memory: its utf8Write() encodes UTF-8 natively (the
 * method behind write(text, offset, length, 'utf8'), without write()'s
 * argument handling, which cost as much again as the encoding of a 37-character str).
 */
export type NativeBytes = Uint8Array & { utf8Write(text: string, offset: number, length: number): number };

interface BufferClass {
  from(buffer: ArrayBuffer): NativeBytes;
  from(text: string, encoding: 'latin1'): Uint8Array;
  allocUnsafeSlow(size: number): Uint8Array;
  prototype: { latin1Slice?: Slicer; utf8Slice?: Slicer; utf8Write?: unknown };
}

export const nodeBuffer: BufferClass | undefined = (globalThis as unknown as { Buffer?: BufferClass }).Buffer;
