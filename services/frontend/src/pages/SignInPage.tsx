import { useState, type FormEvent } from "react";
import { formErrors } from "../api/fieldErrors";
import { useAuth } from "../auth/AuthContext";
import { LAST_TENANT_KEY } from "../auth/AuthProvider";
import { Field } from "../components/Field";
import { FormError } from "../components/States";

/** Sign-in form; as a dialog (`again`) it renews an expired session over the page. */
export function SignInForm({ again = false }: { again?: boolean }) {
  const { signIn, session } = useAuth();
  const [tenant, setTenant] = useState(() => session.tenant ?? localStorage.getItem(LAST_TENANT_KEY) ?? "");
  const [email, setEmail] = useState(session.user?.email ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(tenant.trim().toLowerCase(), email.trim(), password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const { fields, form } = formErrors(error, ["tenant", "email", "password"]);
  return (
    <form className="card auth-card" onSubmit={(e) => void submit(e)} noValidate>
      {!again && <img className="auth-logo" src="/favicon.svg" alt="" width="40" height="40" />}
      <h1>{again ? "Your session has ended" : "Sign in to Pulse"}</h1>
      {again && <p className="muted">Sign in again to carry on where you were.</p>}
      <Field label="Tenant" name="tenant" autoComplete="organization" required value={tenant} onChange={(e) => setTenant(e.target.value)} error={fields.tenant} />
      <Field label="Email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={fields.email} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={fields.password} />
      <FormError error={form} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

export function SignInPage() {
  return (
    <main id="main" className="auth-page">
      <SignInForm />
    </main>
  );
}
