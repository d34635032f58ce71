/**
 * What a decoder saw besides events: records it skipped (by kind), repairs it made (by kind),
 * and problems in the bytes with their offsets. Decoders never throw on bad bytes; they record
 * an issue here, keep every complete event before the damage, and (for a fatal issue) stop.
 */

export interface DecodeIssue {
  /** Absolute byte offset in the stream where the problem starts. */
  readonly byteOffset: number;
  /** The field or structure that was wrong, e.g. "magic", "packet header.size", "row 12". */
  readonly field: string;
  readonly message: string;
  /** A fatal issue ends decoding: nothing after it is read. */
  readonly fatal: boolean;
}

/** How many issues are kept verbatim; the rest are only counted. */
export const MAX_KEPT_ISSUES = 64;

export class DecodeStats {
  /** Bytes consumed so far (header included). */
  bytes = 0;
  /** Events emitted. */
  events = 0;
  /** Records skipped, by kind (e.g. "imu", "aps", "ext_trigger", "before_first_time_high"). */
  readonly skipped: Record<string, number> = {};
  /** Repairs made, by kind (e.g. "time_backwards", "time_wrap"). Wraps unwrapped are counted too. */
  readonly repaired: Record<string, number> = {};
  readonly issues: DecodeIssue[] = [];
  issueCount = 0;
  fatal: DecodeIssue | undefined = undefined;

  skip(kind: string, n = 1): void {
    this.skipped[kind] = (this.skipped[kind] ?? 0) + n;
  }

  repair(kind: string, n = 1): void {
    this.repaired[kind] = (this.repaired[kind] ?? 0) + n;
  }

  issue(byteOffset: number, field: string, message: string, fatal = false): void {
    const entry: DecodeIssue = { byteOffset, field, message, fatal };
    this.issueCount++;
    if (this.issues.length < MAX_KEPT_ISSUES) this.issues.push(entry);
    if (fatal && this.fatal === undefined) this.fatal = entry;
  }

  toJSON(): {
    bytes: number;
    events: number;
    skipped: Record<string, number>;
    repaired: Record<string, number>;
    issueCount: number;
    issues: DecodeIssue[];
    fatal: DecodeIssue | null;
  } {
    return {
      bytes: this.bytes,
      events: this.events,
      skipped: { ...this.skipped },
      repaired: { ...this.repaired },
      issueCount: this.issueCount,
      issues: [...this.issues],
      fatal: this.fatal ?? null,
    };
  }
}
