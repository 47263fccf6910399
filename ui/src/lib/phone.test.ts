import { describe, expect, it } from "vitest";
import { formatPhone, userRegion } from "./phone";

describe("formatPhone", () => {
  it("shows a number of the user's own region in its national format", () => {
    expect(formatPhone("+12068727755", "US")).toBe("(206) 872-7755");
    expect(formatPhone("+442079460958", "GB")).toBe("020 7946 0958");
  });

  it("shows a number of another country in international format", () => {
    expect(formatPhone("+442079460958", "US")).toBe("+44 20 7946 0958");
    expect(formatPhone("+12068727755", "DE")).toBe("+1 206 872 7755");
  });

  it("uses the national format for a number of the user's calling code whose exact country is unknown", () => {
    // +1 555 … belongs to no area code, so its exact country is unknown; the calling code is ours.
    expect(formatPhone("+15555551234", "US")).toBe("(555) 555-1234");
    expect(formatPhone("+15555551234", "CA")).toBe("(555) 555-1234");
    expect(formatPhone("+15555551234", "GB")).toBe("+1 555 555 1234");
  });

  it("reads a national number in the user's region", () => {
    expect(formatPhone("2068727755", "US")).toBe("(206) 872-7755");
  });

  it("keeps what it cannot read as it was", () => {
    expect(formatPhone("ext. 12", "US")).toBe("ext. 12");
    expect(formatPhone("12", "US")).toBe("12");
  });
});

describe("userRegion", () => {
  it("takes the region from the locale, or the likely one", () => {
    expect(userRegion("en-US")).toBe("US");
    expect(userRegion("de-AT")).toBe("AT");
    expect(userRegion("fr")).toBe("FR");
    expect(userRegion("")).toBeUndefined();
  });
});
