// The WebAuthn ceremonies of the account pages. The options come from the page (a JSON data block
// the server wrote), the browser's answer goes back in the page's own form, as the credential's
// toJSON(), and the server verifies it: this script decides nothing.
"use strict";

(() => {
  const form = document.querySelector("form[data-webauthn]");
  if (!form) {
    return;
  }
  const status = document.getElementById("webauthn-status");
  const button = form.querySelector("button[type=submit]");
  const options = JSON.parse(document.getElementById("webauthn-options").textContent);
  const creating = form.dataset.webauthn === "create";
  const supported =
    window.PublicKeyCredential &&
    (creating ? PublicKeyCredential.parseCreationOptionsFromJSON : PublicKeyCredential.parseRequestOptionsFromJSON);
  if (!supported) {
    status.textContent = "This browser cannot use passkeys. Choose another way.";
    return;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "Waiting for your passkey…";
    try {
      const credential = creating
        ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
        : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      form.elements.credential.value = JSON.stringify(credential.toJSON());
      // submit() sends the form without this handler again.
      form.submit();
    } catch (error) {
      status.textContent =
        error.name === "NotAllowedError"
          ? "The passkey was not used: cancelled, or it took too long. Try again."
          : `The passkey could not be used (${error.name}). Try again.`;
      button.disabled = false;
    }
  });
  button.disabled = false;
})();
