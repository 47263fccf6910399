import type { GoalKind, GoalStatus, ProjectStatus } from "../../api";

export const PROJECT_STATUS_LABELS: Record<ProjectStatus, string> = {
  active: "Active",
  on_hold: "On hold",
  completed: "Completed",
  archived: "Archived",
};

export const GOAL_KIND_LABELS: Record<GoalKind, string> = {
  practitioner_business: "Business",
  practitioner_personal: "Personal",
  client_wellness: "Client wellness",
};

export const GOAL_STATUS_LABELS: Record<GoalStatus, string> = {
  on_track: "On track",
  at_risk: "At risk",
  achieved: "Achieved",
  abandoned: "Abandoned",
};

export function optionsOf<T extends string>(labels: Record<T, string>): Array<{ value: T; label: string }> {
  return (Object.keys(labels) as T[]).map((value) => ({ value, label: labels[value] }));
}
