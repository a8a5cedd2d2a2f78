// The demo SES's tenants (scripts/demo/ses-simulator.mjs): the SESv2 tenant calls the Worker makes
// with KURATCHI_SES_TENANTS=on, kept in memory, and a send with TenantName refused while the
// tenant's sending status is DISABLED, as SES refuses it. Each call is logged, so a guard pause
// shows as the tenant disabled here, and a lift as reinstated.
//   POST /v2/email/tenants                     CreateTenant (AlreadyExistsException when it exists)
//   POST /v2/email/tenants/get                 GetTenant
//   POST /v2/email/tenants/delete              DeleteTenant
//   POST /v2/email/tenant/suppression          PutTenantSuppressionAttributes
//   POST /v2/email/tenants/resources           CreateTenantResourceAssociation
//   POST /v2/email/tenants/list                ListTenants
//   POST /v2/email/resources/tenants/list      ListResourceTenants
//   POST /v2/email/reputation/entities          ListReputationEntities (no findings)
//   GET  /v2/email/reputation/entities/RESOURCE/{tenant ARN}   GetReputationEntity
//   PUT  /v2/email/reputation/entities/RESOURCE/{tenant ARN}/customer-managed-status
//                                              UpdateReputationEntityCustomerManagedStatus
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html

/** The demo's account: the ARNs SES would give in us-east-1. */
const PLACE = 'arn:aws:ses:us-east-1:123456789012';

/**
 * The tenants of the demo SES.
 * @param {(line: string) => void} log
 */
