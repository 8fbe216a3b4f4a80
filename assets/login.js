// The sign-in form (app/pages/login.py) is a plain HTML form posted to /auth/sign-in: the
// browser navigates, so this only makes the wait visible and keeps the email typed for the
// form shown again after a refusal (in this tab's sessionStorage, read back by Reflex as
// AuthState.login_email). The password is never kept.
(function () {
  const EMAIL_KEY = "beacon-login-email";

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "login-form" || event.defaultPrevented) return;
    const email = form.querySelector("input[name=email]");
    try {
      sessionStorage.setItem(EMAIL_KEY, email ? email.value : "");
    } catch (error) {
      // storage refused (private mode): the form still posts
    }
    const button = form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-busy", "true");
      button.textContent = "Signing in…";
      // After this submission has started; a second click would only post the same again.
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // Back from the server's page (bfcache): the button works again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    const button = document.querySelector("#login-form button[type=submit]");
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = "Sign in";
    }
  });
})();
