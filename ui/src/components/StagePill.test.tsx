import { render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cascadedValue, loadAppStyles } from "../test/appStyles";
import { StagePill, StatusBadge } from "./StagePill";

let unload: () => void = () => {};
beforeEach(() => {
  unload = loadAppStyles();
});
afterEach(() => unload());

describe("StagePill and StatusBadge in the contacts table", () => {
  it("look different: the stage is a tinted chip without a dot, the status a shape before plain text", () => {
    const { container } = render(
      <div className="contacts-grid">
        <StagePill stage="core_client" />
        <StatusBadge status="active" />
        <StatusBadge status="inactive" />
        <StatusBadge status="at_risk" />
        <StatusBadge status="churned" />
      </div>,
    );
    const stage = container.querySelector(".pill");
    const stageDot = container.querySelector(".pill__dot");
    if (!stage || !stageDot) throw new Error("no stage pill");
    expect(cascadedValue(stageDot, "display")).toBe("none");
    expect(cascadedValue(stage, "background")).toContain("--pill-soft");

    const dot = (status: string) => {
      const element = container.querySelector(`.status--${status} .status__dot`);
      if (!element) throw new Error(`no ${status} dot`);
      return element;
    };
    // No tinted background behind a status: only its shape carries colour.
    expect(cascadedValue(container.querySelector(".status--active") as Element, "background")).toBe("");
    // Each status has its own shape, so they do not depend on colour alone either.
    expect(cascadedValue(dot("inactive"), "background")).toBe("transparent");
    expect(cascadedValue(dot("at_risk"), "transform")).toContain("rotate(45deg)");
    expect(cascadedValue(dot("churned"), "background")).toContain("linear-gradient");
    expect(cascadedValue(dot("active"), "background")).toContain("--status-active");
  });
});
