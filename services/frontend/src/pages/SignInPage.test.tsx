import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { AuthProvider } from "../auth/AuthProvider";

function problem(status: number, code: string, detail: string, errors?: { field: string; message: string }[]) {
  return new Response(JSON.stringify({ type: "about:blank", title: "x", status, code, detail, errors }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

function renderApp() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <AuthProvider>
          <App />
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("sign in", () => {
  it("shows the API's problem detail and the field message", async () => {
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (input: Request | string) => {
      const url = typeof input === "string" ? input : input.url;
      calls.push(new URL(url, "http://localhost").pathname);
      if (url.endsWith("/auth/refresh")) return problem(401, "unauthenticated", "no refresh token cookie");
      return problem(401, "invalid_credentials", "invalid tenant, email or password");
    });
    renderApp();
    const user = userEvent.setup({ delay: null });
    await user.type(await screen.findByLabelText("Tenant"), "acme");
    await user.type(screen.getByLabelText("Email"), "admin@acme.example");
    await user.type(screen.getByLabelText("Password"), "wrong-password");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("invalid tenant, email or password");
    expect(calls).toEqual(["/api/v1/auth/refresh", "/api/v1/auth/login"]);
  });

  it("names the invalid field from a 422", async () => {
    vi.stubGlobal("fetch", async (input: Request | string) => {
      const url = typeof input === "string" ? input : input.url;
      if (url.endsWith("/auth/refresh")) return problem(401, "unauthenticated", "no refresh token cookie");
      return problem(422, "invalid_input", "invalid value for: tenant", [{ field: "tenant", message: "String should match pattern" }]);
    });
    renderApp();
    const user = userEvent.setup({ delay: null });
    await user.type(await screen.findByLabelText("Tenant"), "A");
    await user.type(screen.getByLabelText("Email"), "a@b.example");
    await user.type(screen.getByLabelText("Password"), "x");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("String should match pattern")).toBeInTheDocument();
    expect(screen.getByLabelText("Tenant")).toHaveAttribute("aria-invalid", "true");
  });
});

describe("field errors", () => {
  it("says each field's problem once, under the field, and no summary below the form", async () => {
    vi.stubGlobal("fetch", async (input: Request | string) => {
      const url = typeof input === "string" ? input : input.url;
      if (url.endsWith("/auth/refresh")) return problem(401, "unauthenticated", "no refresh token cookie");
      return problem(422, "invalid_input", "invalid value for: email, tenant", [
        { field: "tenant", message: "lower-case letters, digits and -" },
        { field: "email", message: "not an email address" },
      ]);
    });
    renderApp();
    const user = userEvent.setup({ delay: null });
    await user.type(await screen.findByLabelText("Tenant"), "A");
    await user.type(screen.getByLabelText("Email"), "a");
    await user.type(screen.getByLabelText("Password"), "x");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Lower-case letters, digits and -")).toBeInTheDocument();
    expect(screen.getByText("Not an email address")).toBeInTheDocument();
    expect(screen.queryByText(/invalid value for/)).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
