import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../shared/encoding.js';

/** Position in the email log: the last row of a page, in its sort order (created_at DESC, id DESC). */
export interface EmailLogCursor {
  createdAt: number;
  id: string;
}

/** Opaque, URL-safe text of a cursor. */
export function encodeEmailLogCursor(cursor: EmailLogCursor): string {
  return bytesToBase64Url(utf8(JSON.stringify([cursor.createdAt, cursor.id])));
}

/**
 * The cursor in `text`, or null when it is not one (a tampered or stale link starts from the top
 * rather than failing).
 */
export function decodeEmailLogCursor(text: string | null | undefined): EmailLogCursor | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64UrlToBytes(text)));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through
  }
  return null;
}
