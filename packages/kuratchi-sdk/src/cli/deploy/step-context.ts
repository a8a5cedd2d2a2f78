import { tty } from '../terminal-text.js';
import { runProcess, type ProcessResult } from './processes.js';
import type { Print } from '../command.js';

/** A step that failed: its name, why, and what the process printed. */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
  constructor(
    readonly step: string,
    message: string,
    readonly output = '',
  ) {
    super(message);
  }
}

/** What a step reports: found or unchanged (nothing to do), created, updated, ran, or planned (dry run). */
export type StepStatus = 'found' | 'unchanged' | 'created' | 'updated' | 'ran' | 'planned';

/** What every step of `kuratchi-ses deploy` works with. */
export interface DeployContext {
  dryRun: boolean;
  /** The configuration's absolute path, and as printed (relative to the working directory). */
  configPath: string;
  shown: string;
  /** The configuration's directory: where wrangler runs. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The wrangler executable (set by the first step). */
  wrangler: string;
  /** The step under way: a failure nobody named is reported as this step's. */
  step: string;
  /** Prints one step's line. */
  report(status: StepStatus, detail: string, step?: string): void;
  /**
   * Runs `wrangler …args --config <configuration>`; a non-zero exit fails the step unless
   * `mayFail` (the caller reads the answer: "does not exist" is an answer).
   */
  wranglerRun(args: readonly string[], options?: { input?: string; mayFail?: boolean }): Promise<ProcessResult>;
  /** A wrangler command as printed (`wrangler d1 create kuratchi-admin`). */
  shownCommand(args: readonly string[]): string;
  out: Print;
}

/** The context of one run. */
export function deployContext(
  fields: Pick<DeployContext, 'dryRun' | 'configPath' | 'shown' | 'cwd' | 'env' | 'out'>,
): DeployContext {
  const context: DeployContext = {
    ...fields,
    wrangler: '',
    step: 'wrangler',
    report(status, detail, step = context.step) {
      fields.out(tty`  ${status.padEnd(9)} ${step.padEnd(30)} ${detail}`);
    },
    async wranglerRun(args, { input, mayFail = false } = {}) {
      const result = await runProcess(context.wrangler, [...args, '--config', fields.configPath], {
        cwd: fields.cwd,
        env: fields.env,
        ...(input === undefined ? {} : { input }),
      });
      if (result.status !== 0 && !mayFail)
        throw new StepFailure(
          context.step,
          `${context.shownCommand(args)} exited with ${result.status}`,
          result.stderr + result.stdout,
        );
      return result;
    },
    shownCommand: (args) => `wrangler ${args.join(' ')}`,
  };
  return context;
}
