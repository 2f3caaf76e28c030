import { useState, type FormEvent } from "react";
import { useSetThemeMode, useUpdateProfile, type ThemeModeValue } from "../api/queries";
import { useAuth, useUser } from "../auth/AuthContext";
import { Field } from "../components/Field";
import { FormError } from "../components/States";
import { applyThemeMode } from "../theme/theme";
import { PasswordForm } from "./PasswordForm";
import { unwrap } from "../api/client";
import { formErrors } from "../api/fieldErrors";
import { Button } from "../components/Button";

const MODES: { value: ThemeModeValue; label: string }[] = [
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
  { value: "system", label: "Same as the system" },
];

export function ThemePicker() {
  const user = useUser();
  const setMode = useSetThemeMode();
  const choose = (mode: ThemeModeValue) => {
    applyThemeMode(mode); // at once; the API call makes it follow the person to other devices
    setMode.mutate(mode);
  };
  return (
    <fieldset className="theme-picker">
      <legend>Appearance</legend>
      {MODES.map((m) => (
        <label key={m.value} className="radio">
          <input type="radio" name="theme_mode" value={m.value} checked={user.theme_mode === m.value} onChange={() => choose(m.value)} />
          {m.label}
        </label>
      ))}
      <FormError error={setMode.error} />
    </fieldset>
  );
}

function NameForm() {
  const user = useUser();
  const update = useUpdateProfile();
  const [first, setFirst] = useState(user.first_name ?? "");
  const [last, setLast] = useState(user.last_name ?? "");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ first_name: first.trim() || null, last_name: last.trim() || null });
  };
  const { fields, form } = formErrors(update.error, ["first_name", "last_name"]);
  return (
    <form onSubmit={submit} className="stack">
      <Field label="First name" value={first} maxLength={100} onChange={(e) => setFirst(e.target.value)} error={fields.first_name} />
      <Field label="Last name" value={last} maxLength={100} onChange={(e) => setLast(e.target.value)} error={fields.last_name} />
      <FormError error={form} />
      {update.isSuccess && <p role="status">Saved.</p>}
      <Button type="submit" className="btn btn-primary" unavailable={update.isPending}>
        Save
      </Button>
    </form>
  );
}

export function ProfilePage() {
  const user = useUser();
  const { api, updateUser } = useAuth();
  return (
    <>
      <h1>Profile</h1>
      <div className="grid-2">
        <section className="card" aria-labelledby="me-heading">
          <h2 id="me-heading">{user.email}</h2>
          <NameForm />
        </section>
        <section className="card" aria-label="Appearance">
          <ThemePicker />
        </section>
        <PasswordForm
          title="Change password"
          level={2}
          current
          submitLabel="Change password"
          onSubmit={async (current_password, new_password) => {
            updateUser(await unwrap(api.POST("/api/v1/auth/password", { body: { current_password, new_password } })));
          }}
        />
      </div>
    </>
  );
}
