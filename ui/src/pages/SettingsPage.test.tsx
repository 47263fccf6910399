import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ToastProvider } from "../components/Toasts";
import { invokeMock } from "../test/tauriMock";
import { SettingsPage } from "./SettingsPage";

const scrolled: string[] = [];
beforeEach(() => {
  scrolled.length = 0;
  // The sections load their own data; none is needed here, so every command waits forever.
  invokeMock.mockImplementation(() => new Promise(() => {}));
  Element.prototype.scrollIntoView = vi.fn(function (this: Element) {
    scrolled.push(this.id);
  });
});
afterEach(() => {
  delete (Element.prototype as Partial<Element>).scrollIntoView;
});

function renderPage(focus: Parameters<typeof SettingsPage>[0]["focus"] = null) {
  render(
    <ToastProvider>
      <SettingsPage focus={focus} />
    </ToastProvider>,
  );
  return { user: userEvent.setup() };
}

describe("SettingsPage", () => {
  it("lists its sections beside them and marks the first as current", () => {
    renderPage();
    const nav = screen.getByRole("navigation", { name: "Settings sections" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((link) => link.textContent)).toEqual([
      "Backups",
      "Privacy",
      "Data",
      "Access log",
      "Integrations",
      "Team sync",
      "AI assistant",
      "Semantic search",
      "Tags",
      "Keep in touch",
      "Ignore list",
    ]);
    expect(links[0].getAttribute("aria-current")).toBe("true");
    expect(links.filter((link) => link.hasAttribute("aria-current"))).toHaveLength(1);
    // Each link points at its section, whose heading has the same name.
    for (const link of links) {
      const id = link.getAttribute("href")?.replace("#/settings/", "");
      expect(screen.getByRole("heading", { level: 2, name: link.textContent ?? "" }).id).toBe(`settings-${id}`);
    }
  });

  it("opens a section from the list with the keyboard: scrolls to it, focuses its heading, marks it", async () => {
    const { user } = renderPage();
    const tags = screen.getByRole("link", { name: "Tags" });
    tags.focus();
    await user.keyboard("{Enter}");
    expect(scrolled).toEqual(["settings-tags-section"]);
    expect(document.activeElement).toBe(screen.getByRole("heading", { level: 2, name: "Tags" }));
    expect(tags.getAttribute("aria-current")).toBe("true");
    expect(screen.getByRole("link", { name: "Backups" }).getAttribute("aria-current")).toBeNull();
    expect(window.location.hash).toBe("#/settings/tags");
  });

  it("opens the section it is asked to (Team sync from the sidebar)", async () => {
    renderPage({ section: "team-sync", nonce: 1 });
    await waitFor(() => expect(scrolled).toContain("settings-team-sync-section"));
    expect(document.activeElement).toBe(screen.getByRole("heading", { level: 2, name: "Team sync" }));
    expect(screen.getByRole("link", { name: "Team sync" }).getAttribute("aria-current")).toBe("true");
  });
});
