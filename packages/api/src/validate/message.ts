import { ApiError } from '../errors.js';

// C0 and C1 controls, DEL, and the bidi overrides/isolates that can disguise text.
// Newlines and tabs are refused too: a message is one short line.
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

/**
 * Normalises one text field (NFC, trimmed) and checks its length in characters
 * (code points). Throws `invalid_message` naming the field.
 */
export function cleanText(field: string, value: string, maxLength: number): string {
  const cleaned = value.normalize('NFC').trim();
  if (CONTROL.test(cleaned)) {
    throw new ApiError('invalid_message', `${field} must not contain control characters or line breaks.`);
  }
  let length = 0;
  for (const _ of cleaned) length++;
  if (length < 1 || length > maxLength) {
    throw new ApiError('invalid_message', `${field} must be 1 to ${maxLength} characters after trimming.`);
  }
  return cleaned;
}

export const AUTHOR_MAX_LENGTH = 40;
export const TITLE_MAX_LENGTH = 120;
