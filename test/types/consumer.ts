// Type-checked by test/types.test.mjs as a consumer of the package would write it.
import { loads, dumps, Tuple, Registry, Unpickler, UnpicklingError, NDArray, PyDateTime, loadStream, init, type LoadOptions, type ReduceValue } from 'pickle-wasm';
const options: LoadOptions = { dicts: 'map', unknownGlobals: 'stub' };
const v: unknown = loads(dumps({ a: new Tuple(1, 2) }), options);
class P {}
const r = new Registry().register('m', 'P', P);
class U extends Unpickler { findClass(m: string, q: string): unknown { return super.findClass(m, q); } }
const rv: ReduceValue = [P, []];
const e = new UnpicklingError('x');
const a = new NDArray('<f8', [1], new Float64Array(1));
const d = new PyDateTime(2024, 1, 1).toDate();
async function f() { await init(); for await (const x of loadStream([new Uint8Array()])) console.log(x); }
console.log(v, r, U, rv, e.offset, a, d, f);
