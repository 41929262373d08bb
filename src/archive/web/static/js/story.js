// The story page: each recording's transcript follows its player (the line being spoken is
// highlighted and scrolled into view), a click on a line or a hit plays from there, and
// ?t=SECONDS (with &recording=ID when the story has several) starts there.
"use strict";

(function () {
  const sections = Array.from(document.querySelectorAll(".recording"));

  function whenReady(audio, then) {
    if (audio.readyState >= 1) then();
    else audio.addEventListener("loadedmetadata", then, { once: true });
  }

  function seek(section, seconds, play) {
    const audio = section && section.querySelector("audio");
    if (!audio) return;
    whenReady(audio, () => {
      audio.currentTime = seconds;
      if (play) audio.play().catch(() => { /* the person presses play themselves */ });
    });
  }

  function sectionFor(recordingId) {
    return sections.find((s) => s.dataset.recordingId === recordingId) || sections[0];
  }

  for (const section of sections) {
    const audio = section.querySelector("audio");
    const lines = Array.from(section.querySelectorAll(".segment"));
    if (!audio || !lines.length) continue;
    const times = lines.map((li) => [Number(li.dataset.start), Number(li.dataset.end)]);
    let current = null;

    function follow() {
      const now = audio.currentTime;
      let found = null;
      for (let i = 0; i < lines.length; i++) {
        if (now >= times[i][0] && now < times[i][1]) { found = lines[i]; break; }
      }
      if (found === current) return;
      if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
      if (found) {
        found.classList.add("now");
        found.setAttribute("aria-current", "true");
        found.scrollIntoView({ block: "nearest" });
      }
      current = found;
    }

    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
    section.querySelector(".transcript").addEventListener("click", (event) => {
      const line = event.target.closest(".segment");
      if (line) seek(section, Number(line.dataset.start), true);
    });
  }

  document.addEventListener("click", (event) => {
    const hit = event.target.closest("a[data-seek]");
    if (!hit || !sections.length) return;
    event.preventDefault();
    const section = sectionFor(hit.dataset.recording);
    section.scrollIntoView({ block: "start" });
    seek(section, Number(hit.dataset.seek), true);
  });

  const params = new URLSearchParams(location.search);
  const start = Number.parseFloat(params.get("t"));
  if (Number.isFinite(start) && sections.length) {
    seek(sectionFor(params.get("recording")), start, true);
  }
})();
