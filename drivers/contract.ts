/**
 * The one contract every source driver implements (DESIGN.md §8). A driver is addressed by a
 * URI scheme (`file:`, `dv://`, `edvs:`, `serial:`, `udp://`, `emulate:`) and opened into an
 * `OpenedSource`: stream info plus an Observable of packets stamped with their arrival time.
 */
import type { Observable } from 'rxjs';
import type { EventPacket } from '../src/events/packet.ts';
import type { StreamInfo } from '../src/events/stream-info.ts';
import type { SpikestreamError } from '../src/events/errors.ts';

/** Counters a source keeps; shown in `metrics` and `info`. */
export interface SourceStats {
  /** Bytes received from the device/file/socket. */
  bytes: number;
  /** Events delivered downstream. */
  events: number;
  /** Events or bytes dropped by a bounded queue or a filter at the source, by reason. */
  dropped: Record<string, number>;
  /** Reconnects after the device/socket went away. */
  reconnects: number;
  /** Records skipped / repairs made by the decoder, by kind. */
  skipped: Record<string, number>;
  repaired: Record<string, number>;
  /** Last error (message), if any. */
  lastError?: string;
}

export function emptySourceStats(): SourceStats {
  return { bytes: 0, events: 0, dropped: {}, reconnects: 0, skipped: {}, repaired: {} };
}

/** A status change a source reports (device gone, reconnecting, back, ended). */
export interface SourceStatus {
  readonly state: 'open' | 'reconnecting' | 'closed' | 'ended' | 'error';
  readonly message?: string;
  readonly error?: SpikestreamError;
}

export interface OpenedSource {
  readonly uri: string;
  readonly info: StreamInfo;
  /**
   * Packets in stream order, each with `arrivalMs` set. Cold for files (each subscription
   * replays), shared for live devices. Completes when the source ends; errors with a
   * SpikestreamError when it fails for good.
   */
  readonly packets: Observable<EventPacket>;
  /** Status changes (for the server's `metrics`/`error` messages). */
  readonly status: Observable<SourceStatus>;
  readonly stats: SourceStats;
  /** Releases the device/file/socket. Idempotent. */
  close(): Promise<void>;
}

export interface SourceOptions {
  /** Geometry override for sources without a header. */
  readonly width?: number;
  readonly height?: number;
  /** Abort opening (e.g. on SIGINT). */
  readonly signal?: AbortSignal;
}

export interface SourceDriver {
  /** URI schemes this driver handles, without the colon: ["file"], ["dv", "dv+unix"], ... */
  readonly schemes: readonly string[];
  readonly description: string;
  open(uri: URL, options?: SourceOptions): Promise<OpenedSource>;
}
