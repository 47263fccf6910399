import { render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cascadedValue, loadAppStyles } from "../test/appStyles";
import { Overlay } from "./Overlay";

let unloadStyles: () => void = () => {};
beforeEach(() => {
  unloadStyles = loadAppStyles();
});
afterEach(() => unloadStyles());

function bodyOf(testId: string): Element {
  const body = screen.getByTestId(testId).querySelector(".overlay__body");
  if (!body) throw new Error("overlay body missing");
  return body;
}

describe("Overlay", () => {
  it("keeps the inner padding of large dialogs (import, merge, search), so their content does not touch the edges", () => {
    render(
      <Overlay open onClose={() => {}} title="Import contacts" size="lg" testId="large-dialog">
        <p>Pick a file</p>
      </Overlay>,
    );
    const padding = cascadedValue(bodyOf("large-dialog"), "padding");
    expect(padding).not.toBe("");
    expect(padding).not.toMatch(/^0(px)?$/);
  });

  it("drops the body padding only for overlays that draw their own (the contact form sheet)", () => {
    render(
      <Overlay open onClose={() => {}} title="New contact" variant="sheet" size="lg" flush testId="flush-sheet">
        <form />
      </Overlay>,
    );
    expect(cascadedValue(bodyOf("flush-sheet"), "padding")).toMatch(/^0(px)?$/);
  });
});
