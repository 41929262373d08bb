// Sending a story: the consent answers and the recording go to /api/v1/uploads with
// tus-js-client, in chunks, so a dropped connection or a reload loses at most one chunk: the
// upload's address is remembered in this browser, and choosing the same recording again
// goes on from where the server says it stopped. Then the page follows the recording until
// its words are written down.
"use strict";

(function () {
  const form = document.getElementById("send-form");
  const fileInput = document.getElementById("file");
  const sending = document.getElementById("sending");
  const bar = document.getElementById("progress");
  const percent = document.getElementById("progress-text");
  const statusLine = document.getElementById("status");
  const done = document.getElementById("done");
  const readyLine = document.getElementById("ready-status");
  const sendButton = document.getElementById("send");
  const linkMode = form.dataset.mode === "link";
  const token = linkMode ? decodeURIComponent(location.hash.slice(1)) : "";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const auth = linkMode ? { Authorization: `Bearer ${token}` } : { "X-CSRF-Token": csrf };
  const KIB = 1024;
  let chosen = null;
  let upload = null;
  let recordingId = null;

  function text(name, values = {}) {
    return (form.dataset[name] || "").replace(/\{(\w+)\}/g, (_, key) => values[key]);
  }

  function say(line, message, isError = false) {
    line.textContent = message;
    line.classList.toggle("error", isError);
  }

  function choose(file, messageName) {
    chosen = file;
    say(document.getElementById("chosen"), text(messageName, { name: file.name, time: "" }));
  }

  // About twenty chunks per recording, each between 256 KiB and 8 MiB: a dropped connection
  // costs at most one chunk, and a long recording needs no more requests than it must.
  function chunkSize(size) {
    return Math.min(8 * KIB * KIB, Math.max(256 * KIB, Math.ceil(size / 20)));
  }

  function showProgress(sent, total) {
    const value = total ? Math.floor((sent / total) * 100) : 0;
    bar.value = value;
    percent.textContent = `${value}%`;
  }

  function shouldRetry(error) {
    const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
    const retry = status === 0 || status >= 500 || status === 409 || status === 423 || status === 429;
    if (retry) say(statusLine, navigator.onLine ? text("msgDropped") : text("msgOffline"));
    return retry;
  }

  async function problem(response) {
    try { return (await response.json()).detail; } catch (e) { return `${response.status}`; }
  }

  function errorReason(error) {
    const response = error.originalResponse;
    if (response) {
      try { return JSON.parse(response.getBody()).detail; } catch (e) { /* not JSON */ }
    }
    return error.message || String(error);
  }

  async function follow() {
    if (!recordingId) return;
    const response = await fetch(`/api/v1/recordings/${recordingId}`, { headers: linkMode ? auth : {} });
    if (!response.ok) { say(readyLine, await problem(response), true); return; }
    const recording = await response.json();
    if (recording.status === "ready") {
      say(readyLine, text("msgReady"));
      const link = document.getElementById("story-link");
      if (link) { link.href = `/stories/${recording.story_id}`; link.hidden = false; }
      return;
    }
    if (recording.status === "failed") { say(readyLine, text("msgBroken", { reason: recording.error || "" }), true); return; }
    say(readyLine, recording.status === "transcribing"
      ? text("msgTranscribing", { pct: Math.round((recording.progress || 0) * 100) })
      : text("msgQueued"));
    setTimeout(follow, 2000);
  }

  function finished() {
    showProgress(1, 1);
    say(statusLine, text("msgArrived"));
    if (window.archiveRecorder) window.archiveRecorder.forget();
    form.hidden = true;
    done.hidden = false;
    const another = document.getElementById("another");
    if (linkMode) another.href = `${location.pathname}${location.hash}`;
    if (recordingId) {
      document.getElementById("reference").textContent = recordingId;
      document.getElementById("receipt").hidden = false;
    }
    done.focus();
    follow();
  }

  function metadata() {
    const data = new FormData(form);
    const fields = {
      title: String(data.get("title") || "").trim(),
      consent_given_by: String(data.get("given_by") || "").trim(),
      consent_listen: String(data.get("listen") || "private"),
      consent_searchable: String(data.get("searchable") || "true"),
    };
    if (data.get("community_id")) fields.community_id = String(data.get("community_id"));
    return fields;
  }

  async function send(file) {
    sending.hidden = false;
    sendButton.disabled = true;
    say(statusLine, text("msgSending"));
    upload = new tus.Upload(file, {
      endpoint: "/api/v1/uploads",
      chunkSize: chunkSize(file.size),
      retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 60000, 60000],
      headers: auth,
      metadata: { ...metadata(), filename: file.name, filetype: file.type || "application/octet-stream" },
      removeFingerprintOnSuccess: true,
      onProgress: showProgress,
      onShouldRetry: shouldRetry,
      onAfterResponse(request, response) {
        const id = response.getHeader("Archive-Recording-Id");
        if (id) recordingId = id;
      },
      onError(error) {
        sendButton.disabled = false;
        say(statusLine, text("msgFailed", { reason: errorReason(error) }), true);
      },
      onSuccess: finished,
    });
    const previous = await upload.findPreviousUploads();
    if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  }

  window.addEventListener("online", () => {
    if (upload && sendButton.disabled === false && chosen) { sendButton.disabled = true; upload.start(); }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (linkMode && !token) { say(statusLine, text("msgNoLink"), true); sending.hidden = false; return; }
    if (!chosen) {
      sending.hidden = false;
      say(statusLine, text("msgChoose"), true);
      document.getElementById("record-start").focus();
      return;
    }
    if (upload && upload.file === chosen) { sendButton.disabled = true; say(statusLine, text("msgSending")); upload.start(); return; }
    send(chosen);
  });

  fileInput.addEventListener("change", () => {
    if (fileInput.files.length) choose(fileInput.files[0], "msgChosen");
  });

  if (window.archiveRecorder) {
    window.archiveRecorder.onRecorded((file) => { chosen = file; fileInput.value = ""; });
    window.archiveRecorder.kept().then((file) => {
      if (file && !chosen) choose(file, "msgKept");
    });
  }

  // An upload this browser began and did not finish: say so, and fill in its answers.
  function unfinished() {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith("tus::")) continue;
      try { return JSON.parse(localStorage.getItem(key)); } catch (e) { /* not ours */ }
    }
    return null;
  }
  const waiting = unfinished();
  if (waiting && waiting.metadata) {
    const meta = waiting.metadata;
    const note = document.getElementById("resume-note");
    note.textContent = text("msgWaiting", { name: meta.filename || "" });
    note.hidden = false;
    if (meta.title) form.elements.title.value = meta.title;
    if (meta.consent_given_by) form.elements.given_by.value = meta.consent_given_by;
    for (const name of ["listen", "searchable"]) {
      const value = meta[`consent_${name}`];
      const radio = value && form.querySelector(`input[name="${name}"][value="${value}"]`);
      if (radio) radio.checked = true;
    }
  }

  async function showLink() {
    if (!linkMode) return;
    if (!token) { sending.hidden = false; say(statusLine, text("msgNoLink"), true); return; }
    const response = await fetch("/api/v1/upload-links/current", { headers: auth });
    if (!response.ok) { sending.hidden = false; say(statusLine, await problem(response), true); return; }
    const link = await response.json();
    const note = document.getElementById("link-note");
    note.textContent = [link.collection_title, link.note].filter(Boolean).join(": ");
    note.hidden = !note.textContent;
  }
  showLink();
})();
