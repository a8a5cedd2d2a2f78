import { initialTracking, type EmailRow } from 'kuratchi-sdk/internal/events';
import { describe, expect, it } from 'vitest';
import { trackingIcons } from './tracking-icons';

const at = Date.UTC(2026, 11, 1, 10, 0);
const email: EmailRow = {
  ...initialTracking(),
  id: 'e1',
  recipient: 'jane@example.com',
  sender: 's@example.com',
  subject: 'Hello',
  emailType: null,
  sesMessageId: 'm1',
  error: null,
  userId: null,
  metadata: null,
  createdAt: at,
  updatedAt: at,
  machineOpenCount: 0,
  machineClickCount: 0,
};

const tips = (row: Partial<EmailRow>) =>
  Object.fromEntries(trackingIcons({ ...email, ...row }).map((icon) => [icon.name, icon.tip]));

describe('trackingIcons', () => {
  it('says Delivered, Opened {n}x, Clicked {n}x and Bounced: {type}, each with its detail', () => {
    expect(
      tips({
        status: 'bounced',
        deliveredAt: at,
        openCount: 3,
        openedAt: at + 60_000,
        clickCount: 2,
        clickedAt: at + 120_000,
        lastClickedLink: 'https://example.com/pricing',
        bouncedAt: at + 180_000,
        bounceType: 'Permanent',
        bounceSubType: 'General',
      }),
    ).toEqual({
      delivered: 'Delivered 2026-12-01 10:00 UTC',
      opened: 'Opened 3x, first 2026-12-01 10:01 UTC',
      clicked: 'Clicked 2x, last link https://example.com/pricing',
      bounced: 'Bounced: Permanent (General) 2026-12-01 10:03 UTC',
    });
    expect(trackingIcons({ ...email, openCount: 3, openedAt: at })[0]).toMatchObject({ name: 'opened', count: 3 });
  });

  it('says how many opens and clicks a machine made, and fades an icon no person caused', () => {
    const row = { openCount: 3, machineOpenCount: 2, openedAt: at, clickCount: 1, machineClickCount: 1, clickedAt: at };
    expect(tips(row)).toMatchObject({
      opened: 'Opened 3x, 2 by machine, first 2026-12-01 10:00 UTC',
      clicked: 'Clicked 1x, all by machine, last link —',
    });
    const icons = trackingIcons({ ...email, ...row });
    expect(icons.find((i) => i.name === 'opened')?.tone).not.toContain('opacity-50');
    expect(icons.find((i) => i.name === 'clicked')?.tone).toContain('opacity-50');
  });

  it('shows nothing for an email nothing has happened to yet', () => {
    expect(trackingIcons(email)).toEqual([]);
  });

  it('tells an email SES refused at send time (Not sent, with its error) from a rendering failure', () => {
    const refused = { status: 'failed', failedAt: at, sesMessageId: null } as const;
    const error = 'MessageRejected: Email address is not verified.';
    expect(tips({ ...refused, error })).toEqual({ 'not-sent': `Not sent: ${error} 2026-12-01 10:00 UTC` });
    expect(tips({ ...refused, renderingFailure: "welcome: Attribute 'name' is not present" })).toEqual({
      'rendering-failed': "Rendering failed: welcome: Attribute 'name' is not present",
    });
  });
});
