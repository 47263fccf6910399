import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { api, type Project, type ProjectInput, type Zone, type ZoneInput } from "../../api";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ProjectsPanel } from "./ProjectsPanel";
import { ZonesPanel } from "./ZonesPanel";

const record = { created_at: "", updated_at: "", deleted_at: null };

/** Both panels over live lists, reloaded after every change as the Tasks page does. */
function Harness() {
  const [projects, setProjects] = useState<Project[]>([]);
  const [zones, setZones] = useState<Zone[]>([]);
  const reload = () => {
    void api.listProjects().then(setProjects);
    void api.listZones().then(setZones);
  };
  useState(reload);
  return (
    <>
      <ProjectsPanel projects={projects} zones={zones} onChanged={reload} />
      <ZonesPanel zones={zones} onChanged={reload} />
    </>
  );
}

describe("ProjectsPanel and ZonesPanel", () => {
  it("adds a project in a zone, changes its status, deletes it and undoes that", async () => {
    let projects: Project[] = [];
    const zones: Zone[] = [{ id: "z1", name: "Business", color: "#336699", icon: null, position: 0, ...record }];
    let deleted: Project | undefined;
    mockCommands({
      projects_list: () => projects,
      zones_list: () => zones,
      projects_create: (args) => {
        const input = args.input as ProjectInput;
        const project: Project = { id: "p1", name: input.name, description: null, zone_id: input.zone_id, status: "active", due_date: input.due_date, ...record };
        projects = [project];
        return project;
      },
      projects_update: (args) => {
        const input = args.input as ProjectInput;
        projects = projects.map((project) => ({ ...project, status: input.status ?? project.status }));
        return projects[0];
      },
      projects_delete: () => {
        deleted = projects[0];
        projects = [];
        return { change_id: "chg-1" };
      },
      changes_undo: () => {
        projects = deleted ? [deleted] : [];
        return { change_id: "chg-2", entity: "project", entity_id: "p1" };
      },
    });
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <Harness />
      </ToastProvider>,
    );
    expect(await screen.findByTestId("projects-empty")).toBeTruthy();
    await screen.findByRole("option", { name: "Business" });
    await user.type(screen.getByTestId("project-name-input"), "Spring retreat");
    await user.selectOptions(screen.getByTestId("project-zone-select"), "z1");
    await user.click(screen.getByTestId("project-add-button"));
    await waitFor(() => expect(callsTo("projects_create")).toHaveLength(1));
    expect(callsTo("projects_create")[0].input).toMatchObject({ name: "Spring retreat", zone_id: "z1" });

    const item = await screen.findByTestId("project-item");
    expect(item.textContent).toContain("Business");
    await user.selectOptions(within(item).getByTestId("project-status-select"), "on_hold");
    await waitFor(() => expect(callsTo("projects_update")[0]).toMatchObject({ id: "p1", input: { status: "on_hold", zone_id: "z1" } }));

    await user.click(within(await screen.findByTestId("project-item")).getByTestId("project-delete-button"));
    expect(await screen.findByTestId("projects-empty")).toBeTruthy();
    await user.click(await screen.findByTestId("toast-undo-button"));
    expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-1" }]);
    expect(await screen.findByTestId("project-item")).toBeTruthy();
  });

  it("adds and renames a zone, and asks for a name first", async () => {
    let zones: Zone[] = [];
    mockCommands({
      projects_list: () => [],
      zones_list: () => zones,
      zones_create: (args) => {
        const input = args.input as ZoneInput;
        zones = [{ id: "z9", name: input.name, color: input.color ?? "#000000", icon: null, position: 0, ...record }];
        return zones[0];
      },
      zones_update: (args) => {
        const input = args.input as ZoneInput;
        zones = [{ ...zones[0], name: input.name }];
        return zones[0];
      },
    });
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <Harness />
      </ToastProvider>,
    );
    await screen.findByTestId("zones-panel");
    await user.click(screen.getByTestId("zone-add-button"));
    expect((await screen.findByTestId("field-error-name")).textContent).toBe("Enter a name for the zone");
    await user.type(screen.getByTestId("zone-name-input"), "Studio{Enter}");
    const zone = await screen.findByTestId("zone-item");
    expect(zone.textContent).toContain("Studio");

    await user.click(within(zone).getByTestId("zone-rename-button"));
    const input = screen.getByTestId("zone-rename-input");
    await user.clear(input);
    await user.type(input, "Studio & rooms{Enter}");
    await waitFor(() => expect(callsTo("zones_update")[0]).toMatchObject({ id: "z9", input: { name: "Studio & rooms" } }));
    await waitFor(() => expect(screen.getByTestId("zone-item").textContent).toContain("Studio & rooms"));
  });
});
