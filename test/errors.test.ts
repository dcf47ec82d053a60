import { describe as suite, expect, it } from 'vitest';
import { checkId, checkInteger, checkOpenUnit, describe, rangeError, typeError } from '../src/assert.js';
import { RadiomarkError, RadiomarkRangeError, RadiomarkTypeError, radiomarkErrorData } from '../src/errors.js';

suite('errors carry code, api and field as data', () => {
  it('RadiomarkError keeps code, api, field and cause', () => {
    const cause = new Error('inner');
    const e = new RadiomarkError('INPUT', 'loadX: bad', { api: 'loadX', field: 'path', cause });
    expect([e.code, e.api, e.field, e.cause]).toEqual(['INPUT', 'loadX', 'path', cause]);
    expect(radiomarkErrorData(e)).toBe(e);
  });
  it('type and range errors stay TypeError / RangeError', () => {
    const t = typeError('api', 'gamma', 'a number', 'x');
    const r = rangeError('api', 'gamma', 'in (0, 1)', 1.5);
    expect(t).toBeInstanceOf(TypeError);
    expect(t).toBeInstanceOf(RadiomarkTypeError);
    expect(r).toBeInstanceOf(RangeError);
    expect(r).toBeInstanceOf(RadiomarkRangeError);
    expect([t.code, t.api, t.field]).toEqual(['INVALID_TYPE', 'api', 'gamma']);
    expect([r.code, r.api, r.field]).toEqual(['OUT_OF_RANGE', 'api', 'gamma']);
    expect(r.message).toBe('api: "gamma" must be in (0, 1), got 1.5');
  });
  it('foreign errors carry no data', () => {
    expect(radiomarkErrorData(new RangeError('x'))).toBeUndefined();
    expect(radiomarkErrorData('x')).toBeUndefined();
  });
});

suite('assert', () => {
  it('describes without quoting large content', () => {
    expect(describe(-0)).toBe('-0');
    expect(describe('a'.repeat(100))).toBe(JSON.stringify('a'.repeat(40) + '…'));
    expect(describe(new Uint32Array(3))).toBe('Uint32Array(3)');
    expect(describe([1, 2])).toBe('an array(2)');
    expect(describe({ secret: 'x' })).toBe('an object');
    expect(describe(5n)).toBe('5n');
    expect(describe(null)).toBe('null');
  });
  it('checkId names field[index], the value and the range', () => {
    expect(() => checkId('f', 'ids', 3, 10, 10)).toThrow('f: ids[3] must be an integer token id in [0, 10), got 10');
    expect(() => checkId('f', 'token', -1, 1.5, 10)).toThrow('f: "token" must be an integer token id in [0, 10), got 1.5');
    expect(() => checkId('f', 'token', -1, 2n, 10)).toThrow('convert with Number()');
    expect(() => checkId('f', 'token', -1, 9, 10)).not.toThrow();
  });
  it('scalar checks throw the right class with data', () => {
    expect(() => checkInteger('f', 'n', 'x')).toThrow(RadiomarkTypeError);
    expect(() => checkInteger('f', 'n', 0, 1)).toThrow('f: "n" must be an integer >= 1, got 0');
    expect(() => checkInteger('f', 'n', 5, 1, 4)).toThrow('must be an integer in [1, 4], got 5');
    expect(() => checkOpenUnit('f', 'p', 1)).toThrow(RadiomarkRangeError);
    expect(() => checkOpenUnit('f', 'p', 0.5)).not.toThrow();
  });
});
