// Issue #5's targets, each judged from one run's cells: met, not met (with
// the cells that miss it), or not measured in this run (a --filter or
// --quick run, or python3 missing). Where a target is missed, the floor
// measured beside it in the same run says how far down any JS loader of
// that pickle could go (bench/bareLoop.mjs, bench/values.mjs), and a cell
// whose calls take fresh pages says what share of its time they took.

const name = (r) => `${r.name} p${r.protocol}`;
const ratio = (a, b) => (a && b ? a / b : null);
const fixed = (x) => (x < 0.01 ? x.toExponential(1) : x.toFixed(2));

/** Each row's ratio of `ours` to `theirs` where both were measured. */
function ratios(rows, ours, theirs, where = () => true) {
  return rows.filter(where).flatMap((r) => {
    const value = ratio(r.us[ours], r.us[theirs]);
    return value === null ? [] : [{ r, value }];
  });
}

/** A target met when every ratio is at most `bound`. */
function bounded(target, cells, bound, floorOf = () => '') {
  if (cells.length === 0) return { target, met: null, detail: '' };
  const missed = cells.filter((c) => c.value > bound);
  const highest = cells.reduce((a, b) => (b.value > a.value ? b : a));
  const detail = missed.length === 0
    ? `${cells.length} of ${cells.length} cells; highest ${fixed(highest.value)} (${name(highest.r)})`
    : `missed by ${missed.length} of ${cells.length} cells: ${missed.map((c) => `${name(c.r)} ${fixed(c.value)}${floorOf(c.r)}`).join(', ')}`;
  return { target, met: missed.length === 0, detail };
}

/** The floor measured beside a missed msgpackr cell, as a ratio to msgpackr's time. */
function msgpackrFloor(r) {
  const parts = [];
  const bare = ratio(r.us['bare JS loop'], r.us['msgpackr unpack']);
  if (bare !== null) parts.push(`a bare JS loop over its opcodes ${fixed(bare)}`);
  const values = ratio(r.us['values alone'], r.us['msgpackr unpack']);
  if (values !== null) parts.push(`making its exact values alone ${fixed(values)}`);
  const same = ratio(r.us['pickle-wasm loads'], r.us['msgpackr unpack, same values']);
  if (same !== null) parts.push(`ours ÷ msgpackr on the same values ${fixed(same)}`);
  return parts.length === 0 ? '' : ` (floor: ${parts.join('; ')})`;
}

/** Fewer faults a call than this (under 1 MiB of fresh pages) are not worth a note. */
const MANY_FAULTS = 256;

/**
 * For a missed cell whose calls take many fresh pages: the page faults a
 * call on both sides, and about what share of our time they took at the
 * cost of a fresh page measured in the same run (`pageFaultUs`).
 */
const faultNote = (ours, theirs, label, pageFaultUs) => (r) => {
  const mine = r.faults?.[ours];
  if (!(mine >= MANY_FAULTS) || !pageFaultUs) return '';
  const share = Math.min(1, (mine * pageFaultUs) / r.us[ours]);
  const other = r.faults[theirs] === undefined ? '' : `, ${label} ${r.faults[theirs].toFixed(0)}`;
  return ` (page faults a call: ours ${mine.toFixed(0)}${other}; ≈ ${(share * 100).toFixed(0)}% of our time at ${pageFaultUs.toFixed(1)} µs each)`;
};

/**
 * The targets of issue #5 against the rows of one run; `pageFaultUs`, the
 * time a fresh page cost in that run (µs), lets missed cells say how much of
 * their time went to page faults.
 */
export function judgeTargets(rows, pageFaultUs = null) {
  const bytes64 = rows.filter((r) => r.name === 'bytes_64m');
  const large = (r) => r.bytes > 100 * 1024 && r.us['pickleparser loads'] > 1000;
  const rss = rows.filter((r) => r.rss);
  return [
    bounded('loads at most CPython\'s C pickle.loads, every payload', ratios(rows, 'pickle-wasm loads', 'CPython loads'), 1,
      faultNote('pickle-wasm loads', 'CPython loads', 'CPython', pageFaultUs)),
    bounded('loads at most a fifth of pickleparser\'s, payloads over 100 kB it takes over 1 ms on', ratios(rows, 'pickle-wasm loads', 'pickleparser loads', large), 0.2,
      faultNote('pickle-wasm loads', 'pickleparser loads', 'pickleparser', pageFaultUs)),
    bounded('dumps at most CPython\'s C pickle.dumps, every payload', ratios(rows, 'pickle-wasm dumps', 'CPython dumps'), 1,
      faultNote('pickle-wasm dumps', 'CPython dumps', 'CPython', pageFaultUs)),
    bounded('dumps output no larger than CPython\'s', rows.filter((r) => r.dumpsBytes).map((r) => ({ r, value: r.dumpsBytes / r.bytes })), 1),
    // a view: its time does not grow with the payload, so a thousandth of a copy of it is a generous bound
    bounded('64 MiB bytes loads O(1) at protocol 5 (time ÷ a copy of the payload)', ratios(bytes64, 'pickle-wasm loads', 'memory copy', (r) => r.protocol === 5), 0.001),
    bounded('64 MiB bytes dumps at memory-copy speed at protocol 5 (time ÷ a copy of the payload, within 10%)', ratios(bytes64, 'pickle-wasm dumps', 'memory copy', (r) => r.protocol === 5), 1.1),
    bounded('at or below msgpackr\'s time on the JSON-equivalent data', ratios(rows, 'pickle-wasm loads', 'msgpackr unpack'), 1, msgpackrFloor),
    {
      target: 'peak RSS of loads, 100k records and 64 MiB bytes',
      met: rss.length === 0 ? null : true,
      detail: rss.map((r) => `${name(r)} ${r.rss.peak.toFixed(0)} MiB (${r.rss.before.toFixed(0)} MiB before the load)`).join(', '),
    },
  ];
}

/** The targets as Markdown list items. */
export function targetLines(targets) {
  const mark = { true: 'met', false: '**not met**', null: 'not measured in this run' };
  return targets.map((t) => `- ${t.target}: ${mark[t.met]}${t.detail && `; ${t.detail}`}`);
}
