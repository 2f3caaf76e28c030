import { useEffect, useRef, useState, type ReactNode } from "react";
import { NavLink, useLocation } from "react-router-dom";
import { useSetThemeMode, type ThemeModeValue } from "../api/queries";
import { REVIEWER } from "../ai/corrections";
import { useAuth, useUser } from "../auth/AuthContext";
import { applyThemeMode } from "../theme/theme";
import { useApplyBranding } from "../theme/useBranding";
import { navTarget } from "./navTarget";

interface NavItem {
  to: string;
  label: string;
  admin?: boolean;
  /** Shown only to sessions that hold it (the page refuses the others too). */
  permission?: string;
}

export const NAV: NavItem[] = [
  { to: "/", label: "Overview" },
  { to: "/dora", label: "DORA" },
  { to: "/engineering", label: "Engineering" },
  { to: "/work-items", label: "Work items" },
  { to: "/search", label: "Search", permission: "search:read" },
  { to: "/assistant", label: "Assistant", permission: "agent:use" },
  { to: "/profile", label: "Profile" },
  { to: "/admin/users", label: "Users", admin: true },
  { to: "/admin/branding", label: "Branding", admin: true },
  { to: "/admin/analytics", label: "Analytics settings", admin: true },
  { to: "/admin/providers", label: "AI providers", admin: true },
  { to: "/admin/corrections", label: "Assistant corrections", permission: REVIEWER },
  { to: "/admin/integrations", label: "Integrations", admin: true },
  { to: "/admin/etl", label: "ETL jobs", admin: true },
  { to: "/admin/logs", label: "Logs", admin: true },
  { to: "/admin/ml", label: "ML monitoring", admin: true },
  { to: "/admin/search-index", label: "Search index", admin: true },
];

const NEXT_MODE: Record<ThemeModeValue, ThemeModeValue> = { light: "dark", dark: "system", system: "light" };
const MODE_LABEL: Record<ThemeModeValue, string> = { light: "Light", dark: "Dark", system: "System" };

function ThemeButton() {
  const user = useUser();
  const setMode = useSetThemeMode();
  const next = NEXT_MODE[user.theme_mode];
  return (
    <button
      type="button"
      className="btn btn-ghost"
      aria-label={`Theme: ${MODE_LABEL[user.theme_mode]}. Switch to ${MODE_LABEL[next]}`}
      onClick={() => {
        applyThemeMode(next);
        setMode.mutate(next);
      }}
    >
      <span aria-hidden="true">{user.theme_mode === "dark" ? "☾" : user.theme_mode === "light" ? "☀" : "◐"}</span>
      <span className="hide-narrow"> {MODE_LABEL[user.theme_mode]}</span>
    </button>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const user = useUser();
  const { session, signOut } = useAuth();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  // The open menu (phone width) covers the page: Escape closes it and gives
  // focus back to its button, as for any disclosure that overlays content.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  // Mounted once, here: the tenant's colours and logo follow the branding query.
  useApplyBranding();

  const items = NAV.filter((i) => (!i.admin || user.role === "admin") && (!i.permission || session.permissions.includes(i.permission)));
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <button ref={toggle} type="button" className="btn btn-ghost nav-toggle" aria-expanded={open} aria-controls="primary-nav" onClick={() => setOpen((o) => !o)}>
          <span aria-hidden="true">☰</span>
          <span className="sr-only">Menu</span>
        </button>
        <div className="brand">
          <span className="brand-logo" aria-hidden="true" />
          <span className="brand-name">Pulse</span>
          {/* A long slug (up to 30 characters) is cut to the badge's width:
              the tooltip and the accessible name give the whole of it, and
              focused (Tab, or a tap: a touch screen shows no tooltip) the
              badge wraps to show it whole. */}
          {session.tenant && (
            <span className="tenant-badge" role="note" tabIndex={0} aria-label={`Tenant: ${session.tenant}`} title={`Tenant: ${session.tenant}`}>
              {session.tenant}
            </span>
          )}
        </div>
        <div className="topbar-actions">
          <ThemeButton />
          <span className="user-email hide-narrow">{user.email}</span>
          <button type="button" className="btn" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav
        id="primary-nav"
        className={open ? "sidenav open" : "sidenav"}
        aria-label="Main"
        onBlur={(e) => {
          // Tab past the open menu's last link (or Shift+Tab out of it) closes
          // it: focus went on into the page it covers, out of sight. Focus
          // leaving for nothing (another window) keeps it open.
          const to = e.relatedTarget;
          if (open && to instanceof Node && !e.currentTarget.contains(to) && to !== toggle.current) setOpen(false);
        }}
      >
        <ul role="list">
          {items.map((i) => (
            <li key={i.to}>
              <NavLink to={navTarget(i.to, location.pathname, location.search)} end={i.to === "/"} onClick={() => setOpen(false)}>
                {i.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
