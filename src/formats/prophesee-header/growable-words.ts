/** Growable little-endian word buffers for the Prophesee writers (amortised O(1) push). */

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 16-bit words (EVT 3.0). */
export class GrowableWords16 {
  private words = new Uint16Array(4096);
  private count = 0;

  reset(): void {
    this.count = 0;
  }

  push(word: number): void {
    if (this.count === this.words.length) {
      const next = new Uint16Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    this.words[this.count++] = word;
  }

  /** A copy of the words written since reset(), as little-endian bytes. */
  bytes(): Uint8Array {
    if (HOST_LITTLE_ENDIAN) return new Uint8Array(this.words.buffer.slice(0, this.count * 2));
    const out = new Uint8Array(this.count * 2);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) dv.setUint16(2 * i, this.words[i], true);
    return out;
  }
}

/** 32-bit words (EVT 2.0, EVT 2.1 halves, DAT fields). */
export class GrowableWords32 {
  private words = new Uint32Array(4096);
  private count = 0;

  reset(): void {
    this.count = 0;
  }

  push(word: number): void {
    if (this.count === this.words.length) {
      const next = new Uint32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    this.words[this.count++] = word;
  }

  /** A copy of the words written since reset(), as little-endian bytes. */
  bytes(): Uint8Array {
    if (HOST_LITTLE_ENDIAN) return new Uint8Array(this.words.buffer.slice(0, this.count * 4));
    const out = new Uint8Array(this.count * 4);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) dv.setUint32(4 * i, this.words[i], true);
    return out;
  }
}
