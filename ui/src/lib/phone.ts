// Phone numbers as people read them. Numbers are stored as typed or as E.164 ("+12068727755");
// the table and the detail show them in the national format of the user's own region
// ("(206) 872-7755") and in international format for other countries ("+44 20 7946 0958").
// The "min" metadata is enough for formatting and keeps the bundle small.

import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/min";

/** The region of the user's locale ("en-US" -> "US"), if the locale names or implies one. */
export function userRegion(locale: string | undefined = globalThis.navigator?.language): CountryCode | undefined {
  if (!locale) return undefined;
  try {
    const region = new Intl.Locale(locale).maximize().region;
    return region && /^[A-Z]{2}$/.test(region) ? (region as CountryCode) : undefined;
  } catch {
    return undefined;
  }
}

/** A stored number formatted for reading; anything that does not parse is shown as stored. */
export function formatPhone(raw: string, region: CountryCode | undefined = userRegion()): string {
  const text = raw.trim();
  if (!text) return raw;
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed || !parsed.isPossible()) return raw;
  // Same country, or the same calling code when the number's exact country is not known
  // (numbers such as +1 415 555 …): the national format is what the user dials.
  if (region && (parsed.country === region || (!parsed.country && parsed.countryCallingCode === callingCode(region)))) {
    return parsed.formatNational();
  }
  return parsed.formatInternational();
}

function callingCode(region: CountryCode): string | null {
  try {
    return getCountryCallingCode(region);
  } catch {
    return null;
  }
}
