// Recording from the microphone: MediaRecorder, a level meter fed by an AnalyserNode, pause
// and go on, and a preview to listen to. The finished recording is kept in this browser
// (IndexedDB) until it has been sent, so a reload or a closed tab does not lose it.
// Publishes window.archiveRecorder = { onRecorded(callback), kept(), forget() }.
"use strict";

(function () {
  const start = document.getElementById("record-start");
  if (!start) return;
  const pause = document.getElementById("record-pause");
  const stop = document.getElementById("record-stop");
  const live = document.getElementById("record-live");
  const meter = document.getElementById("level");
  const clock = document.getElementById("record-time");
  const preview = document.getElementById("record-preview");
  const form = document.getElementById("send-form");
  const listeners = [];
  let recorder = null;
  let stream = null;
  let audioContext = null;
  let elapsed = 0;
  let lastTick = 0;
  let frame = 0;

  const DB = "archive-recordings";
  const STORE = "pending";

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function keep(file) {
    try {
      const db = await openDb();
      db.transaction(STORE, "readwrite").objectStore(STORE).put(file, "last");
    } catch (error) { /* private browsing: the recording is only in this page */ }
  }

  async function kept() {
    try {
      const db = await openDb();
      return await new Promise((resolve) => {
        const request = db.transaction(STORE).objectStore(STORE).get("last");
        request.onsuccess = () => resolve(request.result || null);
        request.onerror = () => resolve(null);
      });
    } catch (error) { return null; }
  }

  async function forget() {
    try {
      const db = await openDb();
      db.transaction(STORE, "readwrite").objectStore(STORE).delete("last");
    } catch (error) { /* nothing kept */ }
  }

  function say(name, values) {
    const text = (form.dataset[name] || "").replace(/\{(\w+)\}/g, (_, key) => values[key]);
    document.getElementById("chosen").textContent = text;
  }

  function mmss(seconds) {
    const whole = Math.floor(seconds);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function showLevel(analyser, samples) {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    const now = performance.now();
    if (recorder && recorder.state === "recording") elapsed += (now - lastTick) / 1000;
    lastTick = now;
    clock.textContent = mmss(elapsed);
    frame = requestAnimationFrame(() => showLevel(analyser, samples));
  }

  function mimeType() {
    for (const type of ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"]) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported(type)) return type;
    }
    return "";
  }

  start.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      say("msgNoMic", { reason: error.name || String(error) });
      return;
    }
    const chunks = [];
    const type = mimeType();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", () => {
      cancelAnimationFrame(frame);
      stream.getTracks().forEach((track) => track.stop());
      if (audioContext) audioContext.close();
      const blobType = recorder.mimeType || type || "audio/webm";
      const extension = blobType.includes("mp4") ? "m4a" : blobType.includes("ogg") ? "ogg" : "webm";
      const stamp = new Date();
      const name = `recording-${stamp.toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${extension}`;
      const file = new File(chunks, name, { type: blobType.split(";")[0], lastModified: stamp.getTime() });
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
      live.hidden = true;
      pause.hidden = true;
      stop.hidden = true;
      start.hidden = false;
      start.textContent = start.dataset.again;
      start.focus();
      keep(file);
      say("msgRecorded", { time: mmss(elapsed) });
      listeners.forEach((listener) => listener(file));
    });
    audioContext = new AudioContext();
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 2048;
    audioContext.createMediaStreamSource(stream).connect(analyser);
    elapsed = 0;
    lastTick = performance.now();
    showLevel(analyser, new Float32Array(analyser.fftSize));
    recorder.start(1000);
    preview.hidden = true;
    live.hidden = false;
    start.hidden = true;
    pause.hidden = false;
    stop.hidden = false;
    pause.textContent = pause.dataset.pause;
    stop.focus();
  });

  pause.addEventListener("click", () => {
    if (!recorder) return;
    if (recorder.state === "recording") {
      recorder.pause();
      pause.textContent = pause.dataset.resume;
    } else if (recorder.state === "paused") {
      recorder.resume();
      pause.textContent = pause.dataset.pause;
    }
  });

  stop.addEventListener("click", () => { if (recorder && recorder.state !== "inactive") recorder.stop(); });

  window.archiveRecorder = {
    onRecorded(listener) { listeners.push(listener); },
    kept,
    forget,
  };
})();
