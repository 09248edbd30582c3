/**
 * The idx format (LeCun's MNIST files): 2 zero bytes, a dtype byte, a rank byte, big-endian uint32
 * dims, then the values. Gzip is detected by its magic bytes. Every error names the file.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../util/fs.js';

/** An idx array of unsigned bytes: its dimensions and its values in row-major order. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** An error in reading a data file; the message starts with the file's path (kept in `file`). */
export class DataFileError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'DataFileError';
  }
}

const UBYTE = 0x08;
const MAX_ELEMENTS = 2 ** 31 - 1;
/** Fashion-MNIST's largest file is 47 MB; a gzip stream inflating past this is refused, not allocated. */
const MAX_INFLATED = 2 ** 29;

/**
 * Parses idx bytes (gunzipped first when gzip-compressed; unsigned-byte values, rank 1 to 4); `data` is a view
 * into the (inflated) bytes; errors name `file`.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: MAX_INFLATED });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DataFileError(file, `gzip stream inflates past ${MAX_INFLATED / 2 ** 20} MB; not an idx data file`);
      throw new DataFileError(file, `corrupt gzip stream (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new DataFileError(file, `too short for an idx header (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new DataFileError(file, 'not an idx file (bad magic number)');
  if (buf[2] !== UBYTE) throw new DataFileError(file, `unsupported idx dtype 0x${buf[2].toString(16)} (only unsigned byte)`);
  const rank = buf[3];
  if (rank < 1 || rank > 4) throw new DataFileError(file, `unsupported idx rank ${rank}`);
  const header = 4 + 4 * rank;
  if (buf.length < header) throw new DataFileError(file, `truncated idx header: ${buf.length} of ${header} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) throw new DataFileError(file, `idx dims ${dims.join('x')} are implausibly large`);
  const actual = buf.length - header;
  if (actual < count) throw new DataFileError(file, `truncated: dims ${dims.join('x')} need ${count} bytes of data, found ${actual}`);
  if (actual > count) throw new DataFileError(file, `${actual - count} trailing bytes after the ${dims.join('x')} data`);
  return { dims, data: buf.subarray(header, header + count) };
}

/** Reads and parses an idx file, gzipped or not; every error is a DataFileError naming the file. */
export function readIdx(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataFileError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseIdx(bytes, file);
}

/** The idx bytes of an array, gzip-compressed (level 9) unless `gzip` is false. */
export function encodeIdx(arr: IdxArray, gzip = true): Uint8Array {
  const header = Buffer.alloc(4 + 4 * arr.dims.length);
  header[2] = UBYTE;
  header[3] = arr.dims.length;
  arr.dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const raw = Buffer.concat([header, Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength)]);
  return gzip ? gzipSync(raw, { level: 9 }) : raw;
}

/** Writes an idx file atomically, gzip-compressed when its name ends in .gz. */
export function writeIdx(file: string, arr: IdxArray): void {
  writeFileAtomic(file, encodeIdx(arr, file.endsWith('.gz')));
}

