// The module registry: the explicit map between Python names and JS values.
// It is also the allowlist that makes loading safe: a pickle reaches only
// what was registered here (or in a parent registry).
import { builtins, codecsEncode, newobj, newobjEx, reconstructor } from './builtins.js';

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
    return this.extensionCodes.get(`${module}\n${qualname}`) ?? this.parent?.extensionCode(module, qualname);
  }
}

/** The default registry: what CPython writes for the built-in types, and nothing else. */
export const registry: Registry = new Registry(null)
  .registerModule('builtins', builtins)
  .register('_codecs', 'encode', codecsEncode)
  .register('copyreg', '_reconstructor', reconstructor)
  .register('copyreg', '__newobj__', newobj)
  .register('copyreg', '__newobj_ex__', newobjEx);
