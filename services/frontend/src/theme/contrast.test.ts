import { contrast, derivedDarkPrimary, difference, PAGE, parseHex, readableOn } from "./contrast";

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

describe("difference", () => {
  it("sees hue where contrast does not (pure yellow is far from white, pale grey is not)", () => {
    expect(difference("#FFFF00", "#FFFFFF")).toBeCloseTo(97, 0);
    expect(difference("#F0F0F0", "#FFFFFF")).toBeCloseTo(5.2, 1);
    expect(difference("#FFFFFF", "#FFFFFF")).toBe(0);
    expect(difference("red", "#FFFFFF")).toBeNull();
  });
});

describe("derivedDarkPrimary", () => {
  it("lightens like the server: a fifth for a normal colour, more for black until 3:1 on the dark page", () => {
    expect(derivedDarkPrimary("#1F6FEB")).toBe("#4C8CEF");
    expect(derivedDarkPrimary("#000000")).toBe("#666666");
    expect(contrast(derivedDarkPrimary("#0B1F3A"), PAGE.dark)).toBeGreaterThanOrEqual(3);
  });
});
