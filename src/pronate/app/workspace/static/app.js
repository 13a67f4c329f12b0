// pronate workspace: the pages' behaviour. Every call goes to this server's /api.
"use strict";

function showError(message) {
  const line = document.getElementById("error-line");
  line.textContent = message;
  line.hidden = false;
}

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  return response.status === 204 ? null : response.json();
}

function onSubmit(id, handler) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await handler(form, new FormData(form)); } catch (e) { showError(e.message); }
  });
}

function setState(item, job) {
  item.querySelector("progress").value = job.state === "done" ? 1 : job.progress;
  item.querySelector(".state").textContent =
    job.state === "running" ? `analysing ${Math.round(job.progress * 100)} %` : job.state;
  if (job.state === "done" && job.analysis_id && !item.querySelector("a.open")) {
    const link = document.createElement("a");
    link.className = "open";
    link.href = `/analyses/${job.analysis_id}`;
    link.textContent = "open the analysis";
    item.appendChild(link);
  }
  if (job.state === "failed" && job.error && !item.querySelector(".job-error")) {
    const error = document.createElement("span");
    error.className = "job-error";
    error.textContent = job.error;
    item.appendChild(error);
  }
  item.dataset.state = job.state;
}

function watchJob(item) {
  const jobId = item.dataset.job;
  if (!jobId) return;
  const tick = async () => {
    try {
      const job = await api("GET", `/api/jobs/${jobId}`);
      setState(item, job);
      if (job.state === "queued" || job.state === "running") setTimeout(tick, 700);
    } catch (e) { showError(e.message); }
  };
  tick();
}

function newClipItem(zone, name) {
  const list = zone.parentElement.querySelector("ul.clips");
  const item = document.createElement("li");
  item.className = "clip";
  const label = document.createElement("span");
  label.className = "clip-name";
  label.textContent = name;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  const state = document.createElement("span");
  state.className = "state";
  state.textContent = "uploading";
  item.append(label, bar, state);
  list.appendChild(item);
  return item;
}

const PIECE_BYTES = 8 * 1024 * 1024;
/* A file larger than one piece (a whole session's recording) is sent in pieces through
   the resumable upload API: a piece that fails is sent again from where the workspace
   says the upload stands, so a dropped connection costs one piece, not the file. */

async function uploadInPieces(zone, file, item) {
  const piece = window.PRONATE_PIECE_BYTES || PIECE_BYTES;
  const state = item.querySelector(".state");
  const session = zone.dataset.session ? Number(zone.dataset.session) : null;
  const opened = await api("POST", `/api/clients/${zone.dataset.client}/uploads`,
    { name: file.name, size: file.size, session_id: session });
  let offset = opened.offset;
  let failures = 0;
  while (offset < file.size) {
    try {
      const response = await fetch(`/api/uploads/${opened.upload_id}?offset=${offset}`,
        { method: "PUT", body: file.slice(offset, offset + piece) });
      if (response.status === 413) throw new Error((await response.json()).detail);
      if (!response.ok) throw new Error(`piece refused (${response.status})`);
      offset = (await response.json()).offset;
      failures = 0;
    } catch (e) {
      if (e.message && e.message.startsWith("more than")) throw e;
      failures += 1;
      if (failures > 5) throw new Error(`the upload stopped at ${offset} of ${file.size} bytes`);
      await new Promise((done) => setTimeout(done, 1000 * failures));
      offset = (await api("GET", `/api/uploads/${opened.upload_id}`)).offset;
    }
    item.querySelector("progress").value = offset / file.size;
    state.textContent = `uploading ${Math.round(100 * offset / file.size)} %`;
  }
  return api("POST", `/api/uploads/${opened.upload_id}/finish`);
}

