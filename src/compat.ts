// Python 2 module and class names, mapped to their Python 3 names as
// Python's `fix_imports=True` does when loading protocols 0–2 (from
// CPython's Lib/_compat_pickle.py: the part that matters for data).

const IMPORT_MAPPING: Record<string, string> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  exceptions: 'builtins',
  Queue: 'queue',
  repr: 'reprlib',
  _abcoll: 'collections.abc',
  UserDict: 'collections',
  UserList: 'collections',
  UserString: 'collections',
  urlparse: 'urllib.parse',
  httplib: 'http.client',
  Cookie: 'http.cookies',
  xmlrpclib: 'xmlrpc.client',
  thread: '_thread',
};

const NAME_MAPPING: Record<string, [string, string]> = {
  '__builtin__\nxrange': ['builtins', 'range'],
  '__builtin__\nreduce': ['functools', 'reduce'],
  '__builtin__\nintern': ['sys', 'intern'],
  '__builtin__\nunichr': ['builtins', 'chr'],
  '__builtin__\nunicode': ['builtins', 'str'],
  '__builtin__\nlong': ['builtins', 'int'],
  '__builtin__\nbasestring': ['builtins', 'str'],
  'itertools\nizip': ['builtins', 'zip'],
  'itertools\nimap': ['builtins', 'map'],
  'itertools\nifilter': ['builtins', 'filter'],
  'UserDict\nIterableUserDict': ['collections', 'UserDict'],
  'UserDict\nUserDict': ['collections', 'UserDict'],
  'UserList\nUserList': ['collections', 'UserList'],
  'UserString\nUserString': ['collections', 'UserString'],
  'exceptions\nStandardError': ['builtins', 'Exception'],
};

/** The Python 3 name of a global that a Python 2 pickle names. */
export function fixImport(module: string, qualname: string): [string, string] {
  const key = `${module}\n${qualname}`;
  if (Object.hasOwn(NAME_MAPPING, key)) return NAME_MAPPING[key];
  if (Object.hasOwn(IMPORT_MAPPING, module)) return [IMPORT_MAPPING[module], qualname];
  return [module, qualname];
}
