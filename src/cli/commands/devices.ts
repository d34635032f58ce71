/**
 * `spikestream devices [--json]`: serial ports (node-serialport's list, which reads udev through
 * `udevadm`), with USB vendor/product ids, marking the ones that are known spike sensors or
 * boards that commonly run spikeframe firmware, and the source URI to open each.
 */
import { SpikestreamError } from '../../events/errors.ts';
import type { CliCommand } from '../command.ts';
import { parseCliArgs } from './info.ts';

/** What node-serialport reports for a port (PortInfo). */
export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer?: string;
  readonly serialNumber?: string;
  readonly pnpId?: string;
  readonly vendorId?: string;
  readonly productId?: string;
}

export interface KnownDevice {
  /** USB vendor id, 4 lower-case hex digits. */
  readonly vendorId: string;
  /** USB product id, or '*' for any product of the vendor. */
  readonly productId: string;
  readonly name: string;
  /** 'sensor': a known spike sensor; 'possible': a common bridge/board that may carry one. */
  readonly kind: 'sensor' | 'possible';
  /** Source URI template; PATH is replaced by the port path. */
  readonly uri: string;
}

/**
 * USB ids we recognise. The eDVS4337 / mini-eDVS uses an FTDI FT232H (0403:6014) at 12 Mbaud
 * (serial numbers 126xx; 613xx units run at 4 Mbaud); older eDVS128 boards an FT232R (0403:6001),
 * which is also the most common generic USB-serial chip, hence only "possible".
 * Microcontroller boards are listed as possible spikeframe devices (docs/serial-protocol.md).
 */
export const KNOWN_DEVICES: readonly KnownDevice[] = [
  {
    vendorId: '0403',
    productId: '6014',
    name: 'iniVation eDVS4337 / mini-eDVS (FTDI FT232H)',
    kind: 'sensor',
    uri: 'edvs:PATH?baud=12000000',
  },
  {
    vendorId: '0403',
    productId: '6001',
    name: 'FTDI FT232R (older eDVS128 boards at 4 Mbaud, or a generic adapter)',
    kind: 'possible',
    uri: 'edvs:PATH?baud=4000000',
  },
  {
    vendorId: '0403',
    productId: '6010',
    name: 'FTDI FT2232 (eDVS variants, or a generic adapter)',
    kind: 'possible',
    uri: 'edvs:PATH?baud=auto',
  },
  {
    vendorId: '2341',
    productId: '*',
    name: 'Arduino board (spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?baud=115200&protocol=spikeframe',
  },
  {
    vendorId: '2a03',
    productId: '*',
    name: 'Arduino.org board (spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?baud=115200&protocol=spikeframe',
  },
  {
    vendorId: '2e8a',
    productId: '*',
    name: 'Raspberry Pi Pico / RP2040 (spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?protocol=spikeframe',
  },
  {
    vendorId: '16c0',
    productId: '0483',
    name: 'Teensy (spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?protocol=spikeframe',
  },
  {
    vendorId: '239a',
    productId: '*',
    name: 'Adafruit board (spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?protocol=spikeframe',
  },
  {
    vendorId: '303a',
    productId: '*',
    name: 'Espressif ESP32-S2/S3/C3 (spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?baud=115200&protocol=spikeframe',
  },
  {
    vendorId: '10c4',
    productId: 'ea60',
    name: 'Silicon Labs CP210x bridge (ESP32 boards; spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?baud=115200&protocol=spikeframe',
  },
  {
    vendorId: '1a86',
    productId: '7523',
    name: 'WCH CH340 bridge (clone boards; spikeframe firmware?)',
    kind: 'possible',
    uri: 'serial:PATH?baud=115200&protocol=spikeframe',
  },
];

export interface DeviceEntry extends SerialPortInfo {
  /** The recognised device, if any. */
  readonly known?: { readonly name: string; readonly kind: KnownDevice['kind'] };
  /** Suggested source URI (for recognised devices). */
  readonly uri?: string;
}

/** Marks known devices in a port list. Manufacturer "iniVation"/"iniLabs" also marks an eDVS. */
export function describeDevices(ports: readonly SerialPortInfo[]): DeviceEntry[] {
  return ports.map((port) => {
    const vid = port.vendorId?.toLowerCase();
    const pid = port.productId?.toLowerCase();
    const hit = KNOWN_DEVICES.find((d) => d.vendorId === vid && (d.productId === '*' || d.productId === pid));
    const vendorSaysEdvs = /inivation|inilabs/i.test(port.manufacturer ?? '');
    if (vendorSaysEdvs && hit?.kind !== 'sensor') {
      return {
        ...port,
        known: { name: `iniVation device (${port.manufacturer}), probably an eDVS`, kind: 'sensor' },
        uri: `edvs:${port.path}?baud=auto`,
      };
    }
    if (!hit) return { ...port };
    return { ...port, known: { name: hit.name, kind: hit.kind }, uri: hit.uri.replace('PATH', port.path) };
  });
}

export function formatDevices(entries: readonly DeviceEntry[]): string {
  if (entries.length === 0) return 'no serial ports found';
  const rows = entries.map((e) => {
    const ids = e.vendorId ? `${e.vendorId}:${e.productId ?? '????'}` : '-';
    const mark = e.known ? (e.known.kind === 'sensor' ? '*' : '?') : ' ';
    const what = e.known
      ? e.known.name
      : [e.manufacturer, e.serialNumber && `serial ${e.serialNumber}`].filter(Boolean).join(', ') || '';
    return { mark, path: e.path, ids, what, uri: e.uri ?? '' };
  });
  const w = Math.max(4, ...rows.map((r) => r.path.length));
  const lines = rows.map(
    (r) =>
      `${r.mark} ${r.path.padEnd(w)}  ${r.ids.padEnd(9)}  ${r.what}${r.uri ? `\n  ${''.padEnd(w)}  ${''.padEnd(9)}  → ${r.uri}` : ''}`,
  );
  return [
    ...lines,
    '',
    '* known spike sensor   ? board or bridge that may carry one (see docs/sources.md)',
  ].join('\n');
}

/** Lists serial ports; a missing udevadm becomes a clear error. */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const { SerialPort } = await import('serialport');
  try {
    return await SerialPort.list();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/udevadm/.test(msg)) {
      throw new SpikestreamError(
        'E_DEVICES',
        `listing serial ports needs udevadm (Debian/Ubuntu package "udev"): ${msg}`,
      );
    }
    throw new SpikestreamError('E_DEVICES', `cannot list serial ports: ${msg}`);
  }
}

export const command: CliCommand = {
  summary: 'list serial ports and mark known spike sensors (eDVS, spikeframe boards)',
  help: `usage: spikestream devices [--json]

Lists serial ports with their USB vendor:product ids and marks known spike sensors
(* = known sensor, e.g. the eDVS4337's FTDI FT232H 0403:6014) and boards that may run
spikeframe firmware (?), with the source URI to open each. Needs udevadm (package "udev").

options:
  --json   one JSON array: path, manufacturer, serialNumber, vendorId, productId, known, uri
`,
  async run(argv) {
    const { values } = parseCliArgs({
      args: [...argv],
      options: { json: { type: 'boolean' } },
      allowPositionals: false,
    });
    const entries = describeDevices(await listSerialPorts());
    process.stdout.write(
      values.json ? `${JSON.stringify(entries, null, 2)}\n` : `${formatDevices(entries)}\n`,
    );
    return 0;
  },
};
