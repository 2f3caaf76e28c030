/**
 * A figure as the API's value formatted ("4.0 / week", "2.7 days"): the
 * number in the figure's large type, its unit smaller beside it. In the
 * large type throughout, "4.0 / week" broke over two lines in an overview
 * tile at desktop width, pushing that tile's badge and trend below its
 * neighbours'. The text stays the same ("4.0 / week") for screen readers
 * and copying.
 */
export function splitFigure(text: string): { number: string; unit: string } {
  const m = /^([-+]?[\d.,]+)\s+(.+)$/.exec(text);
  return m ? { number: m[1] ?? text, unit: m[2] ?? "" } : { number: text, unit: "" };
}

export function FigureValue({ text }: { text: string }) {
  // Words in place of a number ("Still open") in the unit's type: in the
  // large type they broke over two lines in a printed overview's tile.
  if (/^[A-Za-z]/.test(text)) return <span className="figure-unit">{text}</span>;
  const { number, unit } = splitFigure(text);
  return (
    <>
      {number}
      {unit && <span className="figure-unit"> {unit}</span>}
    </>
  );
}
