// Instantiates the wasm core synchronously when the package is imported (no
// top-level await). The binary is embedded by the build (src/generated/), so
// Node and bundlers need no file access. as-bind carries the few high-level
// values (error strings); the hot calls take plain numbers, unwrapped.
import { instantiateSync } from '#as-bind';
import { WASM_BASE64 } from './generated/wasmBinary.js';

interface CoreExports {
  memory: WebAssembly.Memory;
  scan(session: number): number;
  encode(session: number): number;
  newSession(windowCap: number, tapeCap: number, arenaCap: number): number;
  resizeWindow(session: number, cap: number): void;
  freeSession(session: number): void;
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer === 'function') return Buffer.from(text, 'base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const bound = instantiateSync(decodeBase64(WASM_BASE64), {});

/**
 * The raw exports of the instance (not the loader's wrappers, which check
 * argument counts on every call): numbers in, numbers out. A plain object, so
 * that bench/profile.mjs can time the calls.
 */
export const core: CoreExports = { ...(bound.loadedModule.instance.exports as unknown as CoreExports) };

/** Why the session's last scan failed, in words (a string from wasm, through as-bind). */
export function scanErrorReason(session: number): string {
  return bound.exports.errorReason(session) as string;
}

/** Views of the wasm memory, renewed whenever it has grown (growth detaches the old buffer). */
export const memory = {
  buffer: core.memory.buffer,
  u8: new Uint8Array(core.memory.buffer),
  u32: new Uint32Array(core.memory.buffer),
  f64: new Float64Array(core.memory.buffer),
  i64: new BigInt64Array(core.memory.buffer),
  /** Call after anything that may have allocated in wasm (a new session, a bigger window, user code). */
  refresh(): void {
    const buffer = core.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.i64 = new BigInt64Array(buffer);
  },
};
