import { contrast, parseHex, readableOn } from "./contrast";

describe("contrast", () => {
  it("is 21:1 between black and white and 1:1 for one colour", () => {
    expect(contrast("#000000", "#FFFFFF")).toBeCloseTo(21, 5);
    expect(contrast("#1f6feb", "#1F6FEB")).toBeCloseTo(1, 5);
  });

  it("matches a known WCAG figure (#777777 on white is about 4.48)", () => {
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });

  it("reads short hex and refuses anything else", () => {
    expect(parseHex("#fff")).toEqual([255, 255, 255]);
    expect(parseHex("red")).toBeNull();
    expect(contrast("#12", "#fff")).toBeNull();
  });

  it("picks the readable text colour", () => {
    expect(readableOn("#FFFF00")).toBe("#000000");
    expect(readableOn("#0B1F3A")).toBe("#FFFFFF");
  });
});
