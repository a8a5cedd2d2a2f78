import { describe, expect, it } from 'vitest';
import { commonPasswords } from './common-passwords';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from './password-policy';

const bill = { email: 'bill.lumbergh@initech.example', name: 'Bill Lumbergh' };
const problem = (password: string) => passwordProblem(password, bill);

describe('passwordProblem (NIST SP 800-63B rev. 4: length, blocklist, no composition rules)', () => {
  it('counts characters as code points: 15 is the minimum, 256 the maximum', async () => {
    expect(MIN_PASSWORD_LENGTH).toBe(15);
    expect(await problem('ofyr-ivue-zahk')).toMatch(/too short: use at least 15 characters/); // 14
    expect(await problem('ofyr-ivue-zahk7')).toBeNull(); // 15, no rule about digits, cases or symbols
    // 14 emoji are 28 UTF-16 code units but 14 characters.
    expect(await problem('🦆🐙🦊🐢🦉🐝🐞🦋🐌🦀🐡🦑🐳🦈')).toMatch(/too short/);
    expect(await problem('🦆🐙🦊🐢🦉🐝🐞🦋🐌🦀🐡🦑🐳🦈🐊')).toBeNull();
    expect(await problem('x'.repeat(7) + 'marmalade-'.repeat(25))).toMatch(/too long: at most 256/);
    expect(MAX_PASSWORD_LENGTH).toBe(256);
  });

  it('refuses the most common passwords, whatever their case', async () => {
    const common = await commonPasswords();
    expect(common.size).toBeGreaterThan(40_000);
    // The package keeps its list lower-case (the policy lower-cases what it looks up).
    const { dictionary } = await import('@zxcvbn-ts/language-common');
    expect(dictionary['passwords-common'].filter((p) => p !== p.toLowerCase())).toEqual([]);
    for (const password of ['1qaz2wsx3edc4rfv', 'PasswordPassword', 'qwertyuiop12345']) {
      expect(common.has(password.toLowerCase()), password).toBe(true);
      expect(await problem(password), password).toMatch(/one of the most common passwords/);
    }
  });

  it('refuses a common password, the service name, the address or the name made longer', async () => {
    for (const password of [
      'password12345678', // a common password padded with a sequence
      '!!!!!!!!dragon!!', // … with a repeated symbol on both ends
      'monkeymonkeymonkey', // … repeated
      'kuratchi!!!!!!!!', // the service
      'bill.lumbergh2345678', // its part before the @, padded
      'billlumberghbilllumbergh', // the name, repeated
    ]) {
      expect([password, await problem(password)]).toEqual([password, expect.stringMatching(/made longer/)]);
    }
    expect(await problem('Bill.Lumbergh@initech.example')).toMatch(
      /is the service name, your email address or your name/,
    );
  });

  it('refuses repetitions and sequences', async () => {
    for (const password of [
      'aaaaaaaaaaaaaaa',
      'abcabcabcabcabc',
      '123456789012345',
      'zyxwvutsrqponmlk',
      '0987654321098765',
    ]) {
      expect(await problem(password), password).toMatch(/repeated or sequential pattern/);
    }
  });

  it('accepts what is long and not predictable, padding included', async () => {
    for (const password of [
      'correct horse battery staple',
      'dragon2847561938475', // a common word with padding nobody can predict
      'Tr0ub4dor&3-and-more',
      'bill lumbergh likes his tps reports', // the name inside a longer phrase
    ]) {
      expect(await problem(password), password).toBeNull();
    }
  });
});
