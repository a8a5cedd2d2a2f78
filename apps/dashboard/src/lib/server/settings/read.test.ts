import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, readConfig } from '../config';
import { canarySettings } from '../canary/settings';
import type { SettingDefinition } from './define';
import { readSettings } from './read';
import { SETTINGS } from './registry';
import { readRenamed } from './renamed';

const registry = Object.entries(SETTINGS as Record<string, SettingDefinition>);

/** The JSON lines a console spy received. */
const lines = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map(([line]) => JSON.parse(String(line)));

afterEach(() => vi.restoreAllMocks());

describe('the registry', () => {
  it('names our knobs KURATCHI_* and leaves AWS_* to AWS', () => {
    for (const [name] of registry) expect(name).toMatch(/^(KURATCHI|AWS)_[A-Z0-9_]+$/);
  });

  it('gives each old name to one setting, and no old name is a current name', () => {
    const oldNames = registry.flatMap(([, s]) => (s.oldName ? [s.oldName] : []));
    expect(new Set(oldNames).size).toBe(oldNames.length);
    for (const old of oldNames) expect(SETTINGS).not.toHaveProperty(old);
  });

  it('has defaults its own schemas accept, and settings without one may be unset', () => {
    for (const [name, s] of registry) {
      expect(s.schema.safeParse(s.default).success, name).toBe(true);
      expect(s.description.length, name).toBeGreaterThan(0);
    }
  });
});

