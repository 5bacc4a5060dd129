/**
 * Counted nouns in English, by the language's plural rules (Intl.PluralRules), so no page, e-mail or
 * CLI line says "1 days" or "3 expirys": `counted(1, 'day')` is "1 day", `counted(3, 'expiry',
 * 'expiries')` is "3 expiries". The one place a count meets its noun.
 * @see https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Intl/PluralRules
 */
const RULES = new Intl.PluralRules('en');

/** The noun's form for `n` (singular only for the "one" category); plural defaults to `noun + 's'`. */
export function plural(n: number, noun: string, pluralForm = `${noun}s`): string {
  return RULES.select(n) === 'one' ? noun : pluralForm;
}

/** `n` followed by the noun's form for it: "1 day", "0 days", "12 days". */
export function counted(n: number, noun: string, pluralForm?: string): string {
  return `${n} ${plural(n, noun, pluralForm)}`;
}

/** `1 day`, `2 days`. */
export function dayCount(n: number): string {
  return counted(n, 'day');
}
