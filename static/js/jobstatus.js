// Keeps an import's progress page current while the import runs. Without
// it the page has a "Check again" link; with it the status line updates in
// place every two seconds (a polite live region: no reload, no lost focus),
// and the page loads once more when the import has ended, to show what it did.
(function () {
  "use strict";
  var status = document.getElementById("job-status");
  if (!status || !window.fetch || !window.DOMParser) {
    return;
  }
  var again = document.getElementById("job-check");
  if (again) {
    again.hidden = true;
  }
  function poll() {
    fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("job-status");
        if (!next) {
          location.reload();
          return;
        }
        if (next.textContent !== status.textContent) {
          status.textContent = next.textContent;
        }
        setTimeout(poll, 2000);
      })
      .catch(function () {
        if (again) {
          again.hidden = false;
        }
      });
  }
  setTimeout(poll, 2000);
})();
