// The demo SES's suppression lists (ses-simulator.mjs): the account's and each tenant's, kept in
// memory, answering the SESv2 REST calls of the tenant suppression sync (kuratchi-sdk
// send/tenant-sync.ts). `TenantName` picks the tenant's list; without it, the account's. Every
// tenant is taken to exist (the demo's tenants are created elsewhere).
//   PUT    /v2/email/suppression/addresses                 PutSuppressedDestination
//   GET    /v2/email/suppression/addresses                 ListSuppressedDestinations (PageSize, NextToken)
//   GET    /v2/email/suppression/addresses/{EmailAddress}  GetSuppressedDestination; else NotFoundException
//   DELETE /v2/email/suppression/addresses/{EmailAddress}  DeleteSuppressedDestination; else NotFoundException
// https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list-tenant-level-manage.html
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListSuppressedDestinations.html

const PREFIX = '/v2/email/suppression/addresses';

/**
 * The lists and their request handler.
 * @param {(line: string) => void} log
 * @returns {{ handle: (method: string, url: URL, body: string, answer: Function) => boolean,
 *   lists: Map<string, Map<string, { EmailAddress: string, Reason: string, LastUpdateTime: number }>> }}
 */
export function createSuppressionLists(log) {
  /** '' (the account) or a tenant name → lower-cased address → its entry (SES keeps the case it was given). */
  const lists = new Map();
  const listOf = (url) => {
    const name = url.searchParams.get('TenantName') ?? '';
    if (!lists.has(name)) lists.set(name, new Map());
    return { name, list: lists.get(name) };
  };
  const notFound = (answer, address) =>
    answer(404, { message: `${address} is not on the list` }, { 'x-amzn-errortype': 'NotFoundException' });

  function handle(method, url, body, answer) {
    if (url.pathname === PREFIX && method === 'PUT') {
      const input = JSON.parse(body || '{}');
      if (!input.EmailAddress || !['BOUNCE', 'COMPLAINT'].includes(input.Reason))
        return (
          answer(
            400,
            { message: 'EmailAddress and Reason (BOUNCE or COMPLAINT) are required' },
            {
              'x-amzn-errortype': 'BadRequestException',
            },
          ),
          true
        );
      const name = input.TenantName ?? '';
      if (!lists.has(name)) lists.set(name, new Map());
      lists.get(name).set(input.EmailAddress.toLowerCase(), {
        EmailAddress: input.EmailAddress,
        Reason: input.Reason,
        LastUpdateTime: Date.now() / 1000,
      });
      log(`  demo SES ← PutSuppressedDestination ${input.EmailAddress} ${input.Reason} ${name || '(account)'}`);
      return (answer(200, {}), true);
    }
    if (url.pathname === PREFIX && method === 'GET') {
      const entries = [...listOf(url).list.values()];
      const size = Math.min(Number(url.searchParams.get('PageSize') ?? 1000) || 1000, 1000);
      const start = Number(url.searchParams.get('NextToken') ?? 0) || 0;
      const page = entries.slice(start, start + size);
      const more = start + size < entries.length;
      return (
        answer(200, { SuppressedDestinationSummaries: page, ...(more ? { NextToken: String(start + size) } : {}) }),
        true
      );
    }
    if (!url.pathname.startsWith(`${PREFIX}/`)) return false;
    const address = decodeURIComponent(url.pathname.slice(PREFIX.length + 1));
    const { name, list } = listOf(url);
    const entry = list.get(address.toLowerCase());
    if (method === 'GET')
      return (entry ? answer(200, { SuppressedDestination: entry }) : notFound(answer, address), true);
    if (method === 'DELETE') {
      if (!entry) return (notFound(answer, address), true);
      list.delete(address.toLowerCase());
      log(`  demo SES ← DeleteSuppressedDestination ${address} ${name || '(account)'}`);
      return (answer(200, {}), true);
    }
    return false;
  }
  return { handle, lists };
}
