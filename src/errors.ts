/** Where in a pickle something went wrong. */
export interface PickleLocation {
  /** Opcode name, e.g. "BINGET". */
  opcode?: string;
  /** Byte offset of the opcode in the pickle. */
  offset?: number;
}

/** Every failure to load bad input: names the opcode and the byte offset where it happened. */
export class UnpicklingError extends Error implements PickleLocation {
  opcode?: string;
  offset?: number;
  /** The reason alone, without the location. */
  readonly reason: string;

  constructor(reason: string, location: PickleLocation = {}, options?: { cause?: unknown }) {
    super(UnpicklingError.format(reason, location), options);
    this.name = 'UnpicklingError';
    this.reason = reason;
    this.opcode = location.opcode;
    this.offset = location.offset;
  }

  private static format(reason: string, { opcode, offset }: PickleLocation): string {
    if (offset === undefined) return reason;
    return `${opcode ?? 'opcode'} at byte ${offset}: ${reason}`;
  }

  /** This error with a location, if it has none yet. */
  locate(location: PickleLocation): UnpicklingError {
    if (this.offset !== undefined) return this;
    return new UnpicklingError(this.reason, location, { cause: this.cause });
  }
}

/** Every failure to write a value: names what could not be pickled and where it sits. */
export class PicklingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PicklingError';
  }
}
