import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/events/errors.ts';
import { encodeIdxUint8, parseIdx, readIdxFile } from '../../src/datasets/idx.ts';
import { FASHION_MNIST_DIR, loadFashionMnist, loadIdxDataset } from '../../src/datasets/idx-dataset.ts';

const dir = mkdtempSync(join(tmpdir(), 'spikestream-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** n images of 3×2 whose pixel j of image i is (10·i + j), labels i % 4. */
function makeSet(n: number): { images: Uint8Array; labels: Uint8Array } {
  const pix = new Uint8Array(n * 6);
  for (let i = 0; i < n; i++) for (let j = 0; j < 6; j++) pix[i * 6 + j] = 10 * i + j;
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) lab[i] = i % 4;
  return { images: encodeIdxUint8([n, 2, 3], pix), labels: encodeIdxUint8([n], lab) };
}

describe('parseIdx', () => {
  it('reads dims and values of every element type, big-endian', () => {
    const t = parseIdx(encodeIdxUint8([2, 3], new Uint8Array([1, 2, 3, 4, 5, 255])));
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 255]);
    const i32 = new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
    expect(Array.from(parseIdx(i32).data)).toEqual([-2, 256]);
    const f32 = new Uint8Array(12);
    f32.set([0, 0, 0x0d, 1, 0, 0, 0, 1]);
    new DataView(f32.buffer).setFloat32(8, 1.5, false);
    expect(Array.from(parseIdx(f32).data)).toEqual([1.5]);
  });

  it('rejects bad magic, unknown type, truncation and trailing bytes with the byte offset', () => {
    const good = encodeIdxUint8([2, 2], new Uint8Array(4));
    const badMagic = good.slice();
    badMagic[0] = 0x50;
    expect(() => parseIdx(badMagic, 'x.idx')).toThrow(/x\.idx: byte 0: magic: not an IDX file/);
    const badType = good.slice();
    badType[2] = 0x07;
    expect(() => parseIdx(badType, 'x.idx')).toThrow(/byte 2: type: unknown IDX element type 0x07/);
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(/truncated/);
    const long = new Uint8Array(good.length + 3);
    long.set(good);
    expect(() => parseIdx(long, 'x.idx')).toThrow(/trailing bytes/);
    expect(() => parseIdx(good.subarray(0, 6), 'x.idx')).toThrow(/inside the 2 dimension sizes/);
    expect(() => parseIdx(new Uint8Array(2))).toThrow(DecodeError);
  });

  it('reads plain and gzip files alike and reports corrupt gzip', () => {
    const bytes = encodeIdxUint8([3], new Uint8Array([7, 8, 9]));
    writeFileSync(join(dir, 'a.idx'), bytes);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes));
    expect(Array.from(readIdxFile(join(dir, 'a.idx')).data)).toEqual([7, 8, 9]);
    expect(Array.from(readIdxFile(join(dir, 'a.idx.gz')).data)).toEqual([7, 8, 9]);
    const broken = gzipSync(bytes).subarray(0, 12);
    writeFileSync(join(dir, 'broken.gz'), broken);
    expect(() => readIdxFile(join(dir, 'broken.gz'))).toThrow(/gzip: corrupt gzip stream/);
  });
});

describe('loadIdxDataset', () => {
  const d = join(dir, 'set');
  mkdirSync(d);
  const train = makeSet(20);
  const test = makeSet(5);
  writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(train.images));
  writeFileSync(join(d, 'train-labels-idx1-ubyte'), train.labels);
  writeFileSync(join(d, 't10k-images-idx3-ubyte'), test.images);
  writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(test.labels));

  it('splits the training file into train and validation (last 10 %) and scales to [0, 1]', () => {
    const tr = loadIdxDataset({ dir: d, split: 'train' });
    const va = loadIdxDataset({ dir: d, split: 'validation' });
    const full = loadIdxDataset({ dir: d, split: 'train-full' });
    const te = loadIdxDataset({ dir: d, split: 'test' });
    expect([tr.count, va.count, full.count, te.count]).toEqual([18, 2, 20, 5]);
    expect([tr.width, tr.height, tr.featureCount]).toEqual([3, 2, 6]);
    expect(tr.image(1)[2]).toBeCloseTo(12 / 255, 6);
    expect(va.image(0)[0]).toBeCloseTo(180 / 255, 6);
    expect(Array.from(va.labels)).toEqual([18 % 4, 19 % 4]);
    expect(tr.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(() => tr.image(18)).toThrow(RangeError);
  });

  it('transposes on request and honours limit', () => {
    const t = loadIdxDataset({ dir: d, split: 'test', transpose: true, limit: 2 });
    expect(t.count).toBe(2);
    // 2×3 stored column-major becomes 3 wide × 2 high read transposed: pixel (r, c) = src[c·2 + r].
    expect(Array.from(t.image(0)).map((v) => Math.round(v * 255))).toEqual([0, 2, 4, 1, 3, 5]);
  });

  it('names what is missing or ambiguous', () => {
    expect(() => loadIdxDataset({ dir: join(dir, 'nope') })).toThrow(/not found/);
    const d2 = join(dir, 'two');
    mkdirSync(d2);
    writeFileSync(join(d2, 'a-train-images-idx3-ubyte'), train.images);
    writeFileSync(join(d2, 'b-train-images-idx3-ubyte'), train.images);
    expect(() => loadIdxDataset({ dir: d2 })).toThrow(/several IDX data sets.*"a-".*"b-"/);
    expect(() => loadIdxDataset({ dir: d2, prefix: 'a-' })).toThrow(/no a-train-labels-idx1-ubyte/);
    const d3 = join(dir, 'mismatch');
    mkdirSync(d3);
    writeFileSync(join(d3, 'train-images-idx3-ubyte'), train.images);
    writeFileSync(join(d3, 'train-labels-idx1-ubyte'), makeSet(3).labels);
    expect(() => loadIdxDataset({ dir: d3 })).toThrow(/3 labels for 20 images/);
    expect(() => loadIdxDataset({ dir: d, validationFraction: 1 })).toThrow(/validationFraction/);
  });
});

describe.runIf(existsSync(FASHION_MNIST_DIR))('Fashion-MNIST from the Debian package', () => {
  it('has 54 000 / 6 000 / 10 000 samples of 28×28 with 10 named classes', () => {
    const te = loadFashionMnist({ split: 'test' });
    expect(te.count).toBe(10_000);
    expect([te.width, te.height]).toEqual([28, 28]);
    expect(te.classNames[9]).toBe('Ankle boot');
    const counts = new Array(10).fill(0);
    for (const l of te.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    expect(loadFashionMnist({ split: 'validation' }).count).toBe(6000);
  });
});
