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
