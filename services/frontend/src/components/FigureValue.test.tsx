import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FigureValue, splitFigure } from "./FigureValue";

describe("a figure with its unit in smaller type", () => {
  it("splits the number from its unit", () => {
    expect(splitFigure("4.0 / week")).toEqual({ number: "4.0", unit: "/ week" });
    expect(splitFigure("2.7 days")).toEqual({ number: "2.7", unit: "days" });
    expect(splitFigure("16.2 %")).toEqual({ number: "16.2", unit: "%" });
    expect(splitFigure("—")).toEqual({ number: "—", unit: "" });
  });

  it("keeps the text as it was for screen readers and copying", () => {
    const { container } = render(<p><FigureValue text="4.0 / week" /></p>);
    expect(container.textContent).toBe("4.0 / week");
    expect(container.querySelector(".figure-unit")?.textContent).toBe(" / week");
  });

  it("sets words in place of a number in the unit's type", () => {
    const { container } = render(<p><FigureValue text="Still open" /></p>);
    expect(container.querySelector(".figure-unit")?.textContent).toBe("Still open");
  });
});
