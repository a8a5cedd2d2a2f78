import { beforeAll, describe, expect, it } from 'vitest';
import { seedOrganizations } from '../../../../test/support.js';
import { addUser, postForm } from '../../../../test/forms.js';

// Concurrent requests through the real sign-in route of the built Worker. A password check is
// counted by what it answers: 400 "wrong password" means the password was checked; 429 means
// the throttle refused before any check.
const PASSWORD = 'the owner knows this one';
const OWNER = `owner-${crypto.randomUUID()}@acme.test`;
let n = 0;
const client = () => `203.0.113.${++n}`; // a fresh client for every use

beforeAll(async () => {
  await seedOrganizations();
  await addUser(OWNER, PASSWORD);
});

function signIn(email: string, password: string, clientAddress: string) {
  return postForm('/auth/signin', { email, password }, { clientAddress });
}

async function statuses(responses: Response[]) {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  for (const response of responses.filter((r) => r.status === 429)) {
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  return counts;
}

describe('sign-in throttle through the route, with concurrent requests', () => {
  it(
    'checks exactly 5 of 30 concurrent wrong guesses for one address from one client',
    { timeout: 300_000 },
    async () => {
      const attacker = client();
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(OWNER, `guess ${i}`, attacker)));
      expect(await statuses(answers)).toEqual({ 400: 5, 429: 25 });
      // Even the right password waits now, from that client (Retry-After: the rest of the minute
      // that started with the guesses, less however long they took on this machine).
      const refused = await signIn(OWNER, PASSWORD, attacker);
      const tookS = Math.ceil((Date.now() - started) / 1000);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(Math.min(50, 60 - tookS));
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    },
  );

  it(
    'cannot be used to lock the owner out: their own client signs in during and after a storm of guesses',
    { timeout: 300_000 },
    async () => {
      const attackers = [client(), client(), client()];
      const owner = client();
      const storm = Array.from({ length: 30 }, (_, i) => signIn(OWNER, `guess ${i}`, attackers[i % 3]!));
      const [ownerDuring, ...guesses] = await Promise.all([signIn(OWNER, PASSWORD, owner), ...storm]);
      expect(ownerDuring!.status).toBe(303);
      expect(await statuses(guesses)).toEqual({ 400: 15, 429: 15 }); // 5 per attacking client
      const ownerAfter = await signIn(OWNER, PASSWORD, owner);
      expect(ownerAfter.status).toBe(303);
      expect(ownerAfter.headers.get('set-cookie')).toMatch(/^kuratchi_session=/);
    },
  );

  it(
    'checks exactly 50 of 60 concurrent guesses one client sprays across addresses; another client is not slowed',
    { timeout: 300_000 },
    async () => {
      const sprayer = client();
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          signIn(`sprayed-${i}-${crypto.randomUUID()}@acme.test`, 'Summer2031!', sprayer),
        ),
      );
      expect(await statuses(answers)).toEqual({ 400: 50, 429: 10 });
      expect((await signIn(OWNER, PASSWORD, sprayer)).status).toBe(429);
      expect((await signIn(OWNER, PASSWORD, client())).status).toBe(303);
    },
  );
});
