// FAT directory entries: 8.3 short names (unique within a folder), VFAT long-name entries
// with their checksum, timestamps, and the volume label entry.

const SHORT_OK = /^[A-Z0-9!#$%&'()@^_`{}~-]+$/;

/** Is `name` exactly representable as an upper-case 8.3 name (so no long-name entries are needed)? */
function isPlainShort(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  return base.length >= 1 && base.length <= 8 && ext.length <= 3 && SHORT_OK.test(base) && (ext === '' || SHORT_OK.test(ext));
}

function pad11(base: string, ext: string): Buffer {
  const b = Buffer.alloc(11, 0x20);
  b.write(base, 0, 8, 'latin1');
  b.write(ext, 8, 3, 'latin1');
  if (b[0] === 0xe5) b[0] = 0x05;
  return b;
}

function clean(s: string): string {
  return [...s.toUpperCase()].map((c) => (SHORT_OK.test(c) ? c : '_')).join('');
}

/** Short name for `name` in a folder whose short names are in `taken`; `long` when VFAT entries are needed. */
export function shortName(name: string, taken: Set<string>): { short: Buffer; long: boolean } {
  if (isPlainShort(name) && !taken.has(name)) {
    const dot = name.lastIndexOf('.');
    const short = dot < 0 ? pad11(name, '') : pad11(name.slice(0, dot), name.slice(dot + 1));
    taken.add(name);
    return { short, long: false };
  }
  const stripped = name.replace(/^[.\s]+/, '');
  const dot = stripped.lastIndexOf('.');
  const base = clean((dot <= 0 ? stripped : stripped.slice(0, dot)).replace(/[\s.]/g, '')) || '_';
  const ext = dot <= 0 ? '' : clean(stripped.slice(dot + 1).replace(/\s/g, '')).slice(0, 3);
  for (let n = 1; ; n++) {
    const tail = `~${n}`;
    const b = base.slice(0, 8 - tail.length) + tail;
    const key = ext ? `${b}.${ext}` : b;
    if (!taken.has(key)) {
      taken.add(key);
      return { short: pad11(b, ext), long: true };
    }
  }
}

export function lfnChecksum(short: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short[i]) & 0xff;
  return sum;
}

/** VFAT entries for `name`, in on-disk order (last piece first, flagged 0x40). */
export function lfnEntries(name: string, short: Buffer): Buffer[] {
  const units: number[] = [];
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i));
  const count = Math.ceil(units.length / 13);
  const sum = lfnChecksum(short);
  const out: Buffer[] = [];
  for (let seq = count; seq >= 1; seq--) {
    const e = Buffer.alloc(32);
    e[0] = seq | (seq === count ? 0x40 : 0);
    e[11] = 0x0f;
    e[13] = sum;
    const offs = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
    for (let k = 0; k < 13; k++) {
      const i = (seq - 1) * 13 + k;
      const u = i < units.length ? units[i] : i === units.length ? 0 : 0xffff;
      e.writeUInt16LE(u, offs[k]);
    }
    out.push(e);
  }
  return out;
}

/** FAT date and time words (UTC; dates before 1980 become 1980-01-01). */
export function fatDateTime(seconds: number): { date: number; time: number } {
  const d = new Date(Math.max(seconds, Date.UTC(1980, 0, 1) / 1000) * 1000);
  const year = Math.min(d.getUTCFullYear(), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

export const ATTR_VOLUME = 0x08;
export const ATTR_DIR = 0x10;
export const ATTR_ARCHIVE = 0x20;

export function shortEntry(name: Buffer, attr: number, cluster: number, size: number, seconds: number): Buffer {
  const e = Buffer.alloc(32);
  name.copy(e, 0);
  e[11] = attr;
  const { date, time } = fatDateTime(seconds);
  e.writeUInt16LE(time, 14);
  e.writeUInt16LE(date, 16);
  e.writeUInt16LE(date, 18);
  e.writeUInt16LE(cluster >>> 16, 20);
  e.writeUInt16LE(time, 22);
  e.writeUInt16LE(date, 24);
  e.writeUInt16LE(cluster & 0xffff, 26);
  e.writeUInt32LE(size, 28);
  return e;
}

/** The `.` or `..` entry of a sub-folder. */
export function dotEntry(dots: '.' | '..', cluster: number, seconds: number): Buffer {
  return shortEntry(pad11(dots, ''), ATTR_DIR, cluster, 0, seconds);
}

export function labelEntry(label: string, seconds: number): Buffer {
  return shortEntry(pad11(label.slice(0, 8), label.slice(8, 11)), ATTR_VOLUME, 0, 0, seconds);
}
