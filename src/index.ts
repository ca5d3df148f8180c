// pickle-wasm: Python's pickle format (protocols 0–5) for JS.
import { Pickler, type DumpOptions } from './Pickler.js';
import { Unpickler, type LoadOptions } from './Unpickler.js';

export { Unpickler, type LoadOptions } from './Unpickler.js';
export { UnpicklingError, PicklingError } from './errors.js';
export { Pickler, DEFAULT_PROTOCOL, type DumpOptions, type ReduceValue } from './Pickler.js';
export { Tuple, ByteArray, FrozenSet, Complex, PyObject, PickleBuffer } from './types.js';
export { Registry, registry, type QualifiedName } from './Registry.js';
export { builtins } from './builtins.js';

/** The highest protocol this library reads and writes (as Python's pickle.HIGHEST_PROTOCOL). */
export const HIGHEST_PROTOCOL = 5;

/** Reads one pickle from the start of `data`: Python's pickle.loads. */
export function loads(data: Uint8Array | ArrayBuffer | ArrayBufferView, options?: LoadOptions): unknown {
  return new Unpickler(options).load(data);
}

/** Writes `value` as a pickle: Python's pickle.dumps (protocol 5 unless told otherwise). */
export function dumps(value: unknown, options?: DumpOptions): Uint8Array {
  return new Pickler(options).dump(value);
}
