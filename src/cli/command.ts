/** The shape of one CLI command module (src/cli/commands/<name>.ts). */
export interface CliCommand {
  /** One line shown in `spikestream --help`. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  /** Runs the command; returns the process exit code. Throw UsageError for bad arguments. */
  run(argv: readonly string[]): Promise<number>;
}
