/**
 * `spikestream convert IN OUT`: decodes IN chunk by chunk and re-encodes it with any format in
 * the registry that has an encoder, in bounded memory. Patches the encoder asks for (header
 * fields or tables only known at the end) are written in place afterwards.
 */
import { open, rm } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { DecodeError, UsageError } from '../../events/errors.ts';
import { openRecording, probeRecordingInfo } from '../../formats/open.ts';
import { FORMATS, getFormat } from '../../formats/registry.ts';
import type { FormatSpec } from '../../formats/types.ts';
import type { CliCommand } from '../command.ts';
import { intOption, keyValueOptions, parseCliArgs, startProgress } from './info.ts';

function writableFormats(): FormatSpec[] {
  return FORMATS.filter((f) => f.createEncoder !== undefined);
}

function help(): string {
  const list = writableFormats()
    .map((f) => `  ${f.name.padEnd(8)} ${f.extensions.join(' ').padEnd(16)} ${f.description}`)
    .join('\n');
  return `usage: spikestream convert IN OUT [--to FORMAT] [--from FORMAT] [--width W --height H]

Converts a recording to another format, streaming (memory stays bounded whatever the size).
The input format is detected from its content unless --from names it; the output format is
--to, or else the one whose usual extension OUT has.

options:
  --to FORMAT       output format (see below)
  --from FORMAT     input format (for headerless files detection cannot place)
  --width W         input geometry for headerless formats (N-MNIST default 34, CSV)
  --height H        input geometry for headerless formats
  --chunk BYTES     bytes read at a time (default 1048576)
  -I KEY=VALUE      input decoder option, repeatable (e.g. -I columns=x,y,p,t)
  -O KEY=VALUE      output encoder option, repeatable (e.g. -O rebaseTime=always)

If IN is damaged, every good event before the damage is written, the output is finished so it
decodes, and the command exits 1 naming the byte offset and field.

formats with an encoder:
${list}`;
}

/** The output format: --to, or the single writable format whose extensions include OUT's. */
export function outputFormat(out: string, to: string | undefined): FormatSpec {
  if (to !== undefined) {
    const spec = getFormat(to);
    if (!spec.createEncoder) {
      const names = writableFormats()
        .map((f) => f.name)
        .join(', ');
      throw new UsageError(`format "${spec.name}" cannot be written; formats with an encoder: ${names}`);
    }
    return spec;
  }
  const ext = extname(out).toLowerCase();
  const hits = writableFormats().filter((f) => f.extensions.some((e) => e.toLowerCase() === ext));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    throw new UsageError(
      `extension "${ext}" fits several formats (${hits.map((f) => f.name).join(', ')}); choose one with --to`,
    );
  }
  throw new UsageError(
    `cannot tell the output format from "${out}"; give --to (one of ${writableFormats()
      .map((f) => f.name)
      .join(', ')})`,
  );
}

export const command: CliCommand = {
  summary: 'convert a recording to another format (streaming)',
  get help() {
    return help();
  },
  async run(argv) {
    const { values, positionals } = parseCliArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        to: { type: 'string' },
        from: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        chunk: { type: 'string' },
        I: { type: 'string', short: 'I', multiple: true },
        O: { type: 'string', short: 'O', multiple: true },
      },
    });
    if (positionals.length !== 2) throw new UsageError('expects IN and OUT (see spikestream convert --help)');
    const [input, output] = positionals;
    if (resolve(input) === resolve(output)) throw new UsageError('IN and OUT are the same file');
    const outSpec = outputFormat(output, values.to);
    const encoder = outSpec.createEncoder!({ ...keyValueOptions(values.O, '-O'), origin: output });
    const inputOptions = {
      format: values.from,
      width: intOption('width', values.width, 1, 65535),
      height: intOption('height', values.height, 1, 65535),
      chunkBytes: intOption('chunk', values.chunk, 1, 1 << 30),
      decoderOptions: keyValueOptions(values.I, '-I'),
    };
    // The encoder needs the stream info before the first event (a CSV without geometry needs a
    // first pass to infer it).
    const { info } = await probeRecordingInfo(input, inputOptions);
    const rec = await openRecording(input, inputOptions);
    const progress = startProgress(`convert ${input}`, rec.size);
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    let position = 0;
    let events = 0;
    let damage: DecodeError | undefined;
    const write = async (bytes: Uint8Array): Promise<void> => {
      if (bytes.length === 0) return;
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await fh!.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
      position += bytes.length;
    };
    try {
      fh = await open(output, 'w');
      await write(encoder.begin(info));
      try {
        for await (const pk of rec) {
          await write(encoder.encode(pk));
          events += pk.length;
          progress.update(rec.bytesRead);
        }
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        damage = err;
      }
      await write(encoder.end());
      for (const patch of encoder.patches?.() ?? []) {
        let done = 0;
        while (done < patch.bytes.length) {
          const { bytesWritten } = await fh.write(
            patch.bytes,
            done,
            patch.bytes.length - done,
            patch.offset + done,
          );
          done += bytesWritten;
        }
      }
      await fh.close();
      fh = undefined;
    } catch (err) {
      // A half-written file that cannot be decoded helps nobody.
      await fh?.close();
      fh = undefined;
      await rm(output, { force: true });
      throw err;
    } finally {
      progress.stop();
      await rec.close();
    }
    const summary = `${input} (${rec.format.name}) -> ${output} (${outSpec.name}): ${events} events, ${position} bytes`;
    if (damage) {
      process.stderr.write(`spikestream convert: ${damage.message}\n`);
      process.stderr.write(
        `spikestream convert: wrote the ${events} good events before the damage: ${summary}\n`,
      );
      return 1;
    }
    process.stderr.write(`${summary}\n`);
    return 0;
  },
};
