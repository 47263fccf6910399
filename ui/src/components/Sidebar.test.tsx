import { render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cascadedValue, loadAppStyles } from "../test/appStyles";
import { Sidebar } from "./Sidebar";

let unload: () => void = () => {};
beforeEach(() => {
  unload = loadAppStyles();
});
afterEach(() => unload());

function renderSidebar() {
  render(
    <Sidebar
      page="contacts"
      onNavigate={() => {}}
      theme="light"
      onToggleTheme={() => {}}
      onShowShortcuts={() => {}}
      version="1.2.3"
      jobCounts={{ queued: 0, running: 0, succeeded: 0, failed: 0, dead: 2, canceled: 0 }}
    />,
  );
}

describe("Sidebar", () => {
  it("shows icons only at the smallest window (900 px) and keeps the link names for screen readers", () => {
    renderSidebar();
    const label = screen.getByTestId("nav-contacts").querySelector(".nav-link__label");
    if (!label) throw new Error("no label");
    expect(cascadedValue(document.documentElement, "--sidebar-width", 900)).toBe("64px");
    expect(cascadedValue(label, "display", 900)).not.toBe("none");
    expect(cascadedValue(label, "position", 900)).toBe("absolute");
    expect(cascadedValue(label, "clip", 900)).toContain("rect");
    expect(screen.getByRole("link", { name: "Contacts" }).getAttribute("title")).toBe("Contacts");

    // Wide windows keep the full sidebar.
    expect(cascadedValue(document.documentElement, "--sidebar-width", 1280)).toBe("232px");
    expect(cascadedValue(label, "position", 1280)).toBe("");
  });

  it("has no Jobs link; the failed-job badge is on Settings", () => {
    renderSidebar();
    expect(screen.queryByTestId("nav-jobs")).toBeNull();
    const settings = screen.getByTestId("nav-settings");
    expect(settings.querySelector('[data-testid="jobs-indicator"]')?.getAttribute("data-state")).toBe("failed");
    expect(screen.getByRole("link", { name: /Settings.*2 failed jobs/ })).toBeTruthy();
  });
});
