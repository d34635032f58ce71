/**
 * Turns arbitrary byte chunks into aligned runs of whole fixed-size words, so decoders can read
 * them through Uint16Array/Uint32Array views. A chunk that is aligned and starts on a word
 * boundary is viewed in place; otherwise its whole words (with the bytes carried from the
 * previous chunk) are copied into a reusable scratch buffer. Bytes of an incomplete last word
 * are carried to the next chunk. On a big-endian host the copy also swaps bytes, so the views
 * always read little-endian fields.
 */

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class WordAligner {
  private readonly wordBytes: number;
  private readonly fieldBytes: 2 | 4;
  private readonly littleEndianHost: boolean;
  private readonly carry: Uint8Array;
  private carryLength = 0;
  private scratch = new Uint8Array(0);

  /**
   * @param wordBytes size of one record (2, 4, 8...)
   * @param fieldBytes size of the little-endian fields read through typed views (2 or 4)
   * @param littleEndianHost override for tests; defaults to the host's byte order
   */
  constructor(wordBytes: number, fieldBytes: 2 | 4, littleEndianHost = HOST_LITTLE_ENDIAN) {
    if (!Number.isInteger(wordBytes) || wordBytes < 1 || wordBytes % fieldBytes !== 0) {
      throw new RangeError(`"wordBytes" must be a positive multiple of ${fieldBytes}, got ${wordBytes}`);
    }
    this.wordBytes = wordBytes;
    this.fieldBytes = fieldBytes;
    this.littleEndianHost = littleEndianHost;
    this.carry = new Uint8Array(wordBytes);
  }

  /** Bytes held back from an incomplete word. */
  get pending(): number {
    return this.carryLength;
  }

  /**
   * Whole words of (carry + chunk) as a byte view aligned to `fieldBytes`, valid until the next
   * call. Its first byte is the first carried byte, if any.
   */
  take(chunk: Uint8Array): Uint8Array {
    const carried = this.carryLength;
    const total = carried + chunk.length;
    const whole = total - (total % this.wordBytes);
    if (whole === 0) {
      this.carry.set(chunk, carried);
      this.carryLength = total;
      return chunk.subarray(0, 0);
    }
    const fromChunk = whole - carried;
    if (carried === 0 && this.littleEndianHost && chunk.byteOffset % this.fieldBytes === 0) {
      this.keepTail(chunk, fromChunk);
      return chunk.subarray(0, whole);
    }
    if (this.scratch.length < whole) this.scratch = new Uint8Array(Math.max(whole, this.scratch.length * 2));
    const out = this.scratch.subarray(0, whole);
    if (carried > 0) out.set(this.carry.subarray(0, carried));
    out.set(chunk.subarray(0, fromChunk), carried);
    this.keepTail(chunk, fromChunk);
    if (!this.littleEndianHost) swapFields(out, this.fieldBytes);
    return out;
  }

  /** Forgets carried bytes (after reporting them). */
  clear(): void {
    this.carryLength = 0;
  }

  private keepTail(chunk: Uint8Array, from: number): void {
    const tail = chunk.length - from;
    this.carry.set(chunk.subarray(from), 0);
    this.carryLength = tail;
  }
}

function swapFields(bytes: Uint8Array, fieldBytes: 2 | 4): void {
  for (let i = 0; i + fieldBytes <= bytes.length; i += fieldBytes) {
    if (fieldBytes === 2) {
      const a = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = a;
    } else {
      const a = bytes[i];
      const b = bytes[i + 1];
      bytes[i] = bytes[i + 3];
      bytes[i + 1] = bytes[i + 2];
      bytes[i + 2] = b;
      bytes[i + 3] = a;
    }
  }
}
