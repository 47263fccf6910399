/** Whether `url` points at this computer (localhost, 127.x or ::1): what runs there keeps data here. */
export function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url.trim()).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}
