import type { ClientStatus, ContactSource, LifecycleStage } from "../api";

export const LIFECYCLE_STAGES: readonly LifecycleStage[] = [
  "prospect",
  "new_client",
  "core_client",
  "referring_client",
  "vip_client",
  "lost_client",
  "at_risk_client",
];

export const STAGE_LABELS: Record<LifecycleStage, string> = {
  prospect: "Prospect",
  new_client: "New Client",
  core_client: "Core Client",
  referring_client: "Referring Client",
  vip_client: "VIP Client",
  lost_client: "Lost Client",
  at_risk_client: "At Risk Client",
};

export const CLIENT_STATUSES: readonly ClientStatus[] = ["active", "inactive", "at_risk", "churned"];

export const STATUS_LABELS: Record<ClientStatus, string> = {
  active: "Active",
  inactive: "Inactive",
  at_risk: "At risk",
  churned: "Churned",
};

export const CONTACT_SOURCES: readonly ContactSource[] = [
  "manual",
  "upload",
  "gmail_import",
  "calendar_import",
  "onboarding_form",
];

export const SOURCE_LABELS: Record<ContactSource, string> = {
  manual: "Added manually",
  upload: "File upload",
  gmail_import: "Gmail import",
  calendar_import: "Calendar import",
  onboarding_form: "Onboarding form",
};

export const NO_STAGE_LABEL = "No stage";

export function stageLabel(stage: LifecycleStage | null | undefined): string {
  return stage ? STAGE_LABELS[stage] : NO_STAGE_LABEL;
}

export function isLifecycleStage(value: string): value is LifecycleStage {
  return (LIFECYCLE_STAGES as readonly string[]).includes(value);
}

export function isClientStatus(value: string): value is ClientStatus {
  return (CLIENT_STATUSES as readonly string[]).includes(value);
}

export function isContactSource(value: string): value is ContactSource {
  return (CONTACT_SOURCES as readonly string[]).includes(value);
}
