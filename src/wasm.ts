// Instantiates the wasm core synchronously when the package is imported (no
// top-level await). The binary is embedded by the build (src/generated/), so
// Node and bundlers need no file access. Where synchronous compilation is
// refused (a browser's main thread, for modules over 4 KB), `await init()`
// compiles it asynchronously instead. as-bind carries the few high-level values
// (error strings); the hot calls take plain numbers, unwrapped.
import { instantiate, instantiateSync, type BoundInstance } from '#as-bind';
import { WASM_BASE64 } from './generated/wasmBinary.js';
import { nativeBytes } from './textEncoding.js';

interface CoreExports {
  memory: WebAssembly.Memory;
  scan(session: number): number;
  encode(session: number): number;
  newSession(windowCap: number, tapeCap: number, arenaCap: number, strCache: number, memoIndices: number): number;
  clearStrCache(session: number): void;
  clearSharedStrs(): void;
  resizeMemoIndices(session: number, cap: number): void;
  allocateBlock(size: number): number;
  findReferenced(session: number): number;
  resizeWindow(session: number, cap: number): void;
  growWindow(session: number, cap: number): void;
  freeSession(session: number): void;
  foldScratch(): number;
  foldLatin1(length: number): number;
  latin1Chars(length: number): number;
  latin1Utf8Length(length: number): number;
  unfoldLatin1(length: number, to: number): number;
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer === 'function') return Buffer.from(text, 'base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** `(module (func (result v128) (v128.const i32x4 0 0 0 0)))`: valid only where the engine has WebAssembly SIMD, which the core uses. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 of that type
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array(16).fill(0), 0x0b, // its body: v128.const 0
]);

/** Why the core cannot run here, where the engine lacks WebAssembly SIMD: else null. @internal (exported for a test) */
export function missingFeature(): string | null {
  return WebAssembly.validate(SIMD_PROBE)
    ? null
    : 'pickle-wasm: this JS engine has no WebAssembly SIMD, which the wasm core needs (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+)';
}

function notReady(): never {
  throw new Error(missingFeature() ?? 'pickle-wasm: the wasm core could not be compiled synchronously here; call `await init()` first');
}

let bound: BoundInstance | null = null;
try {
  bound = instantiateSync(decodeBase64(WASM_BASE64), {});
} catch {
  bound = null; // e.g. a browser's main thread: init() compiles asynchronously
}

/**
 * The raw exports of the instance (not the loader's wrappers, which check
 * argument counts on every call): numbers in, numbers out. A plain object, so
 * that bench/profile.mjs can time the calls; filled by init() where the
 * synchronous compile was refused.
 */
export const core: CoreExports = bound
  ? { ...(bound.loadedModule.instance.exports as unknown as CoreExports) }
  : { memory: new WebAssembly.Memory({ initial: 0 }), scan: notReady, encode: notReady, newSession: notReady, clearStrCache: notReady, clearSharedStrs: notReady, resizeMemoIndices: notReady, allocateBlock: notReady, findReferenced: notReady, resizeWindow: notReady, growWindow: notReady, freeSession: notReady, foldScratch: notReady, foldLatin1: notReady, latin1Chars: notReady, latin1Utf8Length: notReady, unfoldLatin1: notReady };

/** Makes the wasm core ready where importing could not (browsers' main thread); resolves at once where it is ready. */
export async function init(): Promise<void> {
  if (bound !== null) return;
  const missing = missingFeature();
  if (missing !== null) throw new Error(missing);
  bound = await instantiate(decodeBase64(WASM_BASE64), {});
  Object.assign(core, bound.loadedModule.instance.exports);
  memory.refresh();
}

/** Why the session's last scan failed, in words (a string from wasm, through as-bind). */
export function scanErrorReason(session: number): string {
  return bound!.exports.errorReason(session) as string;
}

/** Views of the wasm memory, renewed whenever it has grown (growth detaches the old buffer). */
export const memory = {
  buffer: core.memory.buffer,
  u8: new Uint8Array(core.memory.buffer),
  /** For the strs the scan decoded (StrFlag.UNITS). */
  u16: new Uint16Array(core.memory.buffer),
  u32: new Uint32Array(core.memory.buffer),
  f64: new Float64Array(core.memory.buffer),
  i64: new BigInt64Array(core.memory.buffer),
  /** For writing strs (Node only: null elsewhere). */
  text: nativeBytes(core.memory.buffer),
  /** Call after anything that may have allocated in wasm (a new session, a bigger window). */
  refresh(): void {
    const buffer = core.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.i64 = new BigInt64Array(buffer);
    this.text = nativeBytes(buffer);
  },
};
