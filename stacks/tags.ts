/**
 * AWS tag values allow letters, digits, spaces and `+ - = . _ : / @`, at most 256 characters, and a bad value fails
 * only at apply time. Dataset tags come from free text (`paperwork`), so they are made valid here, at synth time.
 */
export function tagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{N} +\-=._:/@]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, 256)
    .trim();
}

/** Tag keys have the same alphabet and at most 128 characters. */
export function tagKey(text: string): string {
  return tagValue(text).slice(0, 128).trim();
}

export function tags(entries: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [tagKey(k), tagValue(v)]));
}
