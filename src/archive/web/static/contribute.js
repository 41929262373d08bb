// Adds a story through an upload link: creates the story with consent, then sends the
// recording with tus in 8 MiB chunks, resuming where the server says it stopped (after a lost
// connection or a closed tab: the upload's address is remembered per file).
"use strict";

const API = "/api/v1";
const CHUNK = 8 * 1024 * 1024;
const token = decodeURIComponent(location.hash.slice(1));
const auth = { Authorization: `Bearer ${token}` };
const statusLine = document.getElementById("status");
const bar = document.getElementById("progress");

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

async function problem(response) {
  try { return (await response.json()).detail; } catch { return `${response.status} ${response.statusText}`; }
}

function b64(text) { return btoa(unescape(encodeURIComponent(text))); }

async function showLink() {
  if (!token) { say("This page needs the link the archivist sent you.", true); return; }
  const response = await fetch(`${API}/upload-links/current`, { headers: auth });
  if (!response.ok) { say(await problem(response), true); return; }
  const link = await response.json();
  const note = document.getElementById("link-note");
  note.textContent = [link.collection_title, link.note].filter(Boolean).join(": ");
  note.hidden = !note.textContent;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function offsetOf(url) {
  const response = await fetch(url, { method: "HEAD", headers: { ...auth, "Tus-Resumable": "1.0.0" } });
  return response.ok ? Number(response.headers.get("Upload-Offset")) : null;
}

async function send(file, storyId) {
  const key = `tus:${file.name}:${file.size}:${file.lastModified}`;
  let url = localStorage.getItem(key);
  let offset = url ? await offsetOf(url) : null;
  if (offset === null) {
    const created = await fetch(`${API}/uploads`, {
      method: "POST",
      headers: { ...auth, "Tus-Resumable": "1.0.0", "Upload-Length": String(file.size),
        "Upload-Metadata": `story_id ${b64(storyId)},filename ${b64(file.name)},filetype ${b64(file.type || "application/octet-stream")}` },
    });
    if (!created.ok) throw new Error(await problem(created));
    url = created.headers.get("Location");
    localStorage.setItem(key, url);
    offset = 0;
  }
  let failures = 0;
  while (offset < file.size) {
    bar.value = offset / file.size;
    try {
      const response = await fetch(url, {
        method: "PATCH",
        headers: { ...auth, "Tus-Resumable": "1.0.0", "Upload-Offset": String(offset),
          "Content-Type": "application/offset+octet-stream" },
        body: file.slice(offset, offset + CHUNK),
      });
      if (response.status === 409) { offset = await offsetOf(url); continue; }
      if (!response.ok) throw new Error(await problem(response));
      offset = Number(response.headers.get("Upload-Offset"));
      failures = 0;
    } catch (error) {
      if (++failures > 8) throw error;
      say(`The connection dropped; trying again (${failures})...`);
      await sleep(Math.min(30000, 1000 * 2 ** failures));
      offset = (await offsetOf(url)) ?? offset;
    }
  }
  localStorage.removeItem(key);
  bar.value = 1;
}

document.getElementById("story-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("file").files[0];
  bar.hidden = false;
  say("Creating the story...");
  try {
    const created = await fetch(`${API}/stories`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        title: document.getElementById("title").value,
        consent: {
          given_by: document.getElementById("given-by").value,
          listen: document.getElementById("listen").value,
          searchable: document.getElementById("searchable").checked,
        },
      }),
    });
    if (!created.ok) throw new Error(await problem(created));
    const story = await created.json();
    say("Sending the recording. You may close this page and come back: it goes on where it stopped.");
    await send(file, story.id);
    say("Thank you. The recording has arrived; an archivist will review it.");
  } catch (error) {
    say(String(error.message || error), true);
  }
});

showLink();
