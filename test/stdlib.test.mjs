// Standard types round-trip with CPython: datetime (date, time, datetime,
// timedelta, timezone), decimal, uuid, collections (OrderedDict, deque,
// defaultdict), fractions, range, slice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Decimal, DefaultDict, Deque, Fraction, OrderedDict, PyDate, PyDateTime, PyTime, Range, Slice, TimeDelta, TimeZone, UUID,
  builtins, dumps, loads,
} from 'pickle-wasm';
import { needsPython, pythonCompare, runPythonCode } from './helpers/python.mjs';

const ALL = [0, 1, 2, 3, 4, 5];
const IMPORTS = 'import datetime, decimal, uuid, collections, fractions';
const VALUES = `[
  datetime.date(2024, 1, 31), datetime.date(1, 1, 1), datetime.date(9999, 12, 31),
  datetime.time(23, 59, 58, 999999), datetime.time(1, 2, 3, 4, tzinfo=datetime.timezone.utc, fold=1),
  datetime.datetime(2024, 2, 29, 12, 30, 45, 123456),
  datetime.datetime(2021, 11, 7, 1, 30, fold=1),
  datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30), 'X')),
  datetime.timedelta(days=-1, seconds=5, microseconds=7), datetime.timedelta(days=999999999),
  datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=2)),
  decimal.Decimal('-1.50'), decimal.Decimal('NaN'), decimal.Decimal('1E+100'),
  uuid.UUID('12345678-1234-5678-1234-567812345678'), uuid.UUID(int=5),
  collections.OrderedDict([('b', 1), ('a', [2])]), collections.deque([1, 'x']), collections.deque([3], maxlen=4),
  collections.defaultdict(list, {'k': [1]}), collections.defaultdict(None),
  fractions.Fraction(-3, 4), fractions.Fraction(10**30, 7),
  range(1, 10, 2), range(-5), slice(1, None, 2), slice(None),
]`;

test('standard types load to their JS classes at every protocol', { skip: needsPython }, () => {
  for (const protocol of ALL) {
    const pickle = runPythonCode(`${IMPORTS}, pickle, sys\nsys.stdout.buffer.write(pickle.dumps(${VALUES}, protocol=${protocol}))`);
    const [d, dMin, dMax, t, tz, dt, dtFold, dtTz, td, tdBig, utc, plus2, dec, nan, big, u, u5, od, dq, dqMax, dd, ddNone, fr, frBig, r, r2, sl, sl2] = loads(pickle);
    const at = `protocol ${protocol}`;
    assert.ok(d instanceof PyDate && d.year === 2024 && d.month === 1 && d.day === 31, at);
    assert.equal(d.toDate().toISOString(), '2024-01-31T00:00:00.000Z');
    assert.deepEqual([dMin.year, dMax.year, dMax.month, dMax.day], [1, 9999, 12, 31]);
    assert.deepEqual([t.hour, t.minute, t.second, t.microsecond, t.tzinfo], [23, 59, 58, 999999, null]);
    assert.ok(tz.tzinfo instanceof TimeZone && tz.tzinfo.offset.days === 0 && tz.fold === (protocol > 3 ? 1 : 0));
    assert.ok(dt instanceof PyDateTime);
    assert.deepEqual([dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond], [2024, 2, 29, 12, 30, 45, 123456]);
    assert.equal(dt.toDate().toISOString(), '2024-02-29T12:30:45.123Z');
    assert.equal(dtFold.fold, protocol > 3 ? 1 : 0, 'fold is pickled from protocol 4 on, as in CPython');
    assert.equal(dtTz.tzinfo.name, 'X');
    assert.equal(dtTz.toDate().toISOString(), '2024-01-01T14:30:00.000Z', 'aware datetimes convert with their offset');
    assert.ok(td instanceof TimeDelta && td.days === -1 && td.seconds === 5 && td.microseconds === 7);
    assert.equal(tdBig.days, 999999999);
    assert.ok(utc instanceof TimeZone && utc.name === null && plus2.offset.seconds === 7200);
    assert.ok(dec instanceof Decimal && dec.value === '-1.50' && nan.value === 'NaN' && big.value === '1E+100');
    assert.ok(u instanceof UUID && u.toString() === '12345678-1234-5678-1234-567812345678' && u5.int === 5n);
    assert.ok(od instanceof OrderedDict && od instanceof Map);
    assert.deepEqual([...od], [['b', 1], ['a', [2]]]);
    assert.ok(dq instanceof Deque && Array.isArray(dq) && dq.maxlen === null);
    assert.deepEqual([...dq], [1, 'x']);
    assert.equal(dqMax.maxlen, 4);
    assert.ok(dd instanceof DefaultDict && dd.defaultFactory === builtins.list && dd.get('k')[0] === 1);
    assert.equal(ddNone.defaultFactory, null);
    assert.ok(fr instanceof Fraction && fr.numerator === -3n && fr.denominator === 4n && frBig.numerator === 10n ** 30n);
    assert.ok(r instanceof Range && r.start === 1 && r.stop === 10 && r.step === 2 && r2.start === 0 && r2.stop === -5);
    assert.ok(sl instanceof Slice && sl.start === 1 && sl.stop === null && sl.step === 2 && sl2.start === null);
  }
});

