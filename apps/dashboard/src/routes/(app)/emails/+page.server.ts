import { EMAIL_STATUSES } from 'kuratchi-sdk/email/events';
import type { PageServerLoad } from './$types';
import { emailLogSearch, readEmailLogQuery } from '$lib/server/emails/filters';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
  const query = readEmailLogQuery(url.searchParams);
  const page = await (
    await activeOrganizationQueries(locals)
  ).listEmails(query.filter, { cursor: query.cursor, limit: PAGE_SIZE });
  return {
    emails: page.emails,
    form: query.form,
    statuses: EMAIL_STATUSES,
    isFirstPage: !query.cursor,
    firstPageHref: `/emails${emailLogSearch(query.form)}`,
    nextPageHref: page.nextCursor ? `/emails${emailLogSearch(query.form, { cursor: page.nextCursor })}` : null,
    exportHref: `/emails/export.csv${emailLogSearch(query.form)}`,
  };
};
