const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A growable little-endian 16-bit word buffer for the EVT 3.0 writer (amortised O(1) push). */
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
    for (let i = 0, o = 0; i < this.count; i++, o += 2) {
      const w = this.words[i];
      out[o] = w & 0xff;
      out[o + 1] = w >>> 8;
    }
    return out;
  }
}
