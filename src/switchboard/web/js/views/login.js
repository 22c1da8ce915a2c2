// The login screen: the agent's login and Banner password.

import { h } from "../dom.js";

/**
 * `onSubmit` signs in (its error message is shown on the form); `onSignedIn` then
 * opens the desk.
 * @param {{
 *   onSubmit: (login: string, password: string) => Promise<void>,
 *   onSignedIn: () => Promise<void>,
 *   message?: string,
 * }} options
 */
export function loginView({ onSubmit, onSignedIn, message }) {
  const error = h("p", { class: "form-error", role: "alert", id: "login-error", text: message ?? "" });
  const login = h("input", {
    id: "login",
    name: "login",
    autocomplete: "username",
    required: true,
    "aria-describedby": "login-error",
  });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    "aria-describedby": "login-error",
  });
  const submit = h("button", { type: "submit", class: "primary wide", text: "Sign in" });
  const form = h(
    "form",
    {
      class: "login-form",
      "aria-labelledby": "login-title",
      on: {
        submit: async (event) => {
          event.preventDefault();
          error.textContent = "";
          submit.disabled = true;
          submit.textContent = "Signing in…";
          try {
            await onSubmit(login.value.trim(), password.value);
          } catch (e) {
            error.textContent = e instanceof Error ? e.message : String(e);
            password.select();
            return;
          } finally {
            submit.disabled = false;
            submit.textContent = "Sign in";
          }
          await onSignedIn();
        },
      },
    },
    h("div", { class: "brand-mark", "aria-hidden": "true" }),
    h("h1", { id: "login-title", text: "Sign in to the Banner" }),
    h("p", { class: "muted", text: "Your agent desk for voice calls." }),
    h("label", { for: "login", text: "Login" }),
    login,
    h("label", { for: "password", text: "Password" }),
    password,
    error,
    submit,
  );
  const main = h("main", { class: "login" }, form);
  queueMicrotask(() => login.focus());
  return main;
}
