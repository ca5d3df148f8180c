// numpy arrays without numpy: the globals numpy's pickles name (numpy 1's
// numpy.core and numpy 2's numpy._core), loading to NDArray { dtype, shape,
// order, data } with data a TypedArray over the pickle's bytes where it can be
// (zero-copy when aligned), and dumping NDArray to what numpy loads.
import { UnpicklingError } from './errors.js';
import { Complex, PickleBuffer, Tuple } from './types.js';

type Typed = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type TypedConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): Typed; BYTES_PER_ELEMENT: number };

/** Little-endian dtype strings that JS has a typed array for. */
const VIEWS: Record<string, TypedConstructor> = {
  '|i1': Int8Array, '|u1': Uint8Array, '|b1': Uint8Array,
  '<i2': Int16Array, '<u2': Uint16Array, '<i4': Int32Array, '<u4': Uint32Array,
  '<i8': BigInt64Array, '<u8': BigUint64Array, '<f4': Float32Array, '<f8': Float64Array,
};

function latin1Bytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Uint8Array.from(value, (c) => c.charCodeAt(0));
  throw new UnpicklingError(`${what} must be bytes`);
}

/** numpy.dtype: the type code ('f8'), the byte order from its state, the state itself to write back. */
export class DType {
  name: string;
  state: unknown[] | null = null;

  constructor(name: unknown, _align?: unknown, _copy?: unknown) {
    if (typeof name !== 'string' || !/^[a-zA-Z]\d*$/.test(name)) throw new UnpicklingError(`unsupported numpy dtype ${String(name).slice(0, 20)}`);
    this.name = name;
  }

  /** numpy's dtype.str, e.g. '<f8' ('=' native order is little-endian here). */
  get str(): string {
    const order = this.state && typeof this.state[1] === 'string' ? this.state[1] : '|';
    const size = Number(this.name.slice(1));
    if (order === '|' || size === 1 || this.name[0] === 'b') return `|${this.name}`;
    return `${order === '>' || order === '!' ? '>' : '<'}${this.name}`;
  }

  /** The dtype of a dtype.str, with the state numpy writes for plain numbers. */
  static fromString(str: string): DType {
    const dtype = new DType(str.slice(1));
    dtype.state = [3, str[0], null, null, null, -1, -1, 0];
    return dtype;
  }

  __setstate__(state: unknown): void {
    if (!Array.isArray(state) || state.length < 2) throw new UnpicklingError('bad numpy dtype state');
    this.state = state;
  }

  __reduce__(): unknown[] {
    return [DType, [this.name, false, true], Tuple.fromArray(this.state ?? [3, '|', null, null, null, -1, -1, 0])];
  }
}

function dtypeOf(value: unknown): DType {
  if (value instanceof DType) return value;
  throw new UnpicklingError('expected a numpy dtype');
}

/** A typed view of `bytes` for `dtype` (zero-copy when aligned), or the bytes themselves when JS has no view of it. */
function typedData(dtype: string, bytes: Uint8Array): Typed {
  const View = VIEWS[dtype];
  if (View === undefined || View === Uint8Array) return bytes;
  const size = View.BYTES_PER_ELEMENT;
  if (bytes.length % size !== 0) throw new UnpicklingError(`numpy data of ${bytes.length} bytes is not a whole number of ${dtype}`);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new View(aligned.buffer, aligned.byteOffset, aligned.length / size);
}

function shapeOf(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
    throw new UnpicklingError('numpy shape must be a tuple of non-negative ints');
  }
  return [...value];
}

/** The shape must account for the data exactly (a pickle could claim any shape). */
function checkSize(array: NDArray): void {
  const count = array.shape.reduce((a, b) => a * b, 1);
  const { data } = array;
  const items = Array.isArray(data) ? data.length : data.length / (data instanceof Uint8Array ? itemSize(array.dtype) : 1);
  if (count !== items) throw new UnpicklingError(`numpy shape (${array.shape.join(', ')}) does not fit ${items} items of ${array.dtype}`);
}

/** Bytes per item of a dtype.str such as '<f8' or '|S5'. */
function itemSize(dtype: string): number {
  const size = Number(dtype.slice(2));
  return dtype[1] === 'U' ? size * 4 : size || 1;
}

/** A numpy ndarray: dtype as numpy's dtype.str ('<f8'), shape, memory order and the data as a TypedArray. */
export class NDArray {
  dtype: string;
  shape: number[];
  order: 'C' | 'F';
  /** A TypedArray for little-endian numbers and bools (Uint8Array), a Uint8Array of the raw bytes for the rest, an Array for object arrays. */
  data: Typed | unknown[];
  /** The dtype as the pickle had it, written back unchanged. */
  private descr?: DType;

  constructor(dtype: string, shape: number[], data: Typed | unknown[], order: 'C' | 'F' = 'C') {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
    this.order = order;
  }

