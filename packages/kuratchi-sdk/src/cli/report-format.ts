import type { StepReport } from 'kuratchi-sdk/internal/setup';
import { tty, type TerminalText } from './terminal-text.js';

/** A step report as aligned text lines, errors indented under their step. */
export function formatSteps(steps: readonly StepReport[]): TerminalText[] {
  const stepWidth = Math.max(...steps.map((s) => s.step.length));
  const statusWidth = Math.max(9, ...steps.map((s) => s.status.length));
  const lines: TerminalText[] = [];
  for (const s of steps) {
    lines.push(tty`  ${s.status.padEnd(statusWidth)} ${s.step.padEnd(stepWidth)}  ${s.detail}`);
    if (s.error) lines.push(tty`  ${''.padEnd(statusWidth)} ${''.padEnd(stepWidth)}  error: ${s.error}`);
  }
  return lines;
}
