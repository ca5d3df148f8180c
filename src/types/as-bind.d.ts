// package.json "imports" maps #as-bind to as-bind's ESM or CJS runtime build
// (the package's own "main" is its compiler transform).
declare module '#as-bind' {
  export interface BoundInstance {
    exports: Record<string, (...args: unknown[]) => unknown>;
    loadedModule: { exports: Record<string, unknown>; instance: WebAssembly.Instance };
  }
  export function instantiateSync(source: Uint8Array, imports: object): BoundInstance;
  export function instantiate(source: Uint8Array, imports: object): Promise<BoundInstance>;
}
