import { describe, expect, it } from 'vitest';
import { isMailboxSimulatorAddress, mailboxSimulatorAddress } from './mailbox-simulator.js';

describe('the SES mailbox simulator addresses', () => {
  it('labels a scenario with +label, and refuses a label that is not one', () => {
    expect(mailboxSimulatorAddress('bounce')).toBe('bounce@simulator.amazonses.com');
    expect(mailboxSimulatorAddress('complaint', 'run-1')).toBe('complaint+run-1@simulator.amazonses.com');
    expect(() => mailboxSimulatorAddress('success', 'a@b')).toThrow(RangeError);
    expect(() => mailboxSimulatorAddress('success', '')).toThrow(RangeError);
  });

  it('recognises labelled addresses in any case, and nothing at another domain', () => {
    expect(isMailboxSimulatorAddress('Bounce+x@Simulator.AmazonSES.com')).toBe(true);
    expect(isMailboxSimulatorAddress('bounce@simulator.amazonses.com.evil.example')).toBe(false);
    expect(isMailboxSimulatorAddress('simulator.amazonses.com')).toBe(false);
  });
});
