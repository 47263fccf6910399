import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { ToastProvider } from "./components/Toasts";
import type { JobInfo } from "./api";
import { aiOffNoKey } from "./test/aiFixtures";
import { eventBus } from "./test/eventBus";
import { emptyDashboard, emptyHealth, emptyToday, jobChange, jobFixture, jobsFrom } from "./test/fixtures";
import { mockCommands } from "./test/tauriMock";

function renderApp(jobs: () => JobInfo[] = () => []) {
  mockCommands({
    contacts_list: () => ({ items: [], total: 0, offset: 0 }),
    tags_list: () => [],
    dashboard_get: () => ({ ...emptyDashboard, total_contacts: 0 }),
    keep_in_touch_health: () => emptyHealth,
    today_get: () => emptyToday,
    tasks_list: () => [],
    projects_list: () => [],
    zones_list: () => [],
    goals_list: () => [],
    app_info: () => ({ version: "1.2.3", data_dir: "/tmp", schema_version: 1 }),
    jobs_list: jobsFrom(jobs),
  });
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <App />
    </ToastProvider>,
  );
  return { user };
}

describe("App shell keyboard shortcuts", () => {
  it("starts on Today, first in the menu", async () => {
    renderApp();
    await screen.findByTestId("today-page");
    expect(screen.getByTestId("nav-today").getAttribute("aria-current")).toBe("page");
    const links = screen.getAllByRole("link").filter((link) => link.dataset.testid?.startsWith("nav-"));
    expect(links[0].dataset.testid).toBe("nav-today");
    expect(document.title).toBe("Today · OmniCRM");
  });

  it("switches pages with g t / g d / g c / g k and Alt+1 / Alt+2 / Alt+3", async () => {
    const { user } = renderApp();
    await screen.findByTestId("today-page");
    await user.keyboard("gc");
    await screen.findByTestId("contacts-page");
    await user.keyboard("gt");
    await screen.findByTestId("today-page");
    await user.keyboard("gd");
    await screen.findByTestId("dashboard-page");
    expect(screen.getByTestId("nav-dashboard").getAttribute("aria-current")).toBe("page");
    await user.keyboard("gc");
    await screen.findByTestId("contacts-page");
    await user.keyboard("{Alt>}1{/Alt}");
    await screen.findByTestId("today-page");
    await user.keyboard("{Alt>}2{/Alt}");
    await screen.findByTestId("dashboard-page");
    await user.keyboard("{Alt>}3{/Alt}");
    await screen.findByTestId("contacts-page");
    await user.keyboard("gk");
    await screen.findByTestId("tasks-page");
  });

  it("opens the help with ? and closes it with Escape", async () => {
    const { user } = renderApp();
    await screen.findByTestId("today-page");
    await user.keyboard("?");
    const help = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    expect(help.textContent).toContain("New contact");
    expect(help.textContent).toContain("Go to Today");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("n opens the new contact form (also from the dashboard); typing n in a field does not", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-contacts"));
    await screen.findByTestId("contacts-empty");
    await user.click(screen.getByTestId("nav-dashboard"));
    await screen.findByTestId("dashboard-page");
    await user.keyboard("n");
    const form = await screen.findByTestId("contact-form");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("field-display_name")));
    await user.keyboard("nina");
    expect((screen.getByTestId("field-display_name") as HTMLInputElement).value).toBe("nina");
    expect(screen.getAllByTestId("contact-form")).toEqual([form]);
    // Escape on a changed form asks first; Escape again answers "keep editing".
    await user.keyboard("{Escape}");
    await screen.findByTestId("discard-changes-dialog");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("discard-changes-dialog")).toBeNull());
    expect((screen.getByTestId("field-display_name") as HTMLInputElement).value).toBe("nina");
    await user.keyboard("{Escape}");
    await user.click(await screen.findByTestId("discard-changes-confirm"));
    await waitFor(() => expect(screen.queryByTestId("contact-form")).toBeNull());
  });

  it("shows the app version and toggles and remembers the theme", async () => {
    const { user } = renderApp();
    await screen.findByText("Version 1.2.3");
    const before = document.documentElement.dataset.theme;
    await user.click(screen.getByTestId("theme-toggle"));
    const after = document.documentElement.dataset.theme;
    expect(after).not.toBe(before);
    expect(window.localStorage.getItem("omnicrm.theme")).toBe(after);
    await act(async () => {});
  });
});

