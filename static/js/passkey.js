// Passkeys (WebAuthn) for the forms marked data-passkey="login" or
// "register". The page works without it: the button stays hidden and the
// authenticator app's code form does the same job. With it, a click asks
// the server for a challenge (the form's CSRF token along), lets the
// browser create or use the passkey, and posts the form with the answer in
// its hidden "credential" field.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !window.fetch || !navigator.credentials) {
    return;
  }

  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeList(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: fromB64url(c.id) };
      if (c.transports) { d.transports = c.transports; }
      return d;
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    pk.user.id = fromB64url(pk.user.id);
    pk.excludeCredentials = decodeList(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    pk.allowCredentials = decodeList(pk.allowCredentials);
    return { publicKey: pk };
  }

  function encode(cred) {
    var r = cred.response;
    var out = { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response: {},
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {} };
    if (cred.authenticatorAttachment) { out.authenticatorAttachment = cred.authenticatorAttachment; }
    out.response.clientDataJSON = toB64url(r.clientDataJSON);
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      if (r.userHandle) { out.response.userHandle = toB64url(r.userHandle); }
    }
    return JSON.stringify(out);
  }

  function say(form, text) {
    var p = form.querySelector("[data-passkey-unsupported]");
    if (p) {
      p.textContent = text;
      p.hidden = false;
      p.setAttribute("role", "alert");
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey]"), function (form) {
    var button = form.querySelector("[data-passkey-button]");
    var note = form.querySelector("[data-passkey-unsupported]");
    if (!button) { return; }
    button.hidden = false;
    if (note) { note.hidden = true; }
    var register = form.getAttribute("data-passkey") === "register";
    form.addEventListener("submit", function (ev) {
      if (form.elements.credential.value) { return; } // the answer is in: post it
      ev.preventDefault();
      button.disabled = true;
      var body = new URLSearchParams();
      body.set("_csrf", form.elements._csrf.value);
      fetch(form.getAttribute("data-options"), { method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) { throw new Error("The server refused: reload the page and try again."); }
          return r.json();
        })
        .then(function (o) {
          return register ? navigator.credentials.create(creationOptions(o)) : navigator.credentials.get(requestOptions(o));
        })
        .then(function (cred) {
          form.elements.credential.value = encode(cred);
          form.submit();
        })
        .catch(function (err) {
          button.disabled = false;
          say(form, err && err.name === "NotAllowedError" ? "The passkey was not used (cancelled or timed out). Try again." :
            (err && err.message) || "The passkey did not work. Try again.");
        });
    });
  });
})();
