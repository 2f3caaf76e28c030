import { describe, expect, it } from "vitest";
import { fieldSentence, formErrors } from "./fieldErrors";
import { ApiError, describeError } from "./problem";

const invalid = (errors: { field: string; message: string }[]) =>
  new ApiError(422, { type: "about:blank", title: "x", status: 422, code: "invalid_input", detail: `invalid value for: ${errors.map((e) => e.field).join(", ")}`, errors });

describe("formErrors", () => {
  it("leaves nothing for the form when every problem is on a field it shows", () => {
    const { fields, form } = formErrors(invalid([{ field: "email", message: "not an email" }]), ["email"]);
    expect(fields).toEqual({ email: "not an email" });
    expect(form).toBeNull();
  });

  it("gives the form only what belongs to no shown field, in the API's words", () => {
    const { form } = formErrors(invalid([{ field: "email", message: "not an email" }, { field: "token", message: "expired" }]), ["email"]);
    expect(describeError(form)).toBe("token: expired");
  });

  it("gives the form an error without field errors as it is, and nothing for no error", () => {
    const denied = new ApiError(403, { type: "about:blank", title: "x", status: 403, code: "forbidden", detail: "not allowed" });
    expect(formErrors(denied, ["email"]).form).toBe(denied);
    expect(formErrors(null, ["email"])).toEqual({ fields: {}, form: null });
  });
});

describe("fieldSentence", () => {
  it("makes the API's message a sentence under its field", () => {
    // The provider form's errors began lowercase ("use a full address…").
    expect(fieldSentence("use a full address starting with https://")).toBe("Use a full address starting with https://");
    expect(fieldSentence("must not be blank")).toBe("Must not be blank");
    expect(fieldSentence("is not your current password")).toBe("This is not your current password");
    expect(fieldSentence("Already a sentence")).toBe("Already a sentence");
  });
});
