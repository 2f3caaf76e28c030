import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { Field } from "./Field";

/** A form whose submit is refused with the given field errors, as a 422 would. */
function Form({ errors }: { errors: Record<string, string> }) {
  const [shown, setShown] = useState<Record<string, string>>({});
  const [pending, setPending] = useState(false);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        // Disabled while the request runs: the browser drops the button's focus.
        setPending(true);
        setTimeout(() => {
          setPending(false);
          setShown(errors);
        });
      }}
    >
      <Field label="Name" error={shown.name} />
      <Field label="Base URL" error={shown.url} />
      <Field label="Model" error={shown.model} />
      <input aria-label="Elsewhere" />
      <button type="submit" disabled={pending}>
        Add
      </button>
    </form>
  );
}

describe("Field", () => {
  it("gives focus to the first field to correct after a refused submit", async () => {
    render(<Form errors={{ url: "must be a URL", model: "required" }} />);
    const add = screen.getByRole("button", { name: "Add" });
    add.focus();
    await userEvent.keyboard("{Enter}");
    expect(await screen.findByText("Must be a URL")).toBeInTheDocument();
    expect(screen.getByLabelText("Base URL")).toHaveFocus();
  });

  it("leaves focus where the user went meanwhile", () => {
    const fields = (errors: Record<string, string>) => (
      <form>
        <Field label="Name" error={errors.name} />
        <input aria-label="Elsewhere" />
      </form>
    );
    const { rerender } = render(fields({}));
    screen.getByLabelText("Elsewhere").focus();
    rerender(fields({ name: "use lowercase letters" }));
    expect(screen.getByText("Use lowercase letters")).toBeInTheDocument();
    expect(screen.getByLabelText("Elsewhere")).toHaveFocus();
  });
});