describe("Jobs in the app shell", () => {
  it("has no Jobs page in the main menu: g j opens Settings → Activity", async () => {
    const { user } = renderApp();
    await screen.findByTestId("today-page");
    expect(screen.queryByTestId("nav-jobs")).toBeNull();
    expect(within(screen.getByRole("navigation", { name: "Main" })).queryByText("Jobs")).toBeNull();
    await user.keyboard("gj");
    const activity = await screen.findByTestId("jobs-page");
    expect(activity.closest("#settings-activity-section")).toBeTruthy();
    expect(screen.getByTestId("nav-settings").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("settings-nav-activity").getAttribute("aria-current")).toBe("true");
    expect(document.title).toBe("Settings · OmniCRM");
    expect(window.location.hash).toBe("#/settings/activity");
  });

  it("an old #/jobs link opens Settings → Activity", async () => {
    window.location.hash = "#/jobs";
    renderApp();
    await screen.findByTestId("jobs-page");
    expect(screen.getByTestId("nav-settings").getAttribute("aria-current")).toBe("page");
  });

  it("marks the Settings link while jobs run, and in red with a count when one gave up", async () => {
    const running = jobFixture("r", { status: "running", attempts: 1 });
    renderApp(() => [running]);
    const indicator = await screen.findByTestId("jobs-indicator");
    expect(indicator.getAttribute("data-state")).toBe("running");
    expect(screen.getByTestId("nav-settings").textContent).toContain("1 running");
    await waitFor(() => expect(eventBus.count("job-changed")).toBeGreaterThan(0));

    act(() => eventBus.emit("job-changed", { ...jobChange(running), status: "succeeded", updated_at: "2026-11-22T10:00:00.000Z" }));
    await waitFor(() => expect(screen.queryByTestId("jobs-indicator")).toBeNull());
  });

  it("a job that gives up while the app is open is announced and stays marked until handled", async () => {
    const running = jobFixture("r", { kind: "import.apply", subject: "clients.vcf", status: "running", attempts: 1 });
    const { user } = renderApp(() => [running]);
    await screen.findByTestId("jobs-indicator");
    await waitFor(() => expect(eventBus.count("job-changed")).toBeGreaterThan(0));

    act(() =>
      eventBus.emit("job-changed", {
        ...jobChange(running),
        status: "dead",
        attempts: 3,
        error: "disk full",
        updated_at: "2026-11-22T10:00:00.000Z",
      }),
    );
    const indicator = await screen.findByTestId("jobs-indicator");
    expect(indicator.getAttribute("data-state")).toBe("failed");
    expect(indicator.textContent).toContain("1 failed job");
    expect(screen.getByRole("link", { name: /Settings.*1 failed job/ })).toBeTruthy();
    await user.click(await screen.findByTestId("toast-open-jobs"));
    const page = await screen.findByTestId("jobs-page");
    expect(within(page).getByTestId("jobs-section-dead").textContent).toContain("disk full");
  });
});

describe("Another OmniCRM process writing", () => {
  it("says why a save waits when another window or command is writing", async () => {
    renderApp();
    await screen.findByTestId("today-page");
    await waitFor(() => expect(eventBus.count("store-waiting")).toBeGreaterThan(0));
    act(() => eventBus.emit("store-waiting", {}));
    expect(await screen.findByText(/Another OmniCRM window or command is saving changes/)).toBeTruthy();
  });
});

describe("App start-up", () => {
  it("shows why the data cannot be opened instead of the app", async () => {
    const message = "this database has schema version 9, but this OmniCRM understands up to version 1";
    mockCommands({
      app_info: () => {
        throw { code: "schema_too_new", message, details: null };
      },
      contacts_list: () => ({ items: [], total: 0, offset: 0 }),
      tags_list: () => [],
      today_get: () => emptyToday,
    });
    render(
      <ToastProvider>
        <App />
      </ToastProvider>,
    );
    const screenMessage = await screen.findByTestId("startup-error");
    expect(screenMessage.textContent).toContain(message);
    expect(screen.queryByTestId("contacts-page")).toBeNull();
    expect(screen.queryByTestId("today-page")).toBeNull();
  });
});

describe("Assistant → Settings", () => {
  it("the AI-off notice's link opens Settings at the AI assistant section", async () => {
    window.location.hash = "#/assistant";
    mockCommands({
      app_info: () => ({ version: "1.2.3", data_dir: "/tmp", schema_version: 1 }),
      jobs_list: jobsFrom(() => []),
      ai_status: () => aiOffNoKey,
      ai_threads: () => [],
      ai_proposals_pending: () => [],
    });
    const scrolled: string[] = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this.id);
    };
    try {
      const user = userEvent.setup();
      render(
        <ToastProvider>
          <App />
        </ToastProvider>,
      );
      await user.click(await screen.findByTestId("ai-off-settings-link"));
      await screen.findByTestId("settings-page");
      await waitFor(() => expect(scrolled).toContain("settings-ai-section"));
      expect(screen.getByTestId("settings-nav-ai").getAttribute("aria-current")).toBe("true");
      expect(window.location.hash).toBe("#/settings/ai");
    } finally {
      delete (Element.prototype as Partial<Element>).scrollIntoView;
    }
  });
});
