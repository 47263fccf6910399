import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ColumnMenu } from "./ColumnMenu";

describe("ColumnMenu", () => {
  it("toggles a column, keeps Name, and closes with Escape or a click elsewhere", async () => {
    const onChange = vi.fn();
    const user = userEvent.setup();
    render(
      <>
        <ColumnMenu chosen={["name", "email", "phone", "stage", "status", "tags", "updated"]} onChange={onChange} />
        <p>elsewhere</p>
      </>,
    );
    const menu = screen.getByTestId("column-menu") as HTMLDetailsElement;
    // A native <details>: browsers open it with Enter or Space on its summary too.
    await user.click(screen.getByTestId("column-menu-toggle"));
    expect(menu.open).toBe(true);
    const group = screen.getByRole("group", { name: "Show columns" });
    expect(group).toBeTruthy();

    await user.click(screen.getByRole("checkbox", { name: "Tags" }));
    expect(onChange).toHaveBeenLastCalledWith(["name", "email", "phone", "stage", "status", "updated"]);
    expect((screen.getByRole("checkbox", { name: "Name" }) as HTMLInputElement).disabled).toBe(true);

    await user.keyboard("{Escape}");
    expect(menu.open).toBe(false);
    expect(document.activeElement).toBe(screen.getByTestId("column-menu-toggle"));

    menu.open = true;
    fireEvent(menu, new Event("toggle"));
    fireEvent.pointerDown(screen.getByText("elsewhere"));
    expect(menu.open).toBe(false);
  });
});