test('standard types written back load in CPython equal, at every protocol', { skip: needsPython }, () => {
  const requests = ALL.map((protocol) => {
    const original = runPythonCode(`${IMPORTS}, pickle, sys\nsys.stdout.buffer.write(pickle.dumps(${VALUES}, protocol=${protocol}))`);
    return { original, candidates: [dumps(loads(original), { protocol })] };
  });
  pythonCompare(requests).forEach((answer, i) => assert.ok(answer.ok, `protocol ${i}: ${answer.why}`));
});

// A reduce value's arguments are written as a tuple that CPython memoizes:
// pickle-wasm writes a short one as its items and TUPLE1-3 with no Tuple made,
// and must still take the memo index (or every later GET is off by one). From
// protocol 4 on CPython writes the module's name anew for each class of a C
// module (date, time: a new str each time; and for datetime.datetime, the
// name after the module's), where this writes a GET, so the mixed list is
// compared at protocols 0-3 and dates alone at all.
test('dates, times and datetimes dump to CPython\'s very bytes, the memo indexes after them too', { skip: needsPython }, () => {
  const dates = `[datetime.date(2024, 2, 29), datetime.date(1, 1, 1), datetime.date(9999, 12, 31)] * 2 + ['shared'] * 2`;
  const mixed = `[datetime.date(2024, 1, 31), datetime.time(23, 59, 58, 999999), datetime.time(1, 2, tzinfo=datetime.timezone.utc),
    datetime.datetime(2024, 2, 29, 12, 30, 45, 123456), datetime.datetime(2021, 11, 7, 1, 30, fold=1),
    datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)] * 2 + ['shared'] * 2`;
  const cases = [...ALL.map((protocol) => [dates, protocol]), ...[0, 1, 2, 3].map((protocol) => [mixed, protocol])];
  for (const [values, protocol] of cases) {
    const original = runPythonCode(`${IMPORTS}, pickle, sys\nsys.stdout.buffer.write(pickle.dumps(${values}, protocol=${protocol}))`);
    assert.deepEqual(Buffer.from(dumps(loads(original), { protocol })), Buffer.from(original), `protocol ${protocol}: ${values}`);
  }
});

test('standard types made in JS load in CPython as the Python values', { skip: needsPython }, () => {
  const values = [
    new PyDate(2024, 1, 31), new PyTime(1, 2, 3, 4), new PyDateTime(2024, 2, 29, 12, 30, 45, 123456, TimeZone.utc),
    PyDateTime.fromDate(new Date('2020-05-06T07:08:09.010Z')), new TimeDelta(1, 90000, -1), new TimeZone(new TimeDelta(0, 3600), 'CET'),
    new Decimal('3.14'), new UUID('12345678-1234-5678-1234-567812345678'), new OrderedDict([['a', 1]]), new Deque([1, 2], 3),
    new DefaultDict(builtins.int, [['x', 1]]), new Fraction(6n, 8n), new Range(0, 5), new Slice(null, 3, null),
  ];
  const expr = `__import__('pickle') and [
    __import__('datetime').date(2024, 1, 31), __import__('datetime').time(1, 2, 3, 4),
    __import__('datetime').datetime(2024, 2, 29, 12, 30, 45, 123456, tzinfo=__import__('datetime').timezone.utc),
    __import__('datetime').datetime(2020, 5, 6, 7, 8, 9, 10000), __import__('datetime').timedelta(days=1, seconds=90000, microseconds=-1),
    __import__('datetime').timezone(__import__('datetime').timedelta(hours=1), 'CET'),
    __import__('decimal').Decimal('3.14'), __import__('uuid').UUID('12345678-1234-5678-1234-567812345678'),
    __import__('collections').OrderedDict(a=1), __import__('collections').deque([1, 2], maxlen=3),
    __import__('collections').defaultdict(int, x=1), __import__('fractions').Fraction(3, 4), range(0, 5), slice(None, 3, None)]`;
  const [answer] = pythonCompare([{ expr, candidates: ALL.map((protocol) => dumps(values, { protocol })) }]);
  assert.ok(answer.ok, answer.why);
});

test('a JS Date dumps as an aware datetime in UTC, which CPython loads as that instant', { skip: needsPython }, () => {
  const date = new Date('2024-02-29T12:30:45.123Z');
  const expr = "__import__('datetime').datetime(2024, 2, 29, 12, 30, 45, 123000, tzinfo=__import__('datetime').timezone.utc)";
  const [answer] = pythonCompare([{ expr, candidates: ALL.map((protocol) => dumps(date, { protocol })) }]);
  assert.ok(answer.ok, answer.why);
  const back = loads(dumps(date));
  assert.ok(back instanceof PyDateTime);
  assert.equal(back.toDate().getTime(), date.getTime());
  assert.throws(() => dumps(new Date(NaN)), /invalid Date/);
});
