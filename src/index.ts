// pickle-wasm: Python's pickle format (protocols 0–5) for JS.
import { Pickler, type DumpOptions } from './Pickler.js';
import { Unpickler, type LoadOptions } from './Unpickler.js';

export { Unpickler, type LoadOptions } from './Unpickler.js';
export { UnpicklingError, PicklingError } from './errors.js';
export { Pickler, DEFAULT_PROTOCOL, type DumpOptions, type ReduceValue } from './Pickler.js';
export { Tuple, ByteArray, FrozenSet, Complex, PyObject, PickleBuffer } from './types.js';
export { Registry, registry, type QualifiedName, type Reducer } from './Registry.js';
export { builtins } from './builtins.js';
export { getSource } from './byValue.js';
export { PyDate, PyTime, PyDateTime, TimeDelta, TimeZone } from './stdlib/datetime.js';
export { Decimal, Fraction, UUID } from './stdlib/values.js';
export { OrderedDict, DefaultDict, Deque, Range, Slice } from './stdlib/collections.js';
export { NDArray, DType } from './numpy.js';
export { loadAll, loadStream, dumpTo, type ByteSource, type ByteSink } from './stream.js';
export { init } from './wasm.js';
export { startScanWorker, stopScanWorker } from './remoteScan.js';
import { registry as defaultRegistry, type Registry as RegistryType } from './Registry.js';

/**
 * Registers a class under `module` (and its own name, unless `qualname` is
 * given) in the default registry or `registry`: `@pickleable('myapp.models')`
 * as a decorator, or `pickleable('myapp.models')(MyClass)`.
 */
export function pickleable(module: string, options: { qualname?: string; registry?: RegistryType } = {}) {
  return <T extends Function>(cls: T, _context?: unknown): T => {
    (options.registry ?? defaultRegistry).register(module, options.qualname ?? cls.name, cls);
    return cls;
  };
}

/** The highest protocol this library reads and writes (as Python's pickle.HIGHEST_PROTOCOL). */
export const HIGHEST_PROTOCOL = 5;

/** Reads one pickle from the start of `data`: Python's pickle.loads. */
export function loads(data: Uint8Array | ArrayBuffer | ArrayBufferView, options?: LoadOptions): unknown {
  return new Unpickler(options).loadOnce(data);
}

/** Writes `value` as a pickle: Python's pickle.dumps (protocol 5 unless told otherwise). */
export function dumps(value: unknown, options?: DumpOptions): Uint8Array {
  return Pickler.forDumps(options).dump(value);
}
