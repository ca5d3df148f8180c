import { OPCODE_NAMES, OPCODE_TABLE } from './opcodes.js';

const names: string[] = [];
OPCODE_TABLE.forEach(([code], i) => (names[code] = OPCODE_NAMES[i]));

/** The name of an opcode byte, e.g. "BINGET", for messages. */
export function opcodeName(code: number | undefined): string {
  if (code === undefined) return 'end of input';
  return names[code] ?? `opcode 0x${code.toString(16).padStart(2, '0')}`;
}
