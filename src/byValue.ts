// Classes and functions by value, as dill and cloudpickle do for Python: the
// name, the bases, the static data and the JS source text. Python's own way,
// type(name, bases, dict), makes a class without code; re-creating code from
// source runs what the pickle says, so loads does it only with allowCode.
import { UnpicklingError } from './errors.js';
import { isClass } from './objects.js';

/** Callables that make code from a pickle: loads refuses them unless allowCode. */
export const MAKES_CODE = Symbol('pickle-wasm makes code');

const sources = new WeakMap<Function, string>();

function defineStatics(target: Function, statics: unknown): void {
  if (statics === null || statics === undefined) return;
  const entries = statics instanceof Map ? [...statics] : Object.entries(statics as object);
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new UnpicklingError('class attribute names must be str');
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  }
}

/** Python's type(name, bases, dict): a JS class of that name, extending the first base that is a JS class, with dict's entries as static properties. */
export function type(name: unknown, bases: unknown = [], dict: unknown = null): Function {
  if (typeof name !== 'string') throw new UnpicklingError('type() name must be a str');
  if (!Array.isArray(bases)) throw new UnpicklingError('type() bases must be a tuple');
  const base = bases.find((b): b is new () => object => typeof b === 'function' && isClass(b));
  const cls = base ? { [name]: class extends base {} }[name] : { [name]: class {} }[name];
  defineStatics(cls, dict);
  return cls;
}

/** The static data a class carries by value: its own enumerable properties. */
export function staticsOf(cls: Function): Record<string, unknown> {
  return Object.fromEntries(Object.keys(cls).map((key) => [key, (cls as unknown as Record<string, unknown>)[key]]));
}

function evaluate(source: string, what: string, base?: unknown): Function {
  const heritage = /^class\s*[\w$]*\s*extends\s+([\w$]+)\s*\{/.exec(source);
  let made: unknown;
  try {
    made = heritage ? new Function(heritage[1], `return (${source});`)(base) : new Function(`return (${source});`)();
  } catch (error) {
    throw new UnpicklingError(`cannot re-create ${what} from its source: ${(error as Error).message}`, {}, { cause: error });
  }
  if (typeof made !== 'function') throw new UnpicklingError(`the source of ${what} is not a function`);
  sources.set(made, source);
  return made;
}

/** Re-creates a class pickled by value (name, source, bases, statics). */
export const classFromSource = Object.assign(
  (name: unknown, source: unknown, bases: unknown, statics: unknown): Function => {
    if (typeof name !== 'string' || typeof source !== 'string' || !Array.isArray(bases)) throw new UnpicklingError('bad class-by-value arguments');
    const cls = evaluate(source, `class ${name}`, bases[0]);
    defineStatics(cls, statics);
    return cls;
  },
  { [MAKES_CODE]: true },
);

/** Re-creates a function pickled by value (name, source). */
export const functionFromSource = Object.assign(
  (name: unknown, source: unknown): Function => {
    if (typeof name !== 'string' || typeof source !== 'string') throw new UnpicklingError('bad function-by-value arguments');
    return evaluate(source, `function ${name}`);
  },
  { [MAKES_CODE]: true },
);

/**
 * The source of a class or function, as dill.source.getsource: what it was
 * re-created from when it was loaded by value, else its JS text.
 */
export function getSource(cls: Function): string | undefined {
  if (typeof cls !== 'function') return undefined;
  return sources.get(cls) ?? Function.prototype.toString.call(cls);
}
