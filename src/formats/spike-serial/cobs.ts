/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker 1999): a frame's bytes re-coded without
 * any 0x00, so 0x00 can delimit frames. Overhead is at most 1 byte per 254 plus 1.
 */

/** Encodes `data` with COBS and appends the 0x00 delimiter. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 254) + 2);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  out[o++] = 0;
  return out.subarray(0, o);
}

/**
 * Decodes one COBS frame (without its delimiter). Returns undefined when the bytes are not
 * valid COBS (a zero inside, or a block running past the end).
 */
export function cobsDecode(encoded: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(encoded.length);
  let o = 0;
  let i = 0;
  while (i < encoded.length) {
    const code = encoded[i++];
    if (code === 0) return undefined;
    const end = i + code - 1;
    if (end > encoded.length) return undefined;
    for (; i < end; i++) {
      if (encoded[i] === 0) return undefined;
      out[o++] = encoded[i];
    }
    if (code < 0xff && i < encoded.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
