import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Cadence, DefaultScope, KeepInTouchDefault, TagWithUsage } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { KeepInTouchSection } from "./KeepInTouchSection";

const vipTag: TagWithUsage = {
  tag: { id: "tag-vip", name: "VIP", category: null, color: "#336699", is_system: false, created_at: "", updated_at: "", deleted_at: null },
  usage_count: 4,
};

function defaultFixture(scope: DefaultScope, target: string, cadence: string): KeepInTouchDefault {
  return { id: `d-${scope}-${target}`, scope, target, cadence, created_at: "", updated_at: "", deleted_at: null };
}

/** A fake keep_in_touch_set_default over an in-memory list. */
function renderSection(initial: KeepInTouchDefault[]) {
  let defaults = initial;
  mockCommands({
    keep_in_touch_defaults: () => defaults,
    tags_list_with_usage: () => [vipTag],
    keep_in_touch_set_default: (args) => {
      const scope = args.scope as DefaultScope;
      const target = args.target as string;
      const cadence = args.cadence as Cadence | null;
      defaults = defaults.filter((entry) => !(entry.scope === scope && entry.target === target));
      if (!cadence) return null;
      const entry = defaultFixture(scope, target, `${cadence.every}${cadence.unit[0]}`);
      defaults = [...defaults, entry];
      return entry;
    },
  });
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <KeepInTouchSection />
    </ToastProvider>,
  );
  return { user };
}

describe("KeepInTouchSection", () => {
  it("lists the defaults by tag name and stage label, in words", async () => {
    renderSection([defaultFixture("tag", "tag-vip", "2w"), defaultFixture("stage", "core_client", "3m")]);
    const rows = await screen.findAllByTestId("keep-in-touch-default");
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringContaining("VIP tagevery 2 weeks"),
      expect.stringContaining("Core Client stageevery 3 months"),
    ]);
    expect(screen.getByTestId("keep-in-touch-defaults").textContent).not.toMatch(/tag-vip|core_client|2w|3m/);
  });

  it("adds a default for a tag and for a stage, and removes one", async () => {
    const { user } = renderSection([]);
    await screen.findByTestId("keep-in-touch-defaults-empty");

    await user.click(screen.getByTestId("keep-in-touch-default-add"));
    expect(screen.getByTestId("field-error-target").textContent).toBe("Choose a tag");
    expect(callsTo("keep_in_touch_set_default")).toHaveLength(0);

    await user.selectOptions(screen.getByTestId("keep-in-touch-default-target"), "tag-vip");
    await user.click(screen.getByTestId("keep-in-touch-default-add"));
    await waitFor(() =>
      expect(callsTo("keep_in_touch_set_default")).toEqual([{ scope: "tag", target: "tag-vip", cadence: { every: 2, unit: "week" } }]),
    );
    expect((await screen.findByTestId("keep-in-touch-default")).textContent).toContain("VIP tag");

    await user.selectOptions(screen.getByTestId("keep-in-touch-default-scope"), "stage");
    await user.selectOptions(screen.getByTestId("keep-in-touch-default-target"), "vip_client");
    await user.clear(screen.getByTestId("keep-in-touch-default-every"));
    await user.type(screen.getByTestId("keep-in-touch-default-every"), "1");
    await user.selectOptions(screen.getByTestId("keep-in-touch-default-unit"), "month");
    await user.click(screen.getByTestId("keep-in-touch-default-add"));
    await waitFor(() => expect(screen.getAllByTestId("keep-in-touch-default")).toHaveLength(2));
    expect(screen.getAllByTestId("keep-in-touch-default")[1].textContent).toContain("VIP Client stageevery month");

    await user.click(within(screen.getAllByTestId("keep-in-touch-default")[0]).getByTestId("keep-in-touch-default-remove"));
    await waitFor(() => expect(callsTo("keep_in_touch_set_default")[2]).toEqual({ scope: "tag", target: "tag-vip", cadence: null }));
    await waitFor(() => expect(screen.getAllByTestId("keep-in-touch-default")).toHaveLength(1));
  });

  it("says when the defaults cannot be loaded", async () => {
    mockCommands({
      keep_in_touch_defaults: () => {
        throw appError("database", "the database is locked");
      },
      tags_list_with_usage: () => [],
    });
    render(
      <ToastProvider>
        <KeepInTouchSection />
      </ToastProvider>,
    );
    expect((await screen.findByTestId("keep-in-touch-defaults-error")).textContent).toContain("Could not load the defaults");
  });
});
