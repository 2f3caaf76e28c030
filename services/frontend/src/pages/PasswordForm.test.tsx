import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/problem";
import { PasswordForm } from "./PasswordForm";

function renderForm(onSubmit = vi.fn(async () => {})) {
  render(<PasswordForm title="Choose a new password" current submitLabel="Change password" onSubmit={onSubmit} />);
  return { onSubmit, user: userEvent.setup({ delay: null }) };
}

const NEW = "a-good-new-password";

describe("password form", () => {
  it("names every empty field when submitted empty, instead of doing nothing", async () => {
    const { onSubmit, user } = renderForm();
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByLabelText("Current password")).toHaveAccessibleDescription("Enter your current password.");
    expect(screen.getByLabelText("New password")).toHaveAccessibleDescription("Choose a new password.");
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("does not send a new password that was never repeated", async () => {
    const { onSubmit, user } = renderForm();
    await user.type(screen.getByLabelText("Current password"), "the-current-one");
    await user.type(screen.getByLabelText("New password"), NEW);
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByLabelText("Repeat the new password")).toHaveAccessibleDescription("Repeat the new password.");
    expect(onSubmit).not.toHaveBeenCalled();
    await user.type(screen.getByLabelText("Repeat the new password"), NEW);
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(onSubmit).toHaveBeenCalledWith("the-current-one", NEW);
    // Done: the emptied form does not complain about its empty fields.
    expect(await screen.findByText("Password changed.")).toBeInTheDocument();
    expect(screen.queryByText("Choose a new password.")).not.toBeInTheDocument();
  });

  it("shows a refusal about one field under that field only, without the field's API name", async () => {
    const refused = new ApiError(422, {
      type: "about:blank",
      title: "Invalid input",
      status: 422,
      code: "invalid_input",
      detail: "current_password: is not your current password",
      errors: [{ field: "current_password", message: "is not your current password" }],
    });
    const { user } = renderForm(vi.fn(async () => Promise.reject(refused)));
    await user.type(screen.getByLabelText("Current password"), "a-wrong-one");
    await user.type(screen.getByLabelText("New password"), NEW);
    await user.type(screen.getByLabelText("Repeat the new password"), NEW);
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByText("This is not your current password")).toBeInTheDocument();
    expect(screen.queryByText(/current_password/)).not.toBeInTheDocument();
  });
});
