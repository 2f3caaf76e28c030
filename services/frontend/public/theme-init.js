// Runs before the first paint (blocking <script> in <head>, same origin so a
// strict CSP allows it): applies the stored light/dark mode and the cached
// tenant brand colours. Mirrors src/theme/theme.ts and src/theme/branding.ts.
(function () {
  var root = document.documentElement;
  try {
    var mode = localStorage.getItem("pulse.theme");
    if (mode !== "light" && mode !== "dark") mode = "system";
    var dark = mode === "dark" || (mode === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
    root.dataset.themeMode = mode;
    root.dataset.theme = dark ? "dark" : "light";
    var brand = JSON.parse(localStorage.getItem("pulse.branding") || "null");
    var vars = brand && brand[dark ? "dark" : "light"];
    if (vars) for (var name in vars) if (/^--brand-[a-z-]+$/.test(name)) root.style.setProperty(name, vars[name]);
  } catch (e) {
    root.dataset.theme = "light";
  }
})();
