// decimal.Decimal, fractions.Fraction and uuid.UUID: numbers JS has no type for.
import { UnpicklingError } from '../errors.js';

/** decimal.Decimal, kept as its exact text (CPython pickles it as str(self)). */
export class Decimal {
  readonly value: string;

  constructor(value: unknown = '0') {
    if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
    // One way to match any text (no nested or adjacent repeats): linear on hostile input.
    const text = typeof value === 'string' ? value.trim() : '';
    if (!/^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|s?nan\d*)$/i.test(text)) {
      throw new UnpicklingError(`invalid Decimal literal: ${String(value).slice(0, 40)}`);
    }
    this.value = text;
  }

  toString(): string {
    return this.value;
  }

  __reduce__(): [unknown, unknown[]] {
    return [Decimal, [this.value]];
  }
}

function bigint(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new UnpicklingError(`${what} must be an integer`);
}

/** fractions.Fraction: numerator / denominator, in lowest terms with a positive denominator. */
export class Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;

  constructor(numerator: unknown = 0n, denominator: unknown = 1n) {
    if (typeof numerator === 'string') {
      const match = /^([+-]?\d+)(?:\/(\d+))?$/.exec(numerator.replace(/\s/g, ''));
      if (!match) throw new UnpicklingError(`invalid Fraction literal: ${numerator.slice(0, 40)}`);
      [numerator, denominator] = [BigInt(match[1]), BigInt(match[2] ?? 1)];
    }
    let n = bigint(numerator, 'numerator');
    let d = bigint(denominator, 'denominator');
    if (d === 0n) throw new UnpicklingError('Fraction with denominator 0');
    if (d < 0n) [n, d] = [-n, -d];
    let [a, b] = [n < 0n ? -n : n, d];
    while (b !== 0n) [a, b] = [b, a % b];
    this.numerator = n / a;
    this.denominator = d / a;
  }

  valueOf(): number {
    return Number(this.numerator) / Number(this.denominator);
  }

  __reduce__(): [unknown, unknown[]] {
    return [Fraction, [this.numerator, this.denominator]];
  }
}

/** uuid.UUID, held as its 128-bit int (CPython pickles the state {'int': n}). */
export class UUID {
  int: bigint;

  constructor(hex: string) {
    const digits = hex.replace(/^urn:uuid:|[{}-]/g, '');
    if (!/^[0-9a-f]{32}$/i.test(digits)) throw new TypeError(`badly formed UUID string: ${hex}`);
    this.int = BigInt('0x' + digits);
  }

  get hex(): string {
    return this.int.toString(16).padStart(32, '0');
  }

  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  __getstate__(): Record<string, unknown> {
    return { int: this.int };
  }

  __setstate__(state: unknown): void {
    const value = (state instanceof Map ? state.get('int') : (state as Record<string, unknown> | null)?.int) as unknown;
    const n = bigint(value, 'UUID int');
    if (n < 0n || n >= 1n << 128n) throw new UnpicklingError('UUID int out of range');
    this.int = n;
  }
}
