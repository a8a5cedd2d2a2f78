import { initialRecipientTracking, initialTracking, type EmailRow } from 'kuratchi-sdk/internal/events';
import { describe, expect, it } from 'vitest';
import { ingestionFigures, ingestionHealth } from '../health';
import { timelineDetails } from '../../timeline';
import { CSV_HEADER, csvLine, RECIPIENT_CSV_HEADER, recipientCsvLine } from './csv';
import { emailLogSearch, readEmailLogQuery, SEARCH_MAX_LENGTH } from './filters';

const email: EmailRow = {
  ...initialTracking(),
  id: 'e1',
  recipient: 'jane@example.com',
  sender: 's@example.com',
  subject: 'Hello, "world"\nagain',
  emailType: 'marketing',
  sesMessageId: 'm1',
  error: null,
  userId: null,
  metadata: null,
  createdAt: Date.UTC(2026, 10, 1),
  updatedAt: 0,
  machineOpenCount: 0,
  machineClickCount: 0,
};

describe('CSV export lines', () => {
  it('quotes every text cell, doubling its quotes (RFC 4180); numbers bare, missing values empty', () => {
    expect(CSV_HEADER.startsWith('id,created_at,sent_at,recipient,subject,')).toBe(true);
    expect(csvLine(email)).toBe(
      '"e1","2026-11-01T00:00:00.000Z",,"jane@example.com","Hello, ""world""\nagain","marketing","pending",,0,0,0,0,,,,,,,,,,\r\n',
    );
  });

  it('ends with when sending failed and the error SES gave', () => {
    expect(CSV_HEADER.endsWith(',rendering_failure,failed_at,error\r\n')).toBe(true);
    const refused = {
      ...email,
      status: 'failed' as const,
      failedAt: Date.UTC(2026, 11, 1, 10),
      error: 'MessageRejected: Email address is not verified.',
    };
    expect(csvLine(refused)).toMatch(
      /,"2026-12-01T10:00:00.000Z","MessageRejected: Email address is not verified."\r\n$/,
    );
  });

  it('per recipient: one line per address with its own outcome, guarded the same way', () => {
    expect(
      RECIPIENT_CSV_HEADER.startsWith('email_id,created_at,subject,email_type,email_status,address,kind,status,'),
    ).toBe(true);
    const line = recipientCsvLine({
      email: { ...email, status: 'bounced' },
      recipient: {
        ...initialRecipientTracking(),
        address: '=cmd@example.com',
        kind: 'bcc',
        status: 'bounced',
        bouncedAt: Date.UTC(2026, 11, 1, 10),
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bounceDiagnostic: 'smtp; 550 5.1.1 user unknown',
      },
    });
    expect(line).toContain(`"bounced","'=cmd@example.com","bcc","bounced",`);
    expect(line).toContain(`"2026-12-01T10:00:00.000Z","Permanent","General","smtp; 550 5.1.1 user unknown",,\r\n`);
  });

  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(csvLine({ ...email, subject: '=HYPERLINK("http://evil")' })).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvLine({ ...email, subject: '@SUM(A1)' })).toContain(`"'@SUM(A1)"`);
  });

  /** The line of an email with this subject contains exactly this subject cell. */
  const expectSubjectCell = (subject: string, cell: string) =>
    expect(csvLine({ ...email, subject })).toContain(`,"jane@example.com",${cell},"marketing",`);

  it('neutralises formula triggers after any separator a spreadsheet may split on (OWASP CSV Injection)', () => {
    expectSubjectCell('Hi;=HYPERLINK("http://evil")', `"Hi;'=HYPERLINK(""http://evil"")"`);
    expectSubjectCell('a,+1', `"a,'+1"`);
    expectSubjectCell('a; -1', `"a; '-1"`);
    expectSubjectCell('a\t@SUM(A1)', `"a\t'@SUM(A1)"`);
    expectSubjectCell('a\r\n=1', `"a\r\n'=1"`);
    expectSubjectCell('=1+2";=1+2', `"'=1+2"";'=1+2"`); // OWASP's example
    expectSubjectCell("it's -5, or 3-4", `"it's -5, or 3-4"`); // a trigger inside text stays as it is
  });

  it('leaves no formula at the start of any piece, whichever separator the line is split on', () => {
    const payloads = [
      'Hi;=HYPERLINK("http://evil")',
      'x, =1+1',
      'x;"=1+1"',
      "x;'@A1",
      'x\t\t-1',
      'x\n\r+1',
      'x\r\n=1',
      "=cmd|' /C calc'!A0;=1",
    ];
    for (const payload of payloads) {
      const line = csvLine({ ...email, subject: payload });
      for (const separator of [',', ';', '\t', '\r', '\n']) {
        for (const piece of line.split(separator)) {
          expect(
            piece.replace(/^[ "]*/, ''),
            `${JSON.stringify(payload)} split on ${JSON.stringify(separator)}`,
          ).not.toMatch(/^[=+\-@]/);
        }
      }
    }
  });
});

