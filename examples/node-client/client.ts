/**
 * A spikestream client for Node: prints each prediction as one JSON line.
 *
 *   npx tsx examples/node-client/client.ts [--url ws://127.0.0.1:8080] [--token T] [--count N]
 *
 * From another project, import from the package instead: `import { SpikestreamClient } from 'spikestream/client'`.
 */
import { parseArgs } from 'node:util';
import { SpikestreamClient } from '../../src/client/index.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080' },
    token: { type: 'string' },
    count: { type: 'string', default: '0' },
  },
});
const count = Number(values.count);

const client = await SpikestreamClient.connect({
  url: values.url,
  token: values.token,
  topics: ['predictions', 'metrics'],
});
const hello = client.hello;
process.stderr.write(
  `connected to spikestream ${hello?.serverVersion} (protocol ${hello?.protocol}); models: ${hello?.models
    .map((m) => m.name)
    .join(', ')}\n`,
);
client.on('metrics', (m) => {
  for (const model of m.models) {
    process.stderr.write(
      `${model.model}: ${model.predictions} predictions, pipeline p99 ${model.pipelineUs.p99} µs, ${model.synapticOps} SOPs\n`,
    );
  }
});
client.on('close', (c) =>
  process.stderr.write(`connection closed (${c.code} ${c.reason}); reconnect: ${c.willReconnect}\n`),
);
process.once('SIGINT', () => client.close());

let n = 0;
for await (const p of client.predictions()) {
  const deliveryMs = performance.timeOrigin + performance.now() - p.sentAtMs;
  process.stdout.write(`${JSON.stringify({ ...p, deliveryMs })}\n`);
  if (count > 0 && ++n >= count) break;
}
client.close();
