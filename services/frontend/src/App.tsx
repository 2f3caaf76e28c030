import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { REVIEWER } from "./ai/corrections";
import { useAuth, useCan, useUser } from "./auth/AuthContext";
import { Loading } from "./components/States";
import { ChangePasswordPage } from "./pages/ChangePasswordPage";
import { SetPasswordPage } from "./pages/SetPasswordPage";
import { SignInForm, SignInPage } from "./pages/SignInPage";
import { Shell } from "./shell/Shell";

// Pages beyond the first screen load on demand: the initial bundle stays small.
// The dashboards (and their charts) are code-split too.
const OverviewPage = lazy(() => import("./pages/OverviewPage").then((m) => ({ default: m.OverviewPage })));
const DoraPage = lazy(() => import("./pages/DoraPage").then((m) => ({ default: m.DoraPage })));
const EngineeringPage = lazy(() => import("./pages/EngineeringPage").then((m) => ({ default: m.EngineeringPage })));
const WorkItemsPage = lazy(() => import("./pages/WorkItemsPage").then((m) => ({ default: m.WorkItemsPage })));
const ProfilePage = lazy(() => import("./pages/ProfilePage").then((m) => ({ default: m.ProfilePage })));
const UsersPage = lazy(() => import("./pages/UsersPage").then((m) => ({ default: m.UsersPage })));
const BrandingPage = lazy(() => import("./pages/admin/BrandingPage").then((m) => ({ default: m.BrandingPage })));
const ProvidersPage = lazy(() => import("./pages/admin/ProvidersPage").then((m) => ({ default: m.ProvidersPage })));
const IntegrationsPage = lazy(() => import("./pages/admin/IntegrationsPage").then((m) => ({ default: m.IntegrationsPage })));
const LogsPage = lazy(() => import("./pages/admin/LogsPage").then((m) => ({ default: m.LogsPage })));
const EtlPage = lazy(() => import("./pages/admin/EtlPage").then((m) => ({ default: m.EtlPage })));
const AnalyticsSettingsPage = lazy(() => import("./pages/admin/AnalyticsSettingsPage").then((m) => ({ default: m.AnalyticsSettingsPage })));
const SearchIndexPage = lazy(() => import("./pages/admin/SearchIndexPage").then((m) => ({ default: m.SearchIndexPage })));
const CorrectionsPage = lazy(() => import("./pages/admin/CorrectionsPage").then((m) => ({ default: m.CorrectionsPage })));
const MlPage = lazy(() => import("./pages/admin/MlPage").then((m) => ({ default: m.MlPage })));
const SearchPage = lazy(() => import("./ai/SearchPage").then((m) => ({ default: m.SearchPage })));
const AssistantPage = lazy(() => import("./ai/AssistantPage").then((m) => ({ default: m.AssistantPage })));

function NotAllowed({ why }: { why: string }) {
  return (
    <div className="state state-error" role="alert">
      <h1>Not allowed</h1>
      <p>{why}</p>
    </div>
  );
}

function AdminOnly({ children }: { children: ReactNode }) {
  const user = useUser();
  if (user.role !== "admin") return <NotAllowed why="This page is for administrators of your tenant." />;
  return <>{children}</>;
}

/** A page behind one permission: a deep link without it says so instead of failing on every request. */
function Needs({ permission, what, children }: { permission: string; what: string; children: ReactNode }) {
  if (!useCan(permission)) return <NotAllowed why={`${what} is not part of your role. An administrator of your tenant can give you access.`} />;
  return <>{children}</>;
}

function NotFound() {
  return (
    <div className="state">
      <h1>Page not found</h1>
    </div>
  );
}

/** /dora opens its first metric, with the period and filters it was given (the nav carries them). */
function FirstMetric() {
  const { search } = useLocation();
  return <Navigate to={{ pathname: "/dora/deployment-frequency", search }} replace />;
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
              <Route path="/dora" element={<FirstMetric />} />
              <Route path="/dora/:metric" element={<DoraPage />} />
              <Route path="/engineering" element={<EngineeringPage />} />
              <Route path="/work-items" element={<WorkItemsPage />} />
              <Route path="/profile" element={<ProfilePage />} />
              <Route path="/search" element={<Needs permission="search:read" what="Search"><SearchPage /></Needs>} />
              <Route path="/assistant" element={<Needs permission="agent:use" what="The assistant"><AssistantPage /></Needs>} />
              <Route path="/admin/users" element={<AdminOnly><UsersPage /></AdminOnly>} />
              <Route path="/admin/branding" element={<AdminOnly><BrandingPage /></AdminOnly>} />
              <Route path="/admin/providers" element={<AdminOnly><ProvidersPage /></AdminOnly>} />
              <Route path="/admin/integrations" element={<AdminOnly><IntegrationsPage /></AdminOnly>} />
              <Route path="/admin/logs" element={<AdminOnly><LogsPage /></AdminOnly>} />
              <Route path="/admin/etl" element={<AdminOnly><EtlPage /></AdminOnly>} />
              {/* The permission, not the role: users_permissions can grant it to a non-admin. */}
              <Route path="/admin/corrections" element={<Needs permission={REVIEWER} what="Reviewing the assistant's corrections"><CorrectionsPage /></Needs>} />
              <Route path="/admin/ml" element={<AdminOnly><MlPage /></AdminOnly>} />
              <Route path="/admin/search-index" element={<AdminOnly><SearchIndexPage /></AdminOnly>} />
              <Route path="/admin/analytics" element={<AdminOnly><AnalyticsSettingsPage /></AdminOnly>} />
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