describe('email log filters from the URL', () => {
  it('keeps valid values, drops the rest, and makes `to` an inclusive day', () => {
    const query = readEmailLogQuery(
      new URLSearchParams('status=bounced&q=%20jane%20&from=2026-11-01&to=2026-11-02&cursor=abc'),
    );
    expect(query.filter).toEqual({
      status: 'bounced',
      search: 'jane',
      from: Date.UTC(2026, 10, 1),
      to: Date.UTC(2026, 10, 3),
    });
    expect(query.cursor).toBe('abc');
    expect(
      readEmailLogQuery(new URLSearchParams('status=drop table&from=yesterday&to=2026-13-45&tag=no-colon')).filter,
    ).toEqual({});
    expect(readEmailLogQuery(new URLSearchParams('tag=%20campaign:spring-1%20'))).toMatchObject({
      filter: { tag: { name: 'campaign', value: 'spring-1' } },
      form: { tag: 'campaign:spring-1' },
    });
    expect(emailLogSearch(query.form, { cursor: 'x' })).toBe(
      '?status=bounced&q=jane&from=2026-11-01&to=2026-11-02&cursor=x',
    );
  });

  it('passes the search box on as the SDK search, literal, trimmed and bounded', () => {
    const read = (q: string) => readEmailLogQuery(new URLSearchParams({ q }));
    // Any text is the search's literal text: FTS5 syntax, quotes and SQL included (the SDK quotes it).
    for (const q of ['"Q4" OR *', 'NOT -x', "'; DROP TABLE emails; --", 'ia.rossi@exa', 'é€👍']) {
      expect(read(q).filter, q).toEqual({ search: q });
      expect(read(q).form.q).toBe(q);
    }
    expect(read('  Invoice march \t').filter).toEqual({ search: 'Invoice march' });
    // Short terms are the SDK's to leave out: the text is passed as typed and shown in the box.
    expect(read('jo').filter).toEqual({ search: 'jo' });
    expect(read('   ').filter).toEqual({});
    expect(read(`${'x'.repeat(SEARCH_MAX_LENGTH)}yyy`).filter).toEqual({ search: 'x'.repeat(SEARCH_MAX_LENGTH) });
    expect(read(`${'x'.repeat(SEARCH_MAX_LENGTH - 1)} y`).filter).toEqual({
      search: 'x'.repeat(SEARCH_MAX_LENGTH - 1),
    });
    // The export link carries the same filter as the page.
    const query = readEmailLogQuery(new URLSearchParams('q=a b&status=sent'));
    expect(emailLogSearch(query.form)).toBe('?status=sent&q=a+b');
    expect(readEmailLogQuery(new URLSearchParams(emailLogSearch(query.form))).filter).toEqual(query.filter);
  });
});

describe('ingestion health', () => {
  const counters = [
    { name: 'verified', count: 10, lastAt: 0 },
    { name: 'outcome:applied', count: 7, lastAt: 0 },
    { name: 'outcome:duplicate', count: 2, lastAt: 0 },
    { name: 'outcome:parked', count: 1, lastAt: 0 },
    { name: 'rejected:signature-mismatch', count: 3, lastAt: 0 },
    { name: 'rejected:topic-not-allowed', count: 4, lastAt: 0 },
  ];
  it('sums the counters and warns only past the stale window', () => {
    const now = 10_000_000;
    const figures = ingestionFigures('deployment', counters);
    expect(figures).toMatchObject({ verified: 10, applied: 7, duplicate: 2, parked: 1, rejected: 7 });
    const ok = ingestionHealth(
      { lastEventReceivedAt: now - 1000, oldestUnfollowedSendAt: now - 29 * 60_000 },
      30,
      now,
      figures,
    );
    expect(ok).toMatchObject({ organization: figures, deployment: null, warning: null });
    const stale = ingestionHealth(
      { lastEventReceivedAt: null, oldestUnfollowedSendAt: now - 31 * 60_000 },
      30,
      now,
      figures,
    );
    expect(stale.warning).toMatch(/^Emails were sent 31 minutes ago and no SES event has arrived since/);
    expect(
      ingestionHealth({ lastEventReceivedAt: null, oldestUnfollowedSendAt: null }, 30, now, figures).warning,
    ).toBeNull();
  });

  it('leaves out of an organisation what is counted before its route is known', () => {
    expect(ingestionFigures('organization', counters)).toMatchObject({
      verified: null,
      rejected: null,
      queued: null,
      retried: null,
      refusedRecords: null,
      applied: 7,
      duplicate: 2,
      parked: 1,
    });
  });
});

describe('timeline details', () => {
  it('shows what matters of each event type', () => {
    expect(timelineDetails('Click', { link: 'https://x', ipAddress: '192.0.2.1', userAgent: 'UA' })).toEqual([
      ['Link', 'https://x'],
      ['IP address', '192.0.2.1'],
      ['User agent', 'UA'],
    ]);
    expect(
      timelineDetails('Bounce', {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ diagnosticCode: 'smtp; 550', status: '5.1.1' }],
      }),
    ).toEqual([
      ['Bounce type', 'Permanent / General'],
      ['Diagnostic', 'smtp; 550'],
      ['Status', '5.1.1'],
    ]);
    // A message to several: which of them the event concerns.
    expect(
      timelineDetails('Bounce', {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'ana@example.com' }, { emailAddress: 'ben@example.org' }],
      }),
    ).toEqual([
      ['Bounce type', 'Permanent / General'],
      ['Recipients', 'ana@example.com, ben@example.org'],
    ]);
    expect(timelineDetails('Delivery', { recipients: ['cc@example.net'], smtpResponse: '250 OK' })).toEqual([
      ['Recipients', 'cc@example.net'],
      ['SMTP response', '250 OK'],
    ]);
    expect(timelineDetails('Send', {})).toEqual([]);
  });
});
