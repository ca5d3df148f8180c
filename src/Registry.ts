// The module registry: the explicit map between Python names and JS values.
// It is also the allowlist that makes loading safe: a pickle reaches only
// what was registered here (or in a parent registry).
import { builtins, codecsEncode, newobj, newobjEx, reconstructor } from './builtins.js';
import { classFromSource, functionFromSource } from './byValue.js';
import { numpyModules } from './numpy.js';
import { collectionsModule } from './stdlib/collections.js';
import { dateReducer, datetimeModule } from './stdlib/datetime.js';
import { Decimal, Fraction, UUID } from './stdlib/values.js';

/** What registerReducer takes: like copyreg.pickle's function, it returns a reduce value. */
export type Reducer = (obj: any) => unknown[];

export interface QualifiedName {
  module: string;
  qualname: string;
}

type Registrable = object | Function;

export class Registry {
  readonly parent: Registry | null;
  private readonly modules = new Map<string, Map<string, Registrable>>();
  private readonly names = new Map<unknown, QualifiedName>();
  private readonly extensionNames = new Map<number, QualifiedName>();
  private readonly extensionCodes = new Map<string, number>();
  private readonly reducers = new Map<Function, Reducer>();

  /** `parent` defaults to the default registry, so built-ins resolve; pass null for an empty one. */
  constructor(parent?: Registry | null) {
    this.parent = parent === undefined ? registry : parent;
  }

  /** Makes `value` what `module.qualname` names. A name already taken by another value throws. */
  register(module: string, qualname: string, value: Registrable): this {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      throw new TypeError(`register('${module}', '${qualname}'): the value must be an object or a function`);
    }
    let members = this.modules.get(module);
    if (members === undefined) this.modules.set(module, (members = new Map()));
    const taken = members.get(qualname);
    if (taken !== undefined && taken !== value) {
      throw new Error(`${module}.${qualname} is already registered to another value`);
    }
    members.set(qualname, value);
    if (!this.names.has(value)) this.names.set(value, { module, qualname });
    return this;
  }

  /** Registers every own enumerable member of `members` under `module`. */
  registerModule(module: string, members: Record<string, Registrable>): this {
    for (const qualname of Object.keys(members)) this.register(module, qualname, members[qualname]);
    return this;
  }

  /** The value registered as `module.qualname` here, else in the parent; never an inherited JS property. */
  lookup(module: string, qualname: string): unknown | undefined {
    const value = this.modules.get(module)?.get(qualname);
    if (value !== undefined) return value;
    return this.parent?.lookup(module, qualname);
  }

  /** The name `value` was first registered under, here or in the parent. */
  nameOf(value: unknown): QualifiedName | undefined {
    return this.names.get(value) ?? this.parent?.nameOf(value);
  }

  /** copyreg.pickle / a Pickler's dispatch_table: how to reduce instances of `cls` (exactly that class), which you may not own. */
  registerReducer(cls: Function, reducer: Reducer): this {
    if (typeof cls !== 'function' || typeof reducer !== 'function') throw new TypeError('registerReducer(cls, reducer) takes two functions');
    this.reducers.set(cls, reducer);
    return this;
  }

  /** The reducer registered for `cls`, here or in the parent. */
  reducerFor(cls: Function): Reducer | undefined {
    return this.reducers.get(cls) ?? this.parent?.reducerFor(cls);
  }

  /** copyreg.add_extension: EXT1/EXT2/EXT4 `code` stands for `module.qualname`. */
  registerExtension(module: string, qualname: string, code: number): this {
    if (!Number.isInteger(code) || code < 1 || code > 0x7fffffff) throw new RangeError(`extension code ${code} is out of range`);
    const key = `${module}\n${qualname}`;
    const existing = this.extensionNames.get(code);
    if ((existing && `${existing.module}\n${existing.qualname}` !== key) || (this.extensionCodes.has(key) && this.extensionCodes.get(key) !== code)) {
      throw new Error(`extension code ${code} or ${module}.${qualname} is already registered otherwise`);
    }
    this.extensionNames.set(code, { module, qualname });
    this.extensionCodes.set(key, code);
    return this;
  }

  /** The name an extension code stands for. */
  extension(code: number): QualifiedName | undefined {
    return this.extensionNames.get(code) ?? this.parent?.extension(code);
  }

  /** The extension code of a name, if it has one. */
  extensionCode(module: string, qualname: string): number | undefined {
    // (most registries have none: no key to build)
    const code = this.extensionCodes.size > 0 ? this.extensionCodes.get(`${module}\n${qualname}`) : undefined;
    return code ?? this.parent?.extensionCode(module, qualname);
  }
}

/**
 * The default registry: what CPython writes for the built-in types, the
 * standard types (datetime, decimal, uuid, collections, fractions) and numpy
 * arrays — data, never code: nothing in it runs what a pickle says, except the
 * by-value makers, which loads refuses unless allowCode.
 */
export const registry: Registry = new Registry(null)
  .registerModule('builtins', builtins)
  .register('_codecs', 'encode', codecsEncode)
  .register('copyreg', '_reconstructor', reconstructor)
  .register('copyreg', '__newobj__', newobj)
  .register('copyreg', '__newobj_ex__', newobjEx)
  .registerModule('datetime', datetimeModule)
  .registerReducer(Date, dateReducer)
  .register('decimal', 'Decimal', Decimal)
  .register('uuid', 'UUID', UUID)
  .register('fractions', 'Fraction', Fraction)
  .registerModule('collections', collectionsModule)
  .register('pickle_wasm', 'class_from_source', classFromSource)
  .register('pickle_wasm', 'function_from_source', functionFromSource);
for (const [module, members] of Object.entries(numpyModules)) registry.registerModule(module, members);
