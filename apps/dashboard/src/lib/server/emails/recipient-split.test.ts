import { describe, expect, it } from 'vitest';
import { readEmailLogQuery } from './filters';
import { extraRecipients, recipientSplit } from './recipient-split';

describe('recipient split of the email log', () => {
  it('lists the outcomes in status order when there are several recipients, nothing for one', () => {
    expect(recipientSplit({ bounced: 1, delivered: 2 })).toBe('2 delivered, 1 bounced');
    expect(recipientSplit({ delivered: 3 })).toBe('3 delivered');
    expect(recipientSplit({ delivered: 1 })).toBeNull();
    expect(recipientSplit({})).toBeNull();
  });

  it('counts the CC and BCC recipients beyond the To list', () => {
    expect(extraRecipients('a@example.com', { delivered: 2, bounced: 1 })).toBe(2);
    expect(extraRecipients('a@example.com, b@example.com', { delivered: 2 })).toBe(0);
    expect(extraRecipients('a@example.com', {})).toBe(0);
  });
});

describe('the engagement filter of the email log', () => {
  it('engaged=human asks for emails a person opened or clicked; anything else is no filter', () => {
    expect(readEmailLogQuery(new URLSearchParams('engaged=human'))).toMatchObject({
      filter: { engagedBy: 'human' },
      form: { engaged: 'human' },
    });
    const other = readEmailLogQuery(new URLSearchParams('engaged=machine'));
    expect(other.filter.engagedBy).toBeUndefined();
    expect(other.form.engaged).toBe('');
  });
});
