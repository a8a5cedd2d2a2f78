import type { EmailLogFilter } from 'kuratchi-sdk/internal/d1';
import { EMAIL_STATUSES, type EmailStatus } from 'kuratchi-sdk/internal/events';

/**
 * The email log filter as it appears in the URL (`?status=&q=&from=&to=&engaged=&canary=&tag=&cursor=`); `q`
 * is the search box ("Search recipient, subject or message id").
 */
export interface EmailLogQuery {
  filter: EmailLogFilter;
  /** The same values, for the form fields and links. */
  form: { status: string; q: string; from: string; to: string; engaged: string; canary: string; tag: string };
  cursor: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** A tag filter, `name:value`: a tag given to `sendEmail` (SES message tag characters). */
export const TAG_FILTER_PATTERN = /^([A-Za-z0-9_-]{1,256}):([A-Za-z0-9_-]{1,256})$/;

/** The SDK's tag filter of a `name:value` text, or null when it is not one. */
export function tagFilterOf(text: string): { name: string; value: string } | null {
  const match = TAG_FILTER_PATTERN.exec(text);
  return match ? { name: match[1]!, value: match[2]! } : null;
}

/** Longest search text kept from `q` (the SDK takes any text; this bounds the work of one request). */
export const SEARCH_MAX_LENGTH = 200;

/**
 * Reads the email log filter from search params. Unknown statuses and malformed dates are
 * dropped (the form shows what is applied); `to` is an inclusive UTC day. `q` is the SDK's
 * `search`: any part of a To, CC or BCC address, subject words, or a whole SES message id,
 * case-insensitive, as literal text (terms under three characters are left out by the SDK).
 * The CSV export reads the same params, so it exports exactly the filtered log.
 * @see docs/guides/operate.md (Search and export) at the repository root
 */
export function readEmailLogQuery(params: URLSearchParams): EmailLogQuery {
  const status = params.get('status') ?? '';
  const q = (params.get('q') ?? '').trim().slice(0, SEARCH_MAX_LENGTH).trim();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const filter: EmailLogFilter = {};
  const form = { status: '', q, from: '', to: '', engaged: '', canary: '', tag: '' };
  if ((EMAIL_STATUSES as readonly string[]).includes(status)) {
    filter.status = status as EmailStatus;
    form.status = status;
  }
  if (q) filter.search = q;
  if (DAY.test(from) && !Number.isNaN(Date.parse(from))) {
    filter.from = Date.parse(`${from}T00:00:00Z`);
    form.from = from;
  }
  if (DAY.test(to) && !Number.isNaN(Date.parse(to))) {
    filter.to = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
    form.to = to;
  }
  // `engaged=human`: opened or clicked by a person (not only by a proxy or a link scanner).
  if (params.get('engaged') === 'human') {
    filter.engagedBy = 'human';
    form.engaged = 'human';
  }
  // `canary=include|only`: the canary's emails to the SES mailbox simulator, hidden by default.
  const canary = params.get('canary');
  if (canary === 'include' || canary === 'only') {
    filter.canary = canary;
    form.canary = canary;
  }
  // `tag=name:value`: sent with that tag.
  const tag = tagFilterOf((params.get('tag') ?? '').trim());
  if (tag) {
    filter.tag = tag;
    form.tag = `${tag.name}:${tag.value}`;
  }
  return { filter, form, cursor: params.get('cursor') };
}

/** Search params of a filter (empty values left out), plus extra entries. */
export function emailLogSearch(form: EmailLogQuery['form'], extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...form, ...extra })) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
