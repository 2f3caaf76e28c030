import { unwrap } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { PasswordForm } from "./PasswordForm";

/** Required before anything else at the first sign-in with an initial password. */
export function ChangePasswordPage() {
  const { api, updateUser, signOut } = useAuth();
  return (
    <main id="main" className="auth-page">
      <div className="auth-stack">
        <PasswordForm
          title="Choose a new password"
          intro="You signed in with an initial password. Choose your own to continue."
          current
          submitLabel="Change password"
          onSubmit={async (current_password, new_password) => {
            updateUser(await unwrap(api.POST("/api/v1/auth/password", { body: { current_password, new_password } })));
          }}
        />
        <p className="center">
          <button type="button" className="btn btn-link" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}
