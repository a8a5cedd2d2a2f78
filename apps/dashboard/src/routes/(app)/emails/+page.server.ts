import { EMAIL_STATUSES } from 'kuratchi-sdk/internal/events';
import type { PageServerLoad } from './$types';
import { emailLogSearch, readEmailLogQuery } from '$lib/server/emails/filters';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';
import { extraRecipients, recipientSplit } from '$lib/server/emails/recipient-split';
import { organizationRetention } from '$lib/server/retention/manage';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ locals, url, platform }) => {
  const query = readEmailLogQuery(url.searchParams);
  const page = await (
    await activeOrganizationQueries(locals)
  ).listEmails(query.filter, { cursor: query.cursor, limit: PAGE_SIZE });
  return {
    emails: page.emails.map((email) => ({
      ...email,
      split: recipientSplit(email.recipientOutcomes),
      extraRecipients: extraRecipients(email.recipient, email.recipientOutcomes),
    })),
    form: query.form,
    statuses: EMAIL_STATUSES,
    isFirstPage: !query.cursor,
    firstPageHref: `/emails${emailLogSearch(query.form)}`,
    nextPageHref: page.nextCursor ? `/emails${emailLogSearch(query.form, { cursor: page.nextCursor })}` : null,
    exportHref: `/emails/export.csv${emailLogSearch(query.form)}`,
    exportRecipientsHref: `/emails/export.csv${emailLogSearch(query.form, { per: 'recipient' })}`,
    // How long this organisation's emails, events and archived raw SNS messages are kept
    // (read-only: a superadmin sets it).
    retention: await organizationRetention(platform!.env, locals.session!.organization.id).then((r) => ({
      ...r.effective,
      archiveDays: r.archive.days,
    })),
    exportDailyHref: `/emails/export.csv${emailLogSearch(
      { ...query.form, status: '', q: '', engaged: '', canary: '' },
      { per: 'day' },
    )}`,
  };
};
