import {
  DEFAULT_CONFIGURATION_SET_NAME,
  type SesClientInput,
  type TenantResources,
} from 'kuratchi-sdk/internal/tenants';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';

/** Whether organisations get SES tenants, with what; or why not. */
export type TenantSettings =
  { enabled: true; ses: SesClientInput; resources: TenantResources } | { enabled: false; reason: string };

/** The domain of an address (`kuratchi@dash.example.com` → `dash.example.com`). */
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * The SES tenant settings: `KURATCHI_SES_TENANTS=on` and the Worker's AWS credentials. Every
 * tenant gets the configuration sets the Worker sends with (`kuratchi-email-tracking` and
 * `KURATCHI_CANARY_CONFIGURATION_SET`) and the identities organisations send from
 * (`KURATCHI_SES_TENANT_IDENTITIES`, and the domains of `KURATCHI_MAIL_FROM` and
 * `KURATCHI_CANARY_FROM`); an organisation's own configuration set is added by the SDK.
 * @throws {ConfigError} naming every bad variable.
 * @see https://docs.aws.amazon.com/ses/latest/dg/tenants.html
 */
export function tenantSettings(env: DashboardEnv): TenantSettings {
  const aws = readSettings(env, 'aws');
  if (aws.KURATCHI_SES_TENANTS !== 'on') return { enabled: false, reason: 'off (KURATCHI_SES_TENANTS is not on)' };
  const ses = readConfig(env).ses;
  if (!ses) return { enabled: false, reason: 'not configured: the Worker has no AWS credentials' };
  const canary = readSettings(env, 'canary');
  const from = [readSettings(env, 'mail').KURATCHI_MAIL_FROM, canary.KURATCHI_CANARY_FROM].filter(
    (address): address is string => Boolean(address),
  );
  const unique = (values: string[]) => [...new Set(values)];
  return {
    enabled: true,
    ses,
    resources: {
      configurationSets: unique(
        [DEFAULT_CONFIGURATION_SET_NAME, canary.KURATCHI_CANARY_CONFIGURATION_SET].filter((name): name is string =>
          Boolean(name),
        ),
      ),
      identities: unique([...aws.KURATCHI_SES_TENANT_IDENTITIES.map((i) => i.toLowerCase()), ...from.map(domainOf)]),
    },
  };
}
