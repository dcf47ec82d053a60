/**
 * UTF-8 encoding into a caller's buffer, without allocating (TextEncoder.encodeInto needs a string
 * of its own; slicing one per pre-tokenizer piece would allocate per piece).
 *
 * @internal
 * @module
 */

/**
 * Writes the UTF-8 bytes of `t[from, to)` into `out` at `at`. `t` must be well-formed (no lone
 * surrogates) and `out` must have room for `3 * (to - from)` bytes.
 *
 * @returns the index after the last byte written
 * @internal
 */
export function utf8Into(t: string, from: number, to: number, out: Uint8Array, at: number): number {
  let n = at;
  for (let i = from; i < to; i++) {
    let c = t.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c < 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (t.charCodeAt(++i) - 0xdc00);
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/**
 * Offset of the first byte that breaks UTF-8 in `buf` (only called on the error path).
 *
 * @param buf - bytes that failed strict decoding
 * @returns the offset, or `buf.length` when the whole buffer is valid
 * @internal
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= buf.length) return i; // truncated sequence
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return buf.length;
}
