import type { StepReport } from 'kuratchi-sdk/internal/setup';

/** A step report as aligned text lines, errors indented under their step. */
export function formatSteps(steps: readonly StepReport[]): string[] {
  const stepWidth = Math.max(...steps.map((s) => s.step.length));
  const lines: string[] = [];
  for (const s of steps) {
    lines.push(`  ${s.status.padEnd(9)} ${s.step.padEnd(stepWidth)}  ${s.detail}`);
    if (s.error) lines.push(`  ${''.padEnd(9)} ${''.padEnd(stepWidth)}  error: ${s.error}`);
  }
  return lines;
}
