import { lazy, Suspense, type ReactNode } from "react";
import { Route, Routes } from "react-router-dom";
import { useAuth, useUser } from "./auth/AuthContext";
import { Loading } from "./components/States";
import { ChangePasswordPage } from "./pages/ChangePasswordPage";
import { OverviewPage } from "./pages/OverviewPage";
import { SetPasswordPage } from "./pages/SetPasswordPage";
import { SignInForm, SignInPage } from "./pages/SignInPage";
import { Shell } from "./shell/Shell";

// Pages beyond the first screen load on demand: the initial bundle stays small.
const ProfilePage = lazy(() => import("./pages/ProfilePage").then((m) => ({ default: m.ProfilePage })));
const UsersPage = lazy(() => import("./pages/UsersPage").then((m) => ({ default: m.UsersPage })));
const SearchPage = lazy(() => import("./ai/SearchPage").then((m) => ({ default: m.SearchPage })));
const AssistantPage = lazy(() => import("./ai/AssistantPage").then((m) => ({ default: m.AssistantPage })));

function AdminOnly({ children }: { children: ReactNode }) {
  const user = useUser();
  if (user.role !== "admin")
    return (
      <div className="state state-error" role="alert">
        <h1>Not allowed</h1>
        <p>This page is for administrators of your tenant.</p>
      </div>
    );
  return <>{children}</>;
}

function NotFound() {
  return (
    <div className="state">
      <h1>Page not found</h1>
    </div>
  );
}

function SignedIn({ expired }: { expired: boolean }) {
  return (
    <>
      {/* The page stays mounted (and inert) under the sign-in dialog, so nothing on it is lost. */}
      <div inert={expired}>
        <Shell>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<OverviewPage />} />
              <Route path="/profile" element={<ProfilePage />} />
              <Route path="/search" element={<SearchPage />} />
              <Route path="/assistant" element={<AssistantPage />} />
              <Route path="/admin/users" element={<AdminOnly><UsersPage /></AdminOnly>} />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </Suspense>
        </Shell>
      </div>
      {expired && (
        <div className="overlay">
          <div role="dialog" aria-modal="true" aria-label="Sign in again">
            <SignInForm again />
          </div>
        </div>
      )}
    </>
  );
}

export function App() {
  const { status, session } = useAuth();
  return (
    <Routes>
      <Route path="/set-password" element={<SetPasswordPage />} />
      <Route
        path="*"
        element={
          status === "starting" ? (
            <main id="main" className="auth-page">
              <Loading label="Starting…" />
            </main>
          ) : status === "anonymous" || !session.user ? (
            <SignInPage />
          ) : session.mustChangePassword ? (
            <ChangePasswordPage />
          ) : (
            <SignedIn expired={status === "expired"} />
          )
        }
      />
    </Routes>
  );
}
