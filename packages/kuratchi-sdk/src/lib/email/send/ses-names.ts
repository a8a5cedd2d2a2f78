import { z } from 'zod';

/**
 * SES message tag names and values: only ASCII letters, digits, `_` and `-`, at most 256
 * characters (an empty value is refused too).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html
 */
export const SES_TAG_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/** A message tag name or value (see {@link SES_TAG_PATTERN}). */
export const sesTagTextSchema = z
  .string()
  .regex(SES_TAG_PATTERN, 'must be 1 to 256 ASCII letters, digits, "_" or "-" (SES message tag rule)');

/**
 * A custom message header name: printable ASCII (33 to 126) except `:`, at most 126 characters.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageHeader.html
 */
export const messageHeaderNameSchema = z
  .string()
  .regex(
    /^[\x21-\x39\x3b-\x7e]{1,126}$/,
    'must be 1 to 126 printable ASCII characters without ":" (SES message header rule)',
  );

/**
 * A custom message header value: printable ASCII, at most 995 characters (and name + value at
 * most 996, checked where both are known).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageHeader.html
 */
export const messageHeaderValueSchema = z
  .string()
  .regex(/^[\x20-\x7e]{0,995}$/, 'must be at most 995 printable ASCII characters (SES message header rule)');

/** Longest header name plus value SES accepts. */
export const MAX_HEADER_LINE = 996;