function upload(zone, file) {
  const item = newClipItem(zone, file.name);
  if (file.size > (window.PRONATE_PIECE_BYTES || PIECE_BYTES)) {
    uploadInPieces(zone, file, item).then((data) => {
      item.dataset.job = data.job_id;
      item.querySelector("progress").value = 0;
      item.querySelector(".state").textContent = "queued";
      watchJob(item);
    }).catch((e) => {
      item.querySelector(".state").textContent = "refused";
      showError(e.message);
    });
    return;
  }
  const form = new FormData();
  form.append("file", file);
  form.append("session_id", zone.dataset.session);
  const request = new XMLHttpRequest();
  request.open("POST", `/api/clients/${zone.dataset.client}/clips`);
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      item.querySelector("progress").value = event.loaded / event.total;
      item.querySelector(".state").textContent = `uploading ${Math.round(100 * event.loaded / event.total)} %`;
    }
  });
  request.addEventListener("load", () => {
    let data = {};
    try { data = JSON.parse(request.responseText); } catch (e) { /* not JSON */ }
    if (request.status !== 201) {
      item.querySelector(".state").textContent = "refused";
      showError(data.detail || `upload refused (${request.status})`);
      return;
    }
    item.dataset.job = data.job_id;
    item.querySelector("progress").value = 0;
    item.querySelector(".state").textContent = "queued";
    watchJob(item);
  });
  request.addEventListener("error", () => showError("the upload did not reach the workspace"));
  request.send(form);
}

function setUpDropzones() {
  for (const zone of document.querySelectorAll(".dropzone")) {
    const input = zone.querySelector("input[type=file]");
    input.addEventListener("change", () => {
      for (const file of input.files) upload(zone, file);
      input.value = "";
    });
    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      for (const file of event.dataTransfer.files) upload(zone, file);
    });
  }
  for (const item of document.querySelectorAll("li.clip")) {
    if (item.dataset.state === "queued" || item.dataset.state === "running") watchJob(item);
  }
}

function setUpClientForms() {
  onSubmit("new-client", async (form, data) => {
    const created = await api("POST", "/api/clients", { name: data.get("name") });
    window.location.href = `/clients/${created.id}`;
  });
  onSubmit("new-session", async (form, data) => {
    const client = form.dataset.client;
    await api("POST", `/api/clients/${client}/sessions`, { date: data.get("date"), notes: data.get("notes") });
    window.location.reload();
  });
  onSubmit("rename", async (form, data) => {
    await api("PATCH", `/api/clients/${form.dataset.client}`, { name: data.get("name") });
    window.location.reload();
  });
  onSubmit("delete-client", async (form, data) => {
    const name = data.get("confirm");
    await api("DELETE", `/api/clients/${form.dataset.client}?confirm=${encodeURIComponent(name)}`);
    window.location.href = "/";
  });
  const archive = document.getElementById("archive");
  if (archive) {
    archive.addEventListener("click", async () => {
      try {
        const archived = archive.dataset.archived !== "true";
        await api("PATCH", `/api/clients/${archive.dataset.client}`, { archived });
        window.location.reload();
      } catch (e) { showError(e.message); }
    });
  }
  for (const button of document.querySelectorAll("button.retry")) {
    button.addEventListener("click", async () => {
      try {
        await api("POST", `/api/jobs/${button.dataset.job}/retry`);
        window.location.reload();
      } catch (e) { showError(e.message); }
    });
  }
}

function placeOnTimelines() {
  // a recording's timeline: stretches and moments placed by their share of its length
  // (set here: the Content-Security-Policy forbids inline styles)
  for (const el of document.querySelectorAll(".rec-timeline [data-left]")) {
    el.style.left = `${el.dataset.left}%`;
    if (el.dataset.width) el.style.width = `${el.dataset.width}%`;
  }
}

function setUpMoments() {
  placeOnTimelines();
  const video = document.getElementById("overlay");
  for (const button of document.querySelectorAll("button.moment")) {
    button.addEventListener("click", () => {
      if (!video) return;
      if (button.dataset.clip !== undefined) {  // a recording: each moment has its clip
        if (!button.dataset.clip) return;
        video.src = button.dataset.clip;
        video.play().catch(() => { /* autoplay may be refused */ });
        return;
      }
      video.currentTime = parseFloat(button.dataset.time);
      video.play().catch(() => { /* autoplay may be refused: the frame is shown */ });
    });
  }
  const date = document.querySelector("#new-session input[type=date]");
  if (date && !date.value) date.value = new Date().toISOString().slice(0, 10);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpClientForms();
  setUpDropzones();
  setUpMoments();
});
