// STAND-IN for the lead's content-identity contract (common.md): replaced by main's file on merge.
import { consumeSesEventBatch } from './consume-batch.js';
import type { SesEventQueueMessage } from './queue-message.js';
import type { EventSinkPorts } from './record.js';

/** Stand-in: what became of one message applied inline. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'parked' | 'orphaned' | 'dead-lettered' | 'unreadable' | 'retry';

/** Stand-in: `consumeSesEventBatch` run inline, ≤100 messages per call, one outcome per message. */
export async function applySesEventMessages(
  ports: EventSinkPorts,
  messages: readonly SesEventQueueMessage[],
): Promise<{ outcomes: ApplyOutcome[]; counts: Map<string, number> }> {
  const outcomes: ApplyOutcome[] = [];
  const counts = new Map<string, number>();
  for (let from = 0; from < messages.length; from += 100) {
    const chunk = messages.slice(from, from + 100);
    const report = await consumeSesEventBatch(
      ports,
      chunk.map((body, i) => ({ id: String(from + i), body, attempts: 1 })),
    );
    chunk.forEach((_, i) => {
      const v = report.verdicts.get(String(from + i))!;
      outcomes.push(v.action === 'retry' ? 'retry' : v.outcome);
    });
    for (const [name, n] of report.counts) counts.set(name, (counts.get(name) ?? 0) + n);
  }
  return { outcomes, counts };
}
