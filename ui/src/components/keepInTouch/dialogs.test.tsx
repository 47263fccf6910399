import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { addDays } from "../../lib/keepInTouch";
import { CadenceEditor } from "./CadenceEditor";
import { LogTouchDialog } from "./LogTouchDialog";
import { SnoozeDialog } from "./SnoozeDialog";

describe("SnoozeDialog", () => {
  it("snoozes to the chosen date, and refuses today or no date", async () => {
    const onSnooze = vi.fn(async () => {});
    const user = userEvent.setup();
    render(<SnoozeDialog open title="Snooze Ada" onClose={vi.fn()} onSnooze={onSnooze} />);
    const date = screen.getByTestId("snooze-date") as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(date));
    expect(date.value).toBe(addDays(1));

    await user.clear(date);
    await user.type(date, addDays(0));
    await user.click(screen.getByTestId("snooze-save"));
    expect(screen.getByTestId("field-error-until").textContent).toBe("Choose a day after today");
    await user.clear(date);
    await user.click(screen.getByTestId("snooze-save"));
    expect(screen.getByTestId("field-error-until").textContent).toBe("Choose a date");
    expect(onSnooze).not.toHaveBeenCalled();

    await user.type(date, addDays(30));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(onSnooze).toHaveBeenCalledWith(addDays(30)));
  });
});

describe("LogTouchDialog", () => {
  it("starts on Call with the focus on it, and logs a meeting with no summary as null", async () => {
    const onLog = vi.fn(async () => {});
    const user = userEvent.setup();
    render(<LogTouchDialog open name="Ada" onClose={vi.fn()} onLog={onLog} />);
    const call = screen.getByTestId("log-touch-kind-call") as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(call));
    expect(call.checked).toBe(true);
    await user.click(screen.getByTestId("log-touch-kind-meeting"));
    expect(screen.getByTestId("log-touch-save").textContent).toBe("Log meeting");
    await user.type(screen.getByTestId("log-touch-summary"), "   ");
    await user.click(screen.getByTestId("log-touch-save"));
    await waitFor(() => expect(onLog).toHaveBeenCalledWith("meeting", null));
  });
});

describe("CadenceEditor", () => {
  it("starts from the person's own cadence and saves the default again", async () => {
    const onSave = vi.fn(async () => {});
    const user = userEvent.setup();
    render(<CadenceEditor setting={{ kind: "every", cadence: { every: 3, unit: "month" } }} defaultText="every 2 weeks (VIP Client tag)" onSave={onSave} />);
    expect((screen.getByTestId("cadence-every") as HTMLInputElement).value).toBe("3");
    expect((screen.getByTestId("cadence-unit") as HTMLSelectElement).value).toBe("month");
    await user.selectOptions(screen.getByTestId("cadence-mode"), "default");
    expect(screen.queryByTestId("cadence-every")).toBeNull();
    await user.click(screen.getByTestId("cadence-save"));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ kind: "default" }));
  });
});
