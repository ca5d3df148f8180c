// The rare repair behind `dicts: 'auto'`: a dict is built as a plain object
// until a non-str key arrives and it becomes a Map. If the object was already
// referenced elsewhere (a dict that contains itself before that key, say),
// those references are replaced here, in one iterative walk of the result.
import { isPlainObject } from './objects.js';
import { PyObject } from './types.js';

type Replacements = Map<object, Map<unknown, unknown>>;

/** `root` with every reference to a converted dict replaced by its Map. */
export function replaceConverted(root: unknown, replacements: Replacements): unknown {
  const swap = (value: unknown): unknown => (typeof value === 'object' && value !== null && replacements.get(value)) || value;
  const seen = new Set<object>();
  const pending: unknown[] = [swap(root)];
  const visit = (value: unknown): unknown => {
    const current = swap(value);
    if (typeof current === 'object' && current !== null && !seen.has(current)) pending.push(current);
    return current;
  };
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = visit(value[i]);
    } else if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => [visit(k), visit(v)] as const);
      value.clear();
      for (const [k, v] of entries) value.set(k, v);
    } else if (value instanceof Set) {
      const members = [...value].map(visit);
      value.clear();
      for (const member of members) value.add(member);
    } else if (value instanceof PyObject) {
      if (value.args) value.args = value.args.map(visit);
      value.state = visit(value.state);
      if (value.listItems) value.listItems = value.listItems.map(visit);
      if (value.dictItems) value.dictItems = value.dictItems.map(([k, v]) => [visit(k), visit(v)]);
    } else if (isPlainObject(value) || !ArrayBuffer.isView(value)) {
      for (const key of Object.keys(value)) {
        const descriptor = Object.getOwnPropertyDescriptor(value, key);
        if (descriptor && 'value' in descriptor && descriptor.writable) {
          Object.defineProperty(value, key, { ...descriptor, value: visit(descriptor.value) });
        }
      }
    }
  }
  return swap(root);
}
