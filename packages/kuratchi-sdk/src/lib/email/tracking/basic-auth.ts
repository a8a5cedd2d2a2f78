import { base64ToBytes } from '../shared/encoding.js';
import { sameSecret } from '../shared/same-secret.js';

/**
 * Whether a request carries the expected HTTP Basic credential (RFC 7617). SNS sends the
 * credential of an `https://user:password@host/...` subscription endpoint this way. Compared
 * in constant time (`sameSecret`).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html
 * @see https://www.rfc-editor.org/rfc/rfc7617
 */
export async function hasBasicCredential(
  request: Request,
  expected: { username: string; password: string },
): Promise<boolean> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  let presented = '';
  if (match?.[1]) {
    try {
      presented = new TextDecoder().decode(base64ToBytes(match[1]));
    } catch {
      presented = '';
    }
  }
  return sameSecret(presented, `${expected.username}:${expected.password}`);
}

/** The WWW-Authenticate challenge that goes with a 401 of the webhook. */
export const BASIC_CHALLENGE = 'Basic realm="kuratchi SES events", charset="UTF-8"';
