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

// The other way, for writing protocols 0–2 with fixImports (as Python's
// REVERSE_IMPORT_MAPPING / REVERSE_NAME_MAPPING), for the names this library writes.
const REVERSE_IMPORT_MAPPING: Record<string, string> = {
  builtins: '__builtin__',
  copyreg: 'copy_reg',
  queue: 'Queue',
  reprlib: 'repr',
  _thread: 'thread',
};

const REVERSE_NAME_MAPPING: Record<string, [string, string]> = {
  'builtins\nrange': ['__builtin__', 'xrange'],
  'builtins\nstr': ['__builtin__', 'unicode'],
  'builtins\nint': ['__builtin__', 'long'],
  'builtins\nchr': ['__builtin__', 'unichr'],
  'functools\nreduce': ['__builtin__', 'reduce'],
  'collections\nUserDict': ['UserDict', 'IterableUserDict'],
  'collections\nUserList': ['UserList', 'UserList'],
  'collections\nUserString': ['UserString', 'UserString'],
};

/** The Python 2 name of a global, for protocols 0–2. */
export function reverseFixImport(module: string, qualname: string): [string, string] {
  const key = `${module}\n${qualname}`;
  if (Object.hasOwn(REVERSE_NAME_MAPPING, key)) return REVERSE_NAME_MAPPING[key];
  if (Object.hasOwn(REVERSE_IMPORT_MAPPING, module)) return [REVERSE_IMPORT_MAPPING[module], qualname];
  return [module, qualname];
}