describe('reading a section', () => {
  it('fills in the defaults, converted', () => {
    expect(readSettings({}, 'park')).toEqual({
      KURATCHI_PARK_TTL_HOURS: 24,
      KURATCHI_PARK_MAX_EVENTS_PER_MESSAGE: 100,
      KURATCHI_DEAD_LETTER_UNROUTED_DAYS: 14,
      KURATCHI_DEAD_LETTER_DAYS: 30,
    });
    expect(readSettings({}, 'webhook')).toMatchObject({
      KURATCHI_ENVIRONMENT: 'production',
      KURATCHI_ALLOWED_TOPIC_ARNS: [],
    });
  });

  it('fails only the section of a bad setting, naming the variable: the webhook keeps its settings', () => {
    const workerEnv = { ADMIN_DB: env.ADMIN_DB, KURATCHI_CANARY_INTERVAL_MINUTES: '5' } as DashboardEnv;
    const config = readConfig(workerEnv, 'webhook', 'park');
    expect(config.allowedTopicArns).toEqual([]);
    expect(config.park.maxParkedEventsPerMessage).toBe(100);
    expect(() => canarySettings(workerEnv)).toThrow(
      "invalid canary settings: KURATCHI_CANARY_INTERVAL_MINUTES: must be at least 10 (the cron's period)",
    );
  });

  it('names every bad variable of the section in one error, one format', () => {
    const bad = { KURATCHI_RECONCILE_AFTER_HOURS: '-1', KURATCHI_RECONCILE_MAX_PER_RUN: 'many' };
    let error: unknown;
    try {
      readSettings(bad, 'reconcile');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'invalid reconcile settings: KURATCHI_RECONCILE_AFTER_HOURS: must be a positive number of hours (ask about emails sent more than this long ago); ' +
        'KURATCHI_RECONCILE_MAX_PER_RUN: Invalid input: expected number, received NaN',
    );
    expect((error as ConfigError).problems.map((p) => p.name)).toEqual([
      'KURATCHI_RECONCILE_AFTER_HOURS',
      'KURATCHI_RECONCILE_MAX_PER_RUN',
    ]);
  });

  it('applies the rules between settings of a section once each is valid', () => {
    expect(() =>
      readSettings({ KURATCHI_RECONCILE_RETRY_HOURS: '10', KURATCHI_RECONCILE_GIVE_UP_HOURS: '5' }, 'reconcile'),
    ).toThrow(
      'invalid reconcile settings: KURATCHI_RECONCILE_GIVE_UP_HOURS: must be at least KURATCHI_RECONCILE_RETRY_HOURS',
    );
    expect(() => readSettings({ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' }, 'aws')).toThrow(
      'invalid aws settings: AWS_SECRET_ACCESS_KEY: must be set together with AWS_ACCESS_KEY_ID; AWS_REGION: is required when AWS_ACCESS_KEY_ID is set',
    );
  });

  it("checks the region with the SDK's AWS_REGION_PATTERN (which accepts us-gov-west-1 and ap-southeast-10)", () => {
    for (const region of ['us-gov-west-1', 'ap-southeast-10', 'cn-northwest-1']) {
      expect(readSettings({ AWS_REGION: region }, 'aws').AWS_REGION).toBe(region);
    }
    expect(() => readSettings({ AWS_REGION: 'EU-WEST-1' }, 'aws')).toThrow('AWS_REGION: must be an AWS region');
  });
});

describe('an old name, for one release', () => {
  it('is read when set alone, with one warning per name per isolate naming old → new', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const env = { TEST_OLD_ALONE: '7' };
    expect(readRenamed(env, 'KURATCHI_TEST_ALONE', 'TEST_OLD_ALONE')).toEqual({ value: '7', from: 'TEST_OLD_ALONE' });
    expect(readRenamed({ ...env }, 'KURATCHI_TEST_ALONE', 'TEST_OLD_ALONE')).toEqual({
      value: '7',
      from: 'TEST_OLD_ALONE',
    });
    expect(lines(warn)).toEqual([
      {
        msg: 'settings',
        outcome: 'deprecated-name',
        deprecated: 'TEST_OLD_ALONE',
        use: 'KURATCHI_TEST_ALONE',
        message:
          'TEST_OLD_ALONE is deprecated: rename it KURATCHI_TEST_ALONE (the old name is read until the next release)',
      },
    ]);
  });

  it('loses to the new name when both are set, and the warning says so', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const both = { KURATCHI_TEST_BOTH: 'new', TEST_OLD_BOTH: 'old' };
    expect(readRenamed(both, 'KURATCHI_TEST_BOTH', 'TEST_OLD_BOTH')).toEqual({
      value: 'new',
      from: 'KURATCHI_TEST_BOTH',
    });
    expect(lines(warn)).toEqual([
      expect.objectContaining({
        deprecated: 'TEST_OLD_BOTH',
        message: 'both KURATCHI_TEST_BOTH and TEST_OLD_BOTH are set: using KURATCHI_TEST_BOTH; remove TEST_OLD_BOTH',
      }),
    ]);
  });

  it('stays quiet when only the new name is set', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(readRenamed({ KURATCHI_TEST_NEW: 'x' }, 'KURATCHI_TEST_NEW', 'TEST_OLD_NEW')).toEqual({
      value: 'x',
      from: 'KURATCHI_TEST_NEW',
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('works through the registry: the value is used, and an error names the variable as set', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(readSettings({ SES_CANARY_INTERVAL_MINUTES: '20' }, 'canary').KURATCHI_CANARY_INTERVAL_MINUTES).toBe(20);
    expect(readSettings({ SES_CANARY_INTERVAL_MINUTES: '30' }, 'canary').KURATCHI_CANARY_INTERVAL_MINUTES).toBe(30);
    expect(lines(warn).filter((line) => line.deprecated === 'SES_CANARY_INTERVAL_MINUTES')).toHaveLength(1);
    expect(() => readSettings({ SES_RECONCILE_MAX_PER_RUN: '1000' }, 'reconcile')).toThrow(
      'invalid reconcile settings: SES_RECONCILE_MAX_PER_RUN (old name of KURATCHI_RECONCILE_MAX_PER_RUN): must be at most 300 (one call a second)',
    );
    expect(
      readSettings({ KURATCHI_GUARD_WINDOW_DAYS: '14', REPUTATION_WINDOW_DAYS: '30' }, 'guard')
        .KURATCHI_GUARD_WINDOW_DAYS,
    ).toBe(14);
  });
});
