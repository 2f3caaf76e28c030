import { useState } from "react";
import { Link } from "react-router-dom";
import { unwrap } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { PasswordForm } from "./PasswordForm";

/** The target of invite and reset links: /set-password#token=… (the fragment never reaches a server log). */
export function SetPasswordPage() {
  const { api } = useAuth();
  const [done, setDone] = useState(false);
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "";
  return (
    <main id="main" className="auth-page">
      {done ? (
        <div className="card auth-card">
          <h1>Password set</h1>
          <p>
            You can now <Link to="/">sign in</Link>.
          </p>
        </div>
      ) : token ? (
        <PasswordForm
          title="Set your password"
          current={false}
          submitLabel="Set password"
          onSubmit={async (_, password) => {
            await unwrap(api.POST("/api/v1/auth/set-password", { body: { token, password } }));
            window.history.replaceState(null, "", window.location.pathname);
            setDone(true);
          }}
        />
      ) : (
        <div className="card auth-card" role="alert">
          <h1>Invalid link</h1>
          <p>This link has no token. Ask your administrator for a new one.</p>
        </div>
      )}
    </main>
  );
}
