// The step after a passkey is saved. django-otp-webauthn's registration script (loaded on the
// same page) fires "otp_webauthn.register_complete" once the server has stored the passkey;
// the page's #passkey-registered form then goes on: to the recovery codes after a first
// passkey, or back to the manage page after another one. Signing in with a passkey needs
// nothing here: the library's script follows the redirect the server sends.
document.addEventListener("otp_webauthn.register_complete", () => {
  const form = document.getElementById("passkey-registered");
  if (form instanceof HTMLFormElement) {
    form.submit();
  }
});
