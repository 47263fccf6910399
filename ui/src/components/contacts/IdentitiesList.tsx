import { useEffect, useState } from "react";
import { api, type ContactIdentifier } from "../../api";
import { humanizeKey } from "../../lib/format";
import { formatPhone } from "../../lib/phone";
import { Icon } from "../Icon";
import { useToasts } from "../Toasts";

const PROVIDER_LABELS: Record<string, string> = {
  google: "Google",
  microsoft: "Microsoft",
  apple: "Apple",
  email: "Email",
  phone: "Phone",
  gmail: "Gmail",
  google_calendar: "Google Calendar",
  import: "Import",
  manual: "Manual",
};

/** Every identifier the contact is known by (emails, phones, handles), with its provider. */
export function IdentitiesList({ contactId, refreshToken }: { contactId: string; refreshToken: number }) {
  const { showError } = useToasts();
  const [identities, setIdentities] = useState<ContactIdentifier[] | null>(null);

  useEffect(() => {
    let current = true;
    api.listIdentities(contactId).then(
      (list) => current && setIdentities(list),
      (error: unknown) => current && showError(error, "Could not load identities"),
    );
    return () => {
      current = false;
    };
  }, [contactId, refreshToken, showError]);

  if (!identities) return <p className="muted">Loading identities…</p>;
  if (identities.length === 0) return <p className="muted" data-testid="identities-empty">No identifiers yet.</p>;
  return (
    <ul className="detail-entries" data-testid="identities-list">
      {identities.map((identity) => (
        <li key={`${identity.kind}-${identity.value}`} data-testid="identity-item">
          <Icon name={identity.kind === "phone" ? "phone" : "mail"} size={15} className="muted" />
          <span className="detail-entries__value">{identity.kind === "phone" ? formatPhone(identity.value) : identity.value}</span>
          <span className="badge">{PROVIDER_LABELS[identity.provider] ?? humanizeKey(identity.provider)}</span>
        </li>
      ))}
    </ul>
  );
}
