// pages/login.js - signing in with a user's name and password
// (POST /api/v1/session); the session is a cookie the browser keeps.
import { signIn } from "../api.js";
import { el } from "../dom.js";

export function render(main) {
  const name = el("input", { id: "login-name", name: "name",
    autocomplete: "username", required: true });
  const password = el("input", { id: "login-password", name: "password",
    type: "password", autocomplete: "current-password", required: true });
  const error = el("p", { class: "error", role: "alert" });
  const form = el("form", { class: "card login", "aria-label": "Sign in" },
    el("h1", {}, "Sign in to gfcloud"),
    el("label", { for: "login-name" }, "Name"), name,
    el("label", { for: "login-password" }, "Password"), password,
    el("button", { type: "submit" }, "Sign in"), error);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      await signIn(name.value, password.value);
      if (!location.hash || location.hash.startsWith("#/login"))
        location.hash = "#/fleet";
      window.dispatchEvent(new CustomEvent("gf-signed-in"));
    } catch (e) {
      error.textContent = e.status === 401 ? "Wrong name or password." :
        e.status === 429 ? `Too many attempts; try again in ${
          e.retryAfter || 60} s.` : e.message;
    }
  });
  main.append(form);
  name.focus();
}
