// pronate live page: camera or shared tab -> downscaled JPEG frames over /ws/live ->
// overlay (skeleton, load line, centre of mass, knee and pelvis angles with their ±) on a
// canvas over the video. The video plays by itself; only the overlay may lag.
"use strict";

(() => {
  const root = document.getElementById("live");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const clientId = root.dataset.client;
  const video = $("live-video");
  const canvas = $("live-overlay");
  const ctx = canvas.getContext("2d");
  const grab = document.createElement("canvas");
  const MAX_SIDE = 720;
  const IN_FLIGHT = 2;
  const COLOURS = { left: "rgb(90,170,255)", right: "rgb(255,120,215)", centre: "rgb(245,245,245)" };
  const VERDICT = { pronation: "rgb(40,200,90)", partial: "rgb(255,176,0)", missing: "rgb(255,176,0)",
    collapse: "rgb(235,45,45)", uncertain: "rgb(90,150,230)", unmeasurable: "rgb(160,160,160)" };
  const NAMES = ["nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index"];
  const I = Object.fromEntries(NAMES.map((n, i) => [n, i]));
  const BONES = [["left_shoulder", "right_shoulder"], ["left_hip", "right_hip"],
    ["left_shoulder", "left_hip"], ["right_shoulder", "right_hip"],
    ["left_shoulder", "left_elbow"], ["left_elbow", "left_wrist"],
    ["right_shoulder", "right_elbow"], ["right_elbow", "right_wrist"],
    ["left_hip", "left_knee"], ["left_knee", "left_ankle"], ["left_ankle", "left_heel"],
    ["left_heel", "left_foot_index"], ["left_ankle", "left_foot_index"],
    ["right_hip", "right_knee"], ["right_knee", "right_ankle"], ["right_ankle", "right_heel"],
    ["right_heel", "right_foot_index"], ["right_ankle", "right_foot_index"]];

  // What tests and the benchmark read.
  const state = window.pronateLive = {
    running: false, sent: 0, replies: 0, drawn: 0, latencies: [], moments: [], last: null,
    errors: [], upload: null, ready: false, videoSize: null,
    // The picture's own pace: intervals (ms) between video frames presented on screen,
    // whatever the overlay does (the overlay may lag; the picture must not stutter).
    videoFrames: 0, videoIntervals: [],
  };
  let stream = null, socket = null, recorder = null, chunks = [], inFlight = 0, frameId = 0;
  let droppedSeen = 0;
  // The video frame last grabbed: the count of presented frames where the browser reports
  // them (requestVideoFrameCallback), else the video's clock. A frame is sent at most once.
  let grabbedMark = null;
  const countsFrames = "requestVideoFrameCallback" in HTMLVideoElement.prototype;
  let sessionId = null, latest = null, drawnId = null;

  function setStatus(text) { $("live-status").textContent = text; }

  function showError(message) {
    state.errors.push(message);
    const line = document.getElementById("error-line");
    if (line) { line.textContent = message; line.hidden = false; }
  }

  async function openSource(kind) {
    if (kind === "screen") {
      return navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: false });
    }
    // The camera's own picture, never cropped to another shape: no aspect ratio is asked
    // for, and resizeMode "none" keeps one of its native formats (a phone used as a
    // webcam is 720 x 1280, upright).
    return navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 1280 }, resizeMode: "none", frameRate: { ideal: 30 } },
      audio: false,
    });
  }

  function openSocket(model) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/ws/live?client=${encodeURIComponent(clientId)}&model=${model}`;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    ws.addEventListener("close", () => { if (state.running) setStatus("connection closed"); });
    return ws;
  }

  function onMessage(message) {
    if (message.type === "ready") {
      state.ready = true;
      setStatus(`live (${message.model})`);
      pump();
    } else if (message.type === "frame") {
      // Frames the server skipped (it reads only the newest) get no reply of their own.
      inFlight = Math.max(0, inFlight - 1 - Math.max(0, message.dropped - droppedSeen));
      droppedSeen = Math.max(droppedSeen, message.dropped);
      state.replies += 1;
      latest = message;
      state.last = message;
      readout(message);
      pump();
    } else if (message.type === "moment") {
      addMoment(message);
    } else if (message.type === "error") {
      inFlight = Math.max(0, inFlight - 1);
      showError(`live: ${message.message}`);
    }
  }

  // Send the newest video frame, downscaled to at most MAX_SIDE px, as a JPEG; never the
  // same frame twice (the display refreshes faster than a 30 fps source).
  function pump() {
    if (!state.running || !state.ready || inFlight >= IN_FLIGHT || video.videoWidth === 0) return;
    const mark = countsFrames ? state.videoFrames : video.currentTime;
    if (mark === grabbedMark) return;
    grabbedMark = mark;
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    grab.width = Math.round(video.videoWidth * scale);
    grab.height = Math.round(video.videoHeight * scale);
    const t = performance.now();
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    inFlight += 1;
    const id = ++frameId;
    grab.toBlob(async (blob) => {
      if (!blob || !socket || socket.readyState !== WebSocket.OPEN) { inFlight -= 1; return; }
      socket.send(JSON.stringify({ type: "frame", id, t, source: [video.videoWidth, video.videoHeight] }));
      socket.send(await blob.arrayBuffer());
      state.sent += 1;
    }, "image/jpeg", 0.8);
  }

  // The server writes every number in the coach's words (value, unit, its ±).
  function fmt(metric) {
    if (!metric || metric.value === null || metric.value === undefined) return "–";
    return metric.text;
  }

  const STANCE = { left: "on the left leg", right: "on the right leg", both: "on both legs", none: "no foot down" };

  function readout(m) {
    state.videoSize = [video.videoWidth, video.videoHeight];
    $("live-stance").textContent = STANCE[m.stance] || m.stance;
    $("live-camera").textContent = m.camera ? m.camera.text : "reading…";
    $("live-knee-left").textContent = fmt(m.metrics.knee_fppa_left_deg);
    $("live-knee-right").textContent = fmt(m.metrics.knee_fppa_right_deg);
    $("live-pelvis").textContent = fmt(m.metrics.pelvic_obliquity_deg);
    $("live-trunk").textContent = fmt(m.metrics.trunk_lean_deg);
    const lat = state.latencies.slice(-60).sort((a, b) => a - b);
    const median = lat.length ? lat[Math.floor(lat.length / 2)] : NaN;
    $("live-speed").textContent = `${m.ms} ms/frame, overlay ${Number.isNaN(median) ? "–" : median.toFixed(0)} ms behind`;
    const list = $("live-guidance");
    list.replaceChildren(...m.guidance.map((g) => {
      const li = document.createElement("li");
      li.dataset.code = g.code;
      li.textContent = g.text;
      return li;
    }));
  }

  // ---- overlay ------------------------------------------------------------------------
  function point(lms, name, sx, sy) {
    const p = lms[I[name]];
    return p && p[2] >= 0.3 ? [p[0] * sx, p[1] * sy] : null;
  }

  function line(a, b, colour, width) {
    if (!a || !b) return;
    ctx.strokeStyle = "rgba(20,20,20,0.8)";
    ctx.lineWidth = width + 3;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
  }

  // A label beside p: to its right, or to its left when toward is "left".
  function label(p, text, toward = "right") {
    if (!p || !text || text === "–") return;
    const size = Math.max(14, Math.round(canvas.height / 32));
    ctx.font = `bold ${size}px sans-serif`;
    const w = ctx.measureText(text).width;
    const x = toward === "left" ? p[0] - w - 16 : p[0] + 8;
    ctx.fillStyle = "rgba(20,20,20,0.7)";
    ctx.fillRect(x, p[1] - size, w + 8, size + 6);
    ctx.fillStyle = "rgb(245,245,245)";
    ctx.fillText(text, x + 4, p[1]);
  }

  function loadedSides(m) {
    if (m.stance === "left" || m.stance === "right") return [m.stance];
    return m.stance === "both" ? ["left", "right"] : [];
  }

  function draw(m) {
    const rect = video.getBoundingClientRect();
    canvas.width = Math.round(rect.width);
    canvas.height = Math.round(rect.height);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!m.landmarks) return;
    const sx = canvas.width / m.width, sy = canvas.height / m.height;
    const lms = m.landmarks;
    const thin = Math.max(2, Math.round(canvas.height / 240));
    for (const [a, b] of BONES) {
      const side = a.startsWith("left") && b.startsWith("left") ? "left"
        : a.startsWith("right") && b.startsWith("right") ? "right" : "centre";
      line(point(lms, a, sx, sy), point(lms, b, sx, sy), COLOURS[side], thin);
    }
    // Like overlay.mp4: a verdict colour only for a loading moment (the last one, for 2 s
    // after its peak); otherwise a neutral line.
    const recent = state.moments.filter((x) => x.source === "auto" && x.verdict).at(-1);
    const fresh = recent && m.time - recent.time < 2.5;
    const colour = m.camera && !m.camera.frontal_measurable ? VERDICT.unmeasurable
      : fresh ? VERDICT[recent.verdict] || VERDICT.unmeasurable : "rgb(245,245,245)";
    for (const side of loadedSides(m)) {
      const pts = ["hip", "knee", "ankle", "foot_index"].map((p) => point(lms, `${side}_${p}`, sx, sy));
      for (let i = 0; i < 3; i += 1) line(pts[i], pts[i + 1], colour, thin * 2);
      if (pts[0] && pts[2]) {
        ctx.setLineDash([6, 6]);
        line(pts[0], pts[2], "rgb(245,245,245)", 1);
        ctx.setLineDash([]);
      }
    }
    const com = m.metrics.com_x_px;
    if (com && com.value !== null && m.metrics.com_y_px.value !== null) {
      const c = [com.value * sx, m.metrics.com_y_px.value * sy];
      const feet = ["left_heel", "right_heel", "left_foot_index", "right_foot_index"]
        .map((n) => point(lms, n, sx, sy)).filter(Boolean);
      const floor = feet.length ? Math.max(...feet.map((p) => p[1])) : canvas.height;
      line(c, [c[0], floor], "rgb(255,176,0)", thin);
      ctx.fillStyle = "rgb(255,176,0)";
      ctx.beginPath(); ctx.arc(c[0], c[1], thin * 3, 0, 2 * Math.PI); ctx.fill();
    }
    const lk = point(lms, "left_knee", sx, sy), rk = point(lms, "right_knee", sx, sy);
    const leftOnRight = lk && rk ? lk[0] >= rk[0] : true;
    label(lk, fmt(m.metrics.knee_fppa_left_deg), leftOnRight ? "right" : "left");
    label(rk, fmt(m.metrics.knee_fppa_right_deg), leftOnRight ? "left" : "right");
    const lh = point(lms, "left_hip", sx, sy), rh = point(lms, "right_hip", sx, sy);
    if (lh && rh && m.metrics.pelvic_obliquity_deg && m.metrics.pelvic_obliquity_deg.value !== null) {
      label([(lh[0] + rh[0]) / 2, (lh[1] + rh[1]) / 2 - 10], `pelvis ${fmt(m.metrics.pelvic_obliquity_deg)}`);
    }
  }

  function watchVideo() {
    if (!("requestVideoFrameCallback" in HTMLVideoElement.prototype)) return;
    let previous = null;
    const onFrame = (now) => {
      if (!state.running) return;
      state.videoFrames += 1;
      if (previous !== null && state.videoIntervals.length < 20000) {
        state.videoIntervals.push(now - previous);
      }
      previous = now;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  function frameLoop() {
    if (!state.running) return;
    if (latest && latest.id !== drawnId) {
      draw(latest);
      drawnId = latest.id;
      state.drawn += 1;
      if (typeof latest.t === "number") state.latencies.push(performance.now() - latest.t);
    }
    pump();
    requestAnimationFrame(frameLoop);
  }

  // ---- moments --------------------------------------------------------------------------
  // A moment's card: its frame, what and when, the verdict and what decided it, its
  // numbers (as the server wrote them), and a link to its page in the workspace.
  function addMoment(m) {
    state.moments.push(m);
    if (m.session_id) sessionId = m.session_id;
    const none = $("live-no-moments");
    if (none) none.remove();
    const card = document.createElement(m.page ? "a" : "figure");
    card.className = "live-moment";
    if (m.page) card.href = m.page;
    card.dataset.side = m.side;
    card.dataset.source = m.source;
    card.dataset.verdict = m.verdict || "";
    if (m.image) {
      const img = document.createElement("img");
      img.src = m.image;
      img.alt = `${m.side} ${m.kind}`;
      card.append(img);
    }
    const what = document.createElement("strong");
    what.textContent = m.title || `${m.side} ${m.kind.replaceAll("_", " ")}`;
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = ` · ${m.time.toFixed(1)} s`;
    const headline = document.createElement("p");
    headline.className = `headline verdict-${m.verdict || "none"}`;
    headline.textContent = m.headline || m.verdict || "";
    const numbers = document.createElement("ul");
    numbers.className = "numbers";
    for (const row of (m.numbers || []).filter((r) => r.value !== "–").slice(0, 3)) {
      const li = document.createElement("li");
      li.textContent = `${row.label}: ${row.value}${row.threshold ? ` (${row.threshold})` : ""}`;
      numbers.append(li);
    }
    card.append(what, when, headline, numbers);
    $("live-moments").append(card);
  }

  function capture() {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "capture" }));
  }

  // ---- recording and upload ------------------------------------------------------------
  function startRecording(media) {
    chunks = [];
    if (typeof MediaRecorder === "undefined") return null;
    // MP4 first: its header carries a frame rate (a recorded WebM says 1000 fps).
    const type = ["video/mp4;codecs=avc1", "video/mp4", "video/webm;codecs=vp9", "video/webm"]
      .find((t) => MediaRecorder.isTypeSupported(t));
    const rec = new MediaRecorder(media, type ? { mimeType: type } : {});
    rec.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    rec.start(1000);
    return rec;
  }

  function stopRecording(rec) {
    return new Promise((resolve) => {
      if (!rec || rec.state === "inactive") { resolve(null); return; }
      rec.addEventListener("stop", () => resolve(new Blob(chunks, { type: rec.mimeType || "video/webm" })));
      rec.stop();
    });
  }

  async function upload(blob) {
    const note = $("live-upload");
    note.hidden = false;
    note.textContent = "uploading the recording for the careful analysis…";
    const form = new FormData();
    const ext = blob.type.startsWith("video/mp4") ? "mp4" : "webm";
    form.append("file", blob, `live-${new Date().toISOString().replaceAll(":", "-")}.${ext}`);
    if (sessionId) form.append("session_id", String(sessionId));
    const response = await fetch(`/api/clients/${clientId}/clips`, { method: "POST", body: form });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || `upload refused (${response.status})`);
    state.upload = { ...data, state: "queued" };
    sessionId = data.session_id;
    note.innerHTML = 'recording uploaded into <a id="live-session"></a>: analysis queued';
    const session = note.querySelector("a");
    session.href = `/clients/${clientId}#session-${data.session_id}`;
    session.textContent = "its session";
    poll(data.job_id);
  }

  async function poll(jobId) {
    const note = $("live-upload");
    const response = await fetch(`/api/jobs/${jobId}`);
    if (!response.ok) return;
    const job = await response.json();
    state.upload.state = job.state;
    if (job.state === "done" && job.analysis_id) {
      state.upload.analysis_id = job.analysis_id;
      note.innerHTML = 'the careful analysis is ready: <a id="live-analysis"></a>';
      const link = note.querySelector("a");
      link.href = `/analyses/${job.analysis_id}`;
      link.textContent = "open it";
    } else if (job.state === "failed") {
      note.textContent = `the analysis of the recording failed: ${job.error || "unknown error"}`;
    } else {
      note.textContent = `analysing the recording: ${job.state} ${Math.round(100 * (job.progress || 0))} %`;
      setTimeout(() => poll(jobId), 1000);
    }
  }

  // ---- start / stop -----------------------------------------------------------------------
  async function start() {
    try {
      stream = await openSource($("live-source").value);
    } catch (e) {
      showError(`no picture: ${e.message}`);
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    state.running = true;
    state.ready = false;
    inFlight = 0;
    droppedSeen = 0;
    grabbedMark = null;
    socket = openSocket($("live-model").value);
    recorder = startRecording(stream);
    $("live-start").disabled = true;
    $("live-stop").disabled = false;
    $("live-capture").disabled = false;
    setStatus("loading the model…");
    watchVideo();
    requestAnimationFrame(frameLoop);
  }

  async function stop() {
    state.running = false;
    $("live-stop").disabled = true;
    $("live-capture").disabled = true;
    const blob = await stopRecording(recorder);
    if (socket) socket.close();
    if (stream) stream.getTracks().forEach((track) => track.stop());
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    latest = null;
    $("live-start").disabled = false;
    setStatus("stopped");
    if (blob && blob.size) {
      try { await upload(blob); } catch (e) { showError(e.message); }
    }
  }

  // A click on the picture: read the person there (the client), never anyone else.
  video.addEventListener("click", (event) => {
    if (!latest || !socket || socket.readyState !== WebSocket.OPEN) return;
    const rect = video.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * latest.width;
    const y = ((event.clientY - rect.top) / rect.height) * latest.height;
    socket.send(JSON.stringify({ type: "pick", x, y }));
    setStatus("following the person you clicked on");
  });

  $("live-start").addEventListener("click", start);
  $("live-stop").addEventListener("click", stop);
  $("live-capture").addEventListener("click", capture);
  document.addEventListener("keydown", (event) => {
    if (event.code === "Space" && state.running && !["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(event.target.tagName)) {
      event.preventDefault();
      capture();
    }
  });
})();
