import { dirDate } from '../../../../src/writers/iso/fields.js';

/** What dirDate must write, by way of Date: UTC parts of the clamped time, years from 1900. */
function viaDate(seconds: number): number[] {
  const min = Date.UTC(1900, 0, 1) / 1000;
  const max = Date.UTC(2155, 11, 31, 23, 59, 59) / 1000;
  const d = new Date(Math.min(Math.max(seconds, min), max) * 1000);
  return [d.getUTCFullYear() - 1900, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0];
}

describe('dirDate', () => {
  test('writes the UTC date Date would give, for edges, leap days and 100,000 random times', () => {
    const times = [
      0, -1, 1, 86_399, 86_400, 1.5, -0.5,
      951_782_400, 951_868_799, // 2000-02-29, a leap day of a year divisible by 400
      4_107_542_399, 4_107_542_400, // 2100-02-28 23:59:59 and 2100-03-01: 2100 is not a leap year
      -2_208_988_800, -2_208_988_801, // 1900-01-01 and one second before: clamped
      Date.UTC(2155, 11, 31, 23, 59, 59) / 1000 + 1, 5e9, -5e9, // past the end: clamped
    ];
    let seed = 1;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      times.push(Math.floor((seed / 2 ** 32) * 6.5e9) - 2.3e9);
    }
    const buf = Buffer.alloc(7);
    const wrong = times.filter((t) => {
      dirDate(buf, 0, t);
      return viaDate(t).some((v, i) => v !== buf[i]);
    });
    expect(wrong).toEqual([]);
  });
});
