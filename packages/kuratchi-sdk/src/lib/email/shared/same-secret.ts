/**
 * Whether a presented secret equals the configured one, in time that does not depend on where
 * they differ: both are hashed with SHA-256 and the digests compared with workerd's
 * `crypto.subtle.timingSafeEqual` (equal lengths, whatever the inputs' lengths). The one
 * constant-time comparison of kuratchi: the operations API's token, the webhook's Basic credential and
 * the Firehose access key all go through it.
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#timingsafeequal
 * @see https://developers.cloudflare.com/workers/examples/protect-against-timing-attacks/
 */
export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  return (crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean }).timingSafeEqual(
    x,
    y,
  );
}