  /** BUILD after _reconstruct: (version, shape, dtype, is_fortran, rawdata). */
  __setstate__(state: unknown): void {
    if (!Array.isArray(state) || state.length < 5) throw new UnpicklingError('bad numpy array state');
    const [, shape, dtype, fortran, raw] = state.length === 5 ? state : [1, ...state];
    const descr = dtypeOf(dtype);
    Object.defineProperty(this, 'descr', { value: descr, writable: true, enumerable: false, configurable: true });
    this.dtype = descr.str;
    this.shape = shapeOf(shape);
    this.order = fortran ? 'F' : 'C';
    this.data = Array.isArray(raw) ? raw : typedData(this.dtype, latin1Bytes(raw, 'numpy array data'));
    checkSize(this);
  }

  private bytes(): Uint8Array {
    if (Array.isArray(this.data)) throw new UnpicklingError('object arrays cannot be written');
    return new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  __reduce_ex__(protocol: number): unknown[] {
    const dtype = this.descr ?? DType.fromString(this.dtype);
    if (protocol >= 5 && !Array.isArray(this.data)) {
      return [frombuffer, [new PickleBuffer(this.bytes(), false), dtype, Tuple.fromArray(this.shape), this.order]];
    }
    const raw = Array.isArray(this.data) ? this.data : this.bytes();
    return [reconstruct, [NDArray, Tuple.of(0), Uint8Array.of(0x62)], Tuple.fromArray<unknown>([1, Tuple.fromArray(this.shape), dtype, this.order === 'F', raw])];
  }
}

/** numpy.core.multiarray._reconstruct(ndarray, shape, typecode): an empty array, filled by BUILD. */
export function reconstruct(cls: unknown): NDArray {
  if (cls !== NDArray) throw new UnpicklingError('_reconstruct: only numpy.ndarray is supported');
  return new NDArray('|u1', [0], new Uint8Array(0));
}

/** numpy.core.numeric._frombuffer(buffer, dtype, shape, order): protocol 5 arrays. */
export function frombuffer(buffer: unknown, dtype: unknown, shape: unknown, order: unknown): NDArray {
  const descr = dtypeOf(dtype);
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : buffer instanceof PickleBuffer ? buffer.data : latin1Bytes(buffer, '_frombuffer buffer');
  const array = new NDArray(descr.str, shapeOf(shape), typedData(descr.str, bytes), order === 'F' ? 'F' : 'C');
  checkSize(array);
  Object.defineProperty(array, 'descr', { value: descr, writable: true, enumerable: false, configurable: true });
  return array;
}

/** numpy.core.multiarray.scalar(dtype, bytes): a numpy scalar, as a JS number (bigint beyond 2^53, boolean, Complex). */
export function scalar(dtype: unknown, raw: unknown): unknown {
  const str = dtypeOf(dtype).str;
  const bytes = latin1Bytes(raw, 'numpy scalar data').slice();
  const view = new DataView(bytes.buffer);
  const little = str[0] !== '>';
  const read = (size: number, signed: boolean): number | bigint => {
    if (size === 8) {
      const v = signed ? view.getBigInt64(0, little) : view.getBigUint64(0, little);
      return v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v;
    }
    const n = size === 1 ? (signed ? view.getInt8(0) : view.getUint8(0)) : size === 2 ? (signed ? view.getInt16(0, little) : view.getUint16(0, little)) : signed ? view.getInt32(0, little) : view.getUint32(0, little);
    return n;
  };
  const kind = str[1];
  const size = Number(str.slice(2));
  if (bytes.length !== size) throw new UnpicklingError(`numpy scalar of ${str} needs ${size} bytes`);
  if (kind === 'b') return bytes[0] !== 0;
  if (kind === 'i' || kind === 'u') return read(size, kind === 'i');
  if (kind === 'f' && size === 8) return view.getFloat64(0, little);
  if (kind === 'f' && size === 4) return view.getFloat32(0, little);
  if (kind === 'c' && (size === 16 || size === 8)) {
    const half = size / 2;
    const part = (at: number) => (half === 8 ? view.getFloat64(at, little) : view.getFloat32(at, little));
    return new Complex(part(0), part(half));
  }
  throw new UnpicklingError(`numpy scalars of dtype ${str} are not supported`);
}

const core = { _reconstruct: reconstruct, scalar };
const numeric = { _frombuffer: frombuffer };

/** The numpy globals, by module, for the default registry (numpy 1 names first: they are the ones written). */
export const numpyModules: Record<string, Record<string, Function>> = {
  numpy: { ndarray: NDArray, dtype: DType },
  'numpy.core.multiarray': core,
  'numpy.core.numeric': numeric,
  'numpy._core.multiarray': core,
  'numpy._core.numeric': numeric,
};

