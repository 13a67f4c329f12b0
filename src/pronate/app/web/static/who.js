// pronate workspace: "who is the client?" - a click on a person analyses the clip again.
"use strict";

(function () {
  const root = document.getElementById("who");
  if (!root) return;
  const picture = document.getElementById("who-picture");
  const state = document.getElementById("who-state");
  const width = Number(root.dataset.width), height = Number(root.dataset.height);
  const time = Number(root.dataset.time || 0);
  let busy = false;

  function place() {
    const scale = picture.clientWidth / width;
    for (const box of root.querySelectorAll(".who-box")) {
      const [x0, y0, x1, y1] = box.dataset.box.split(",").map(Number);
      box.style.left = `${x0 * scale}px`;
      box.style.top = `${y0 * scale}px`;
      box.style.width = `${(x1 - x0) * scale}px`;
      box.style.height = `${(y1 - y0) * scale}px`;
    }
  }

  async function follow(jobId) {
    for (;;) {
      const response = await fetch(`/api/jobs/${jobId}`);
      const job = await response.json();
      if (job.state === "done" && job.analysis_id) {
        state.textContent = "Done: opening the new analysis.";
        window.location.href = `/analyses/${job.analysis_id}`;
        return;
      }
      if (job.state === "failed") {
        state.textContent = `The analysis failed: ${job.error}`;
        busy = false;
        return;
      }
      state.textContent = job.state === "running"
        ? `Analysing again for the person you chose: ${Math.round(job.progress * 100)} %`
        : "Waiting for a worker…";
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  }

  async function choose(x, y) {
    if (busy) return;
    busy = true;
    state.textContent = "Queuing the analysis…";
    const response = await fetch(`/api/analyses/${root.dataset.analysis}/subject`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ x, y, time_s: time }),
    });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      state.textContent = `Could not analyse again: ${detail}`;
      busy = false;
      return;
    }
    await follow((await response.json()).id);
  }

  root.addEventListener("click", (event) => {
    const box = event.target.closest(".who-box");
    let x, y;
    if (box) {
      const [x0, y0, x1, y1] = box.dataset.box.split(",").map(Number);
      x = (x0 + x1) / 2; y = (y0 + y1) / 2;
    } else {
      const rect = picture.getBoundingClientRect();
      const scale = width / rect.width;
      x = (event.clientX - rect.left) * scale; y = (event.clientY - rect.top) * scale;
    }
    choose(Math.min(Math.max(x, 0), width - 1), Math.min(Math.max(y, 0), height - 1));
  });
  if (picture.complete) place();
  picture.addEventListener("load", place);
  window.addEventListener("resize", place);
})();
