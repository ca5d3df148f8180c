// The globals that dumps write (classes and functions, by name), kept by
// module and qualname: each one's GLOBAL lines (protocols 0-3) are made once,
// and an entry holds the dump that last wrote it and the memo index it got
// there, so that a global met again in that dump is a GET, as strTable's
// entries do for strs (a dump inside another, through a hook, may take an
// entry over: the outer dump then writes the global again, never a wrong
// GET). Two Map lookups by the names' own strings, whose hashes V8 keeps: a
// "module\nqualname" made for each lookup was hashed anew every time.

export interface GlobalEntry {
  readonly module: string;
  readonly qualname: string;
  /** "module\nqualname" for GLOBAL as it is, and with fixImports' Python 2 renames: made when first needed. */
  line: string | undefined;
  fixedLine: string | undefined;
  /** The dump (beginDump's number) that last wrote the global (0: none yet), and the memo index it got there. */
  dump: number;
  index: number;
}

/** Entries kept: beyond, the table starts over between dumps (stubs from pickles may name any number of globals). */
const MAX_ENTRIES = 1024;
const byModule = new Map<string, Map<string, GlobalEntry>>();
let size = 0;

/** The entry of global module.qualname, made if new. */
export function globalEntry(module: string, qualname: string): GlobalEntry {
  let byQualname = byModule.get(module);
  if (byQualname === undefined) byModule.set(module, (byQualname = new Map()));
  let entry = byQualname.get(qualname);
  if (entry === undefined) {
    entry = { module, qualname, line: undefined, fixedLine: undefined, dump: 0, index: 0 };
    byQualname.set(qualname, entry);
    size++;
  }
  return entry;
}

/** Empties the table if it holds more than MAX_ENTRIES; only between dumps (an entry holds its dump's memo index). */
export function startGlobalsOverIfFull(): void {
  if (size <= MAX_ENTRIES) return;
  byModule.clear();
  size = 0;
}
