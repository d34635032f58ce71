/**
 * `spikestream <command>`: dispatches to src/cli/commands/<command>.ts. Errors become one clear
 * line on stderr and a non-zero exit code.
 */
import { SpikestreamError, UsageError } from '../events/errors.ts';
import type { CliCommand } from './command.ts';

type Loader = () => Promise<{ command: CliCommand }>;

/** Each command module adds its line here. */
const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  // name: { summary: '...', load: () => import('./commands/name.ts') },
  train: {
    summary: 'train a TTFS or relaxed spiking network with exact gradients',
    load: () => import('./commands/train.ts'),
  },
  eval: {
    summary: 'evaluate a model on a data set: accuracy, spikes, synaptic ops, latency, energy',
    load: () => import('./commands/eval.ts'),
  },
  simulate: {
    summary: "run one input spike list through a model: every layer's spikes, counters, energy",
    load: () => import('./commands/simulate.ts'),
  },
  info: {
    summary: 'describe a recording: format, geometry, events, time range, damage',
    load: () => import('./commands/info.ts'),
  },
  convert: {
    summary: 'convert a recording to another format (streaming)',
    load: () => import('./commands/convert.ts'),
  },
  serve: {
    summary: 'serve predictions, metrics and a dashboard over WebSocket/HTTP',
    load: () => import('./commands/serve.ts'),
  },
  run: {
    summary: 'offline inference over a recording: predictions as lines, then a summary',
    load: () => import('./commands/run.ts'),
  },
  record: {
    summary: 'record a live source to a file (AEDAT 4 by default), flushed and fsync-ed regularly',
    load: () => import('./commands/record.ts'),
  },
  devices: {
    summary: 'list serial ports and mark known spike sensors (eDVS, spikeframe boards)',
    load: () => import('./commands/devices.ts'),
  },
};

export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}

function usage(): string {
  const width = Math.max(8, ...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return [
    'spikestream: real-time inference engine for event sensors',
    '',
    'usage: spikestream <command> [options]   (spikestream <command> --help for details)',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { version } = await import('../version.ts');
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`spikestream: unknown command "${name}" (see spikestream --help)\n`);
    return 2;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.help.trimEnd()}\n`);
      return 0;
    }
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`spikestream ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SpikestreamError) {
      process.stderr.write(`spikestream ${name}: ${err.message}\n`);
      return 1;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`spikestream ${name}: ${msg}\n`);
    if (process.env.SPIKESTREAM_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
