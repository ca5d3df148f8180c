// Functions compiled once per argument count, for what V8 does best with a
// fixed count written out: a builtin call with its arguments in registers
// (String.fromCharCode), an array literal allocated at its size inline.

/**
 * For each n up to `max`, a function of `params` returning `wrap` of n
 * expressions joined by commas, the i-th `item(i)`. Compiled once when the
 * module loads; null where compiling is refused (a Content-Security-Policy
 * without 'unsafe-eval', or Node's --disallow-code-generation-from-strings),
 * and then the caller makes the value another way.
 */
export function compileBySize<F>(max: number, params: string[], wrap: (items: string) => string, item: (i: number) => string): F[] | null {
  try {
    return Array.from({ length: max + 1 }, (_, n) => {
      const items = Array.from({ length: n }, (_, i) => item(i)).join(', ');
      return new Function(...params, `return ${wrap(items)};`) as F;
    });
  } catch {
    return null;
  }
}
