import { describe, expect, it } from 'vitest';
import { describeDevices, formatDevices, KNOWN_DEVICES } from '../../src/cli/commands/devices.ts';
import { runCliInProcess } from '../helpers/cli.ts';

describe('spikestream devices', () => {
  const ports = [
    {
      path: '/dev/ttyUSB0',
      manufacturer: 'FTDI',
      serialNumber: 'FT12601',
      vendorId: '0403',
      productId: '6014',
    },
    { path: '/dev/ttyACM0', manufacturer: 'Arduino (www.arduino.cc)', vendorId: '2341', productId: '0043' },
    { path: '/dev/ttyUSB1', manufacturer: 'iniVation', vendorId: '1234', productId: '5678' },
    { path: '/dev/ttyS0' },
  ];

  it('marks known sensors and possible boards, with the URI to open them', () => {
    const d = describeDevices(ports);
    expect(d[0]).toMatchObject({ known: { kind: 'sensor' }, uri: 'edvs:/dev/ttyUSB0?baud=12000000' });
    expect(d[1]).toMatchObject({
      known: { kind: 'possible' },
      uri: 'serial:/dev/ttyACM0?baud=115200&protocol=spikeframe',
    });
    expect(d[2]).toMatchObject({ known: { kind: 'sensor' }, uri: 'edvs:/dev/ttyUSB1?baud=auto' });
    expect(d[3].known).toBeUndefined();
    const text = formatDevices(d);
    expect(text).toMatch(/\* \/dev\/ttyUSB0 +0403:6014 +iniVation eDVS4337/);
    expect(text).toMatch(/\? \/dev\/ttyACM0 +2341:0043/);
    expect(formatDevices([])).toBe('no serial ports found');
  });

  it('every known id is lower-case hex and every URI names the path', () => {
    for (const k of KNOWN_DEVICES) {
      expect(k.vendorId).toMatch(/^[0-9a-f]{4}$/);
      expect(k.productId).toMatch(/^([0-9a-f]{4}|\*)$/);
      expect(k.uri).toContain('PATH');
    }
  });

  it('--json lists this machine’s ports through udevadm', async () => {
    const { code, stdout } = await runCliInProcess(['devices', '--json']);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as Array<{ path: string }>;
    expect(Array.isArray(list)).toBe(true);
    for (const p of list) expect(p.path).toMatch(/^\/dev\//);
  });
});
