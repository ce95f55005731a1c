// Suggests solved threads and articles while a question's title is typed.
// The page works without it: the "Check for similar questions" button does
// the same on the server.
(function () {
  "use strict";
  var input = document.getElementById("f-title");
  var box = document.getElementById("similar");
  if (!input || !box || !window.fetch) {
    return;
  }
  var timer = null;
  var last = "";

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 350);
  });

  function lookup() {
    var q = input.value.trim();
    if (q.length < 4 || q === last) {
      return;
    }
    last = q;
    fetch("/search/similar?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { show(data.results || []); })
      .catch(function () { /* suggestions are optional */ });
  }

  // Built with textContent only: titles are user content.
  function show(results) {
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    if (results.length === 0) {
      box.hidden = true;
      return;
    }
    var h = document.createElement("h2");
    h.textContent = "These solved questions may already answer yours";
    box.appendChild(h);
    var ul = document.createElement("ul");
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = r.title;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" (" + r.status + ")"));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.hidden = false;
  }
})();
