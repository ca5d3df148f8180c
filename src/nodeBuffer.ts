// Node's Buffer, where there is one (browsers have none): its native latin-1
// and UTF-8 code and its allocation without zero-fill, which the portable
// paths stand in for elsewhere. Read once, when the module loads.

/** A slicer of Buffer.prototype, callable on any Uint8Array. */
export type Slicer = (this: Uint8Array, start: number, end: number) => string;

/** A Buffer viewing some memory: its write() encodes UTF-8 natively. */
export type NativeBytes = Uint8Array & { write(text: string, offset: number, length: number, encoding: 'utf8'): number };

interface BufferClass {
  from(buffer: ArrayBuffer): NativeBytes;
  from(text: string, encoding: 'latin1'): Uint8Array;
  allocUnsafeSlow(size: number): Uint8Array;
  prototype: { latin1Slice?: Slicer; utf8Slice?: Slicer };
}

export const nodeBuffer: BufferClass | undefined = (globalThis as { Buffer?: BufferClass }).Buffer;
