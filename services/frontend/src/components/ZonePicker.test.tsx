import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/problem";
import { noteRefusedZone } from "../analytics/zone";
import { ZonePicker } from "./ZonePicker";

const picker = (url: string, chosen: string | undefined, onChange = vi.fn()) => {
  render(
    <MemoryRouter initialEntries={[url]}>
      <ZonePicker chosen={chosen} zone={chosen ?? "UTC"} onChange={onChange} />
    </MemoryRouter>,
  );
  return onChange;
};

describe("the filter bar's zone", () => {
  it("offers the browser's, UTC and the zones by region", async () => {
    const onChange = picker("/", undefined);
    const select = screen.getByLabelText("Times in");
    expect(select).toHaveValue("");
    expect(screen.getByRole("option", { name: /^Your browser's \(/ })).toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Europe" })).toBeInTheDocument();
    await userEvent.selectOptions(select, "UTC");
    expect(onChange).toHaveBeenLastCalledWith("UTC");
    await userEvent.selectOptions(select, "Europe/Berlin");
    expect(onChange).toHaveBeenLastCalledWith("Europe/Berlin");
  });

  it("clears the choice with the browser's", async () => {
    const onChange = picker("/?timezone=UTC", "UTC");
    expect(screen.getByLabelText("Times in")).toHaveValue("UTC");
    await userEvent.selectOptions(screen.getByLabelText("Times in"), "");
    expect(onChange).toHaveBeenLastCalledWith(undefined);
  });

  it("says why text in the link that names no zone is not applied", () => {
    picker("/?timezone=Mars/Olympus", undefined);
    expect(screen.getByLabelText("Times in")).toHaveAccessibleDescription(/“Mars\/Olympus” in the link is not applied: time zones are IANA names/);
  });

  it("says UTC is used when the server refuses the zone", () => {
    picker("/?timezone=Antarctica/Troll", "Antarctica/Troll");
    expect(screen.queryByRole("status")).toBeNull();
    const problem = { type: "about:blank", title: "Unprocessable Content", status: 422, code: "validation_error", detail: "invalid value for: timezone", errors: [{ field: "timezone", message: "unknown time zone" }] };
    act(() => void noteRefusedZone(new ApiError(422, problem), "Antarctica/Troll"));
    expect(screen.getByRole("status")).toHaveTextContent("UTC used: the server does not know Antarctica/Troll.");
  });
});
