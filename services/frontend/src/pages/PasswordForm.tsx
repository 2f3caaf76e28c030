import { useState, type FormEvent } from "react";
import { formErrors } from "../api/fieldErrors";
import { Field } from "../components/Field";
import { FormError } from "../components/States";

export const MIN_PASSWORD = 12;

/** New password twice; `current` adds the current-password field. */
export function PasswordForm({
  title,
  intro,
  current,
  submitLabel,
  onSubmit,
  level = 1,
}: {
  level?: 1 | 2;
  title: string;
  intro?: string;
  current: boolean;
  submitLabel: string;
  onSubmit(currentPassword: string, newPassword: string): Promise<void>;
}) {
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  // After a submit, empty fields are named too (before it, they are just not filled yet).
  const [tried, setTried] = useState(false);

  const mismatch = next !== again && (again !== "" || tried) ? (again === "" ? "Repeat the new password." : "The two passwords differ.") : undefined;
  const tooShort = next !== "" && next.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters.` : undefined;
  const noNew = tried && next === "" ? "Choose a new password." : undefined;
  const noCurrent = tried && current && old === "" ? "Enter your current password." : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (!next || next !== again || tooShort || (current && !old)) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await onSubmit(old, next);
      setOld("");
      setNext("");
      setAgain("");
      setTried(false);
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const { fields, form } = formErrors(error, current ? ["current_password", "new_password", "password"] : ["new_password", "password"]);
  return (
    <form className="card auth-card" onSubmit={(e) => void submit(e)} noValidate>
      {level === 1 ? <h1>{title}</h1> : <h2>{title}</h2>}
      {intro && <p className="muted">{intro}</p>}
      {current && (
        <Field label="Current password" type="password" autoComplete="current-password" required value={old} onChange={(e) => setOld(e.target.value)} error={noCurrent ?? fields.current_password} />
      )}
      <Field label="New password" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} error={noNew ?? tooShort ?? fields.new_password ?? fields.password} />
      <Field label="Repeat the new password" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} error={mismatch} />
      <FormError error={form} />
      {done && <p role="status">Password changed.</p>}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