export function createTenantSimulator(log) {
  /** @type {Map<string, { TenantName: string, TenantId: string, TenantArn: string, CreatedTimestamp: number, customer: string, resources: Set<string>, SuppressionAttributes?: object }>} */
  const tenants = new Map();
  const error = (status, type, message) => ({ status, body: { message }, headers: { 'x-amzn-errortype': type } });
  const ok = (body = {}) => ({ status: 200, body });
  const sendingStatus = (t) => (t.customer === 'DISABLED' ? 'DISABLED' : t.customer);
  const view = (t) => ({
    TenantName: t.TenantName,
    TenantId: t.TenantId,
    TenantArn: t.TenantArn,
    CreatedTimestamp: t.CreatedTimestamp,
    SendingStatus: sendingStatus(t),
    SuppressionAttributes: t.SuppressionAttributes,
  });
  const named = (input) => tenants.get(input.TenantName);

  return {
    /**
     * The answer to a tenant call, or null when the request is not one.
     * @param {string} method
     * @param {string} path
     * @param {any} input the parsed JSON body ({} when none)
     * @returns {{ status: number, body: object, headers?: Record<string, string> } | null}
     */
    answer(method, path, input) {
      if (method === 'POST' && path === '/v2/email/tenants') {
        if (tenants.has(input.TenantName)) return error(400, 'AlreadyExistsException', 'the tenant exists');
        const id = `t-${tenants.size + 1}`;
        const tenant = {
          TenantName: input.TenantName,
          TenantId: id,
          TenantArn: `${PLACE}:tenant/${input.TenantName}/${id}`,
          CreatedTimestamp: Date.now() / 1000,
          customer: 'ENABLED',
          resources: new Set(),
          SuppressionAttributes: input.SuppressionAttributes,
        };
        tenants.set(input.TenantName, tenant);
        log(`  demo SES ← CreateTenant ${input.TenantName}`);
        return ok(view(tenant));
      }
      if (method === 'POST' && path === '/v2/email/tenants/get') {
        const tenant = named(input);
        return tenant ? ok({ Tenant: view(tenant) }) : error(404, 'NotFoundException', 'no such tenant');
      }
      if (method === 'POST' && path === '/v2/email/tenants/delete') {
        if (!tenants.delete(input.TenantName)) return error(404, 'NotFoundException', 'no such tenant');
        log(`  demo SES ← DeleteTenant ${input.TenantName}`);
        return ok();
      }
      // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutTenantSuppressionAttributes.html
      if (method === 'POST' && path === '/v2/email/tenant/suppression') {
        const tenant = named(input);
        if (!tenant) return error(404, 'NotFoundException', 'no such tenant');
        tenant.SuppressionAttributes = {
          SuppressionScope: input.SuppressionScope,
          SuppressedReasons: input.SuppressedReasons,
        };
        log(`  demo SES ← PutTenantSuppressionAttributes ${input.TenantName} ${input.SuppressionScope}`);
        return ok();
      }
      if (method === 'POST' && path === '/v2/email/tenants/resources') {
        const tenant = named(input);
        if (!tenant) return error(404, 'NotFoundException', 'no such tenant');
        if (tenant.resources.has(input.ResourceArn)) return error(400, 'AlreadyExistsException', 'associated already');
        tenant.resources.add(input.ResourceArn);
        log(`  demo SES ← CreateTenantResourceAssociation ${input.TenantName} ${input.ResourceArn}`);
        return ok();
      }
      if (method === 'POST' && path === '/v2/email/tenants/list')
        return ok({
          Tenants: [...tenants.values()].map(({ TenantName, TenantId, TenantArn, CreatedTimestamp }) => ({
            TenantName,
            TenantId,
            TenantArn,
            CreatedTimestamp,
          })),
        });
      if (method === 'POST' && path === '/v2/email/resources/tenants/list')
        return ok({
          ResourceTenants: [...tenants.values()]
            .filter((t) => t.resources.has(input.ResourceArn))
            .map((t) => ({ TenantName: t.TenantName, TenantId: t.TenantId, ResourceArn: input.ResourceArn })),
        });
      // SES's view of each tenant (ListReputationEntities, GetReputationEntity), no findings.
      // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListReputationEntities.html
      const entity = (t) => ({
        ReputationEntityReference: t.TenantArn,
        ReputationEntityType: 'RESOURCE',
        SendingStatusAggregate: sendingStatus(t) ?? 'ENABLED',
        AwsSesManagedStatus: { Status: 'ENABLED' },
        CustomerManagedStatus: { Status: t.customer ?? 'ENABLED' },
      });
      if (method === 'POST' && path === '/v2/email/reputation/entities')
        return ok({ ReputationEntities: [...tenants.values()].map(entity) });
      const one = /^\/v2\/email\/reputation\/entities\/RESOURCE\/([^/]+)$/.exec(path);
      if (method === 'GET' && one) {
        const tenant = [...tenants.values()].find((t) => t.TenantArn === decodeURIComponent(one[1]));
        if (!tenant) return error(404, 'NotFoundException', `no reputation entity ${decodeURIComponent(one[1])}`);
        return ok({ ReputationEntity: entity(tenant) });
      }
      const status = /^\/v2\/email\/reputation\/entities\/RESOURCE\/(.+)\/customer-managed-status$/.exec(path);
      if (method === 'PUT' && status) {
        const arn = decodeURIComponent(status[1]);
        const tenant = [...tenants.values()].find((t) => t.TenantArn === arn);
        if (!tenant) return error(400, 'BadRequestException', `no reputation entity ${arn}`);
        tenant.customer = input.SendingStatus;
        log(
          `  demo SES ← tenant ${tenant.TenantName}: customer-managed status ${input.SendingStatus} (sending ${sendingStatus(tenant)})`,
        );
        return ok();
      }
      return null;
    },

    /**
     * SES's refusal of a SendEmail with the TenantName of a DISABLED tenant, or null.
     * @param {any} input the SendEmail request
     */
    refusal(input) {
      const tenant = input.TenantName && tenants.get(input.TenantName);
      if (!tenant || sendingStatus(tenant) !== 'DISABLED') return null;
      log(`  demo SES ✗ SendEmail refused: tenant ${tenant.TenantName} is DISABLED`);
      return error(400, 'SendingPausedException', `sending is paused for tenant ${tenant.TenantName}`);
    },
  };
}
