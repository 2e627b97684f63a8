import { ApiError } from '../errors.js';

// C0 and C1 controls, DEL, and the bidi overrides/isolates that can disguise text.
// Newlines and tabs are refused too: a message is one short line.
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

// Characters that draw nothing: format characters (zero-width space, joiners, word joiner,
// BOM, invisible operators, tags) and the Hangul and Braille fillers that pass for letters.
const INVISIBLE = /[\p{Cf}\u115f\u1160\u3164\uffa0\u2800]/u;
// A zero-width joiner inside an emoji sequence, and the tag characters of a subdivision flag,
// are part of what is drawn (👩‍🏫, 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
const EMOJI_SEQUENCE =
  /\p{Extended_Pictographic}[\u{fe0f}\u{1f3fb}-\u{1f3ff}]?(?:\u200d\p{Extended_Pictographic}[\u{fe0f}\u{1f3fb}-\u{1f3ff}]?)+|\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu;

/** True when `text` has an invisible character outside an emoji sequence. */
function hasInvisible(text: string): boolean {
  return INVISIBLE.test(text.replace(EMOJI_SEQUENCE, ''));
}

/**
 * Normalises one text field (NFC, trimmed) and checks its length in characters
 * (code points). Refuses control characters, line breaks and invisible characters (a name
 * of zero-width spaces, or "teacher" plus a joiner, would pass for someone else).
 * Throws `invalid_message` naming the field.
 */
export function cleanText(field: string, value: string, maxLength: number): string {
  const cleaned = value.normalize('NFC').trim();
  if (CONTROL.test(cleaned)) {
    throw new ApiError(
      'invalid_message',
      `${field} must not contain control characters or line breaks.`,
      {},
      field,
    );
  }
  if (hasInvisible(cleaned)) {
    throw new ApiError(
      'invalid_message',
      `${field} must not contain invisible characters (zero-width spaces, joiners, fillers).`,
      {},
      field,
    );
  }
  let length = 0;
  for (const _ of cleaned) length++;
  if (length < 1 || length > maxLength) {
    throw new ApiError(
      'invalid_message',
      `${field} must be 1 to ${maxLength} characters after trimming.`,
      {},
      field,
    );
  }
  return cleaned;
}

export const AUTHOR_MAX_LENGTH = 40;
export const TITLE_MAX_LENGTH = 120;
