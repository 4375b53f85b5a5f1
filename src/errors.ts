// The short list of error types; cli.ts alone turns them into exit codes.

/** Bad flags or arguments. Exit 2. */
export class UsageError extends Error {}

/** The config (file or seed env) is invalid: every problem, with its path. Exit 2. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

/** The cluster could not be reached, read or authenticated against. Exit 2, nothing done. */
export class ClusterAccessError extends Error {}

/** The plan exceeded abortIfMoreThan. Exit 3, nothing done. */
export class BlastRadiusError extends Error {}

export const EXIT = {
  ok: 0,
  actionFailed: 1,
  usage: 2,
  blastRadius: 3,
  interrupted: 4,
  findings: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
