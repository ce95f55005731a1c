// The composer, improved: a formatting toolbar, a live preview beside the
// text, files dropped on the text box or pasted into it uploaded at once
// (POST /uploads) and their Markdown put where the cursor is, and what is
// typed kept in this browser until it is sent. Without this script every
// form still works: a file input, a Preview button, and the server keeps a
// form sent after the session ended (handlers/composer.go, drafts.go).
(function () {
  "use strict";
  var root = document.querySelector("[data-composer]");
  if (!root || !window.fetch || !window.FormData) {
    return;
  }
  var form = root.closest("form");
  var text = root.querySelector("textarea");
  var status = root.querySelector("[data-composer-status]");
  var preview = root.querySelector("[data-composer-preview]");
  var previewBody = root.querySelector("[data-composer-preview-body]");
  var toolbar = root.querySelector(".composer-toolbar");
  var action = root.getAttribute("data-action");
  var maxFile = parseInt(root.getAttribute("data-max-file"), 10) || 0;
  if (!form || !text) {
    return;
  }

  function csrf() {
    var f = form.querySelector("input[name=_csrf]");
    return f ? f.value : "";
  }

  function say(msg, isError) {
    if (!status) {
      return;
    }
    status.textContent = msg;
    status.classList.toggle("is-error", !!isError);
  }

  // ---- Drafts kept in the browser -------------------------------------
  // Kept per account (the header's link to the viewer's profile names it)
  // and per form, for two weeks; a draft is dropped once the server says
  // its form was sent (the cc_draft_sent cookie), never on submit, so a
  // request that fails on the way loses nothing.
  var owner = (function () {
    var me = document.querySelector(".account-nav a[href^='/u/']");
    return me ? me.getAttribute("href") : "";
  })();
  var store = null;
  try {
    store = window.localStorage;
  } catch (e) {
    store = null;
  }
  var draftKey = owner && action ? "cc-draft:" + owner + ":" + action : "";
  var keepFor = 14 * 24 * 3600 * 1000;

  function fields() {
    var out = [];
    var els = form.querySelectorAll("input[type=text][name], select[name], textarea[name]");
    for (var i = 0; i < els.length; i++) {
      if (els[i].name.charAt(0) !== "_") {
        out.push(els[i]);
      }
    }
    return out;
  }

  function readDraft(key) {
    if (!store || !key) {
      return null;
    }
    try {
      var d = JSON.parse(store.getItem(key) || "null");
      if (d && d.at && Date.now() - d.at < keepFor && d.values) {
        return d;
      }
      store.removeItem(key);
    } catch (e) { /* a broken entry is no draft */ }
    return null;
  }

  function saveDraft() {
    if (!store || !draftKey) {
      return;
    }
    var values = {};
    fields().forEach(function (el) { values[el.name] = el.value; });
    try {
      store.setItem(draftKey, JSON.stringify({ at: Date.now(), values: values }));
    } catch (e) { /* storage full or refused: the server-side draft still helps */ }
  }

  function dropDraft(key) {
    if (store && key) {
      try { store.removeItem(key); } catch (e) { /* nothing kept */ }
    }
  }

  // The form the server just saved: its draft can go.
  (function () {
    var m = document.cookie.match(/(?:^|;\s*)cc_draft_sent=([^;]*)/);
    if (!m) {
      return;
    }
    var sent = decodeURIComponent(m[1].replace(/\+/g, " "));
    if (owner) {
      dropDraft("cc-draft:" + owner + ":" + sent);
    }
    document.cookie = "cc_draft_sent=; Max-Age=0; path=/; SameSite=Lax";
  })();

  var saveTimer = null;
  form.addEventListener("input", function () {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 300);
  });

  // Put a kept draft back into a form the server showed fresh (not one it
  // showed again with what was sent: that is newer).
  if (root.hasAttribute("data-fresh")) {
    var d = readDraft(draftKey);
    var changed = false;
    if (d) {
      var before = {};
      fields().forEach(function (el) {
        before[el.name] = el.value;
        if (Object.prototype.hasOwnProperty.call(d.values, el.name) && d.values[el.name] !== el.value) {
          el.value = d.values[el.name];
          changed = true;
        }
      });
      if (changed) {
        say("What you typed here earlier, and did not send, is back (kept in this browser). ");
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "link-button";
        discard.textContent = "Discard it";
        discard.addEventListener("click", function () {
          fields().forEach(function (el) {
            if (Object.prototype.hasOwnProperty.call(before, el.name)) {
              el.value = before[el.name];
            }
          });
          dropDraft(draftKey);
          say("The earlier text is discarded.");
          text.focus();
        });
        status.appendChild(discard);
      }
    }
  } else {
    saveDraft();
  }

  // ---- Inserting at the cursor ------------------------------------------
  function insert(before, after, placeholder) {
    var start = text.selectionStart, end = text.selectionEnd;
    var selected = text.value.slice(start, end) || placeholder || "";
    text.setRangeText(before + selected + after, start, end, "end");
    text.selectionStart = start + before.length;
    text.selectionEnd = start + before.length + selected.length;
    text.focus();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function insertBlock(block) {
    var start = text.selectionStart;
    var pre = text.value.slice(0, start);
    var lead = pre === "" || /\n\n$/.test(pre) ? "" : (/\n$/.test(pre) ? "\n" : "\n\n");
    text.setRangeText(lead + block + "\n\n", start, text.selectionEnd, "end");
    text.focus();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // ---- Uploads: picked, dropped or pasted -------------------------------
  var picker = document.createElement("input");
  picker.type = "file";
  picker.multiple = true;
  picker.accept = "image/png,image/jpeg,image/gif,image/webp";
  picker.hidden = true;
  picker.addEventListener("change", function () {
    upload(picker.files);
    picker.value = "";
  });
  root.appendChild(picker);

  var uploading = 0;
  function upload(files) {
    for (var i = 0; i < files.length; i++) {
      uploadOne(files[i]);
    }
  }

  function uploadOne(file) {
    var name = file.name || "pasted-image.png";
    if (maxFile && file.size > maxFile) {
      say("“" + name + "” is too large to attach here. Make it smaller, or link to it.", true);
      return;
    }
    var marker = "![Uploading " + name.replace(/[\[\]]/g, "") + "…]()";
    insertBlock(marker);
    uploading++;
    say("Uploading “" + name + "”…");
    var body = new FormData();
    body.append("_csrf", csrf());
    body.append("file", file, name);
    fetch("/uploads", { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; },
          function () { return { ok: false, data: { error: "The upload failed (" + r.status + "). Try again, or use the file field." } }; });
      })
      .then(function (res) {
        uploading--;
        var at = text.value.indexOf(marker);
        if (res.ok && res.data.markdown) {
          if (at >= 0) {
            text.setRangeText(res.data.markdown, at, at + marker.length, "preserve");
          } else {
            insertBlock(res.data.markdown);
          }
          say("“" + res.data.name + "” is attached.");
        } else {
          if (at >= 0) {
            text.setRangeText("", at, at + marker.length + 2, "preserve");
          }
          say(res.data.error || "The upload failed. Try again, or use the file field.", true);
        }
        text.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () {
        uploading--;
        var at = text.value.indexOf(marker);
        if (at >= 0) {
          text.setRangeText("", at, at + marker.length + 2, "preserve");
        }
        say("The upload failed: the site could not be reached. Your text is kept.", true);
      });
  }

  text.addEventListener("dragover", function (e) {
    if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
      e.preventDefault();
      text.classList.add("is-dropping");
    }
  });
  text.addEventListener("dragleave", function () { text.classList.remove("is-dropping"); });
  text.addEventListener("drop", function (e) {
    text.classList.remove("is-dropping");
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
      e.preventDefault();
      upload(e.dataTransfer.files);
    }
  });
  text.addEventListener("paste", function (e) {
    var files = e.clipboardData && e.clipboardData.files;
    if (files && files.length) {
      e.preventDefault();
      upload(files);
    }
  });
  form.addEventListener("submit", function (e) {
    if (uploading > 0) {
      e.preventDefault();
      say("Wait a moment: a file is still uploading.", true);
    }
  });
  var dnd = root.querySelector("[data-composer-dnd]");
  if (dnd) {
    dnd.hidden = false;
  }

  // ---- Toolbar ------------------------------------------------------------
  var tools = [
    ["Bold", "B", function () { insert("**", "**", "bold text"); }],
    ["Italic", "I", function () { insert("_", "_", "italic text"); }],
    ["Code", "Code", function () { insert("`", "`", "code"); }],
    ["Code block or log", "Code block", function () {
      var sel = text.value.slice(text.selectionStart, text.selectionEnd);
      insertBlock("```\n" + (sel || "paste the log or command output here") + "\n```");
    }],
    ["Link", "Link", function () { insert("[", "](https://)", "link text"); }],
    ["Quote", "Quote", function () { insertBlock("> " + (text.value.slice(text.selectionStart, text.selectionEnd) || "quoted text")); }],
    ["List", "List", function () { insertBlock("- first\n- second"); }],
    ["Attach an image", "Image", function () { picker.click(); }]
  ];
  if (toolbar) {
    tools.forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "small secondary";
      b.setAttribute("aria-label", t[0]);
      b.title = t[0];
      b.textContent = t[1];
      b.addEventListener("click", t[2]);
      toolbar.appendChild(b);
    });
    toolbar.hidden = false;
  }

  // ---- Live preview, beside the text on a wide screen ---------------------
  if (preview && previewBody) {
    var split = document.createElement("div");
    split.className = "composer-split";
    var page = root.closest(".narrow");
    if (page) {
      page.classList.add("composer-wide");
    }
    text.parentNode.insertBefore(split, text);
    split.appendChild(text);
    split.appendChild(preview);
    var previewTimer = null, lastPreviewed = null;
    var refresh = function () {
      var src = text.value;
      if (src === lastPreviewed) {
        return;
      }
      lastPreviewed = src;
      if (src.trim() === "") {
        previewBody.textContent = "";
        preview.hidden = true;
        return;
      }
      var body = new URLSearchParams();
      body.append("_csrf", csrf());
      body.append("body", src);
      fetch("/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && src === text.value) {
            // The server's rendering: goldmark without raw HTML, unsafe links as text.
            previewBody.innerHTML = html;
            preview.hidden = false;
          }
        })
        .catch(function () { /* the Preview button still works */ });
    };
    text.addEventListener("input", function () {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refresh, 500);
    });
    if (text.value.trim() !== "") {
      refresh();
    }
  }
})();
