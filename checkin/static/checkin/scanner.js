// Kepu scanner page: camera (BarcodeDetector where it exists, else the vendored jsQR), manual entry,
// search, live count, and an offline queue in IndexedDB synced through the batch endpoint.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("scanner-config").textContent);
  const t = config.i18n;
  const $ = (id) => document.getElementById(id);
  const DEVICE_KEY = "kepu.scanner.device";
  const device = localStorage.getItem(DEVICE_KEY) || (() => {
    const id = "phone-" + uuid().slice(0, 8);
    localStorage.setItem(DEVICE_KEY, id);
    return id;
  })();
  const COLORS = { ok: "green", already_checked_in: "amber", queued: "blue", annulled: "blue" };
  let lastCode = "", lastCodeAt = 0, answerTimer = null, syncing = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function api(url, options = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeout || 5000);
    try {
      const response = await fetch(url, {
        method: options.method || "GET",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: options.body ? JSON.stringify(options.body) : undefined,
        signal: controller.signal,
      });
      return response;
    } finally {
      clearTimeout(timer);
    }
  }

  // --- the offline queue (IndexedDB) ---------------------------------------------------------
  const dbReady = new Promise((resolve, reject) => {
    const open = indexedDB.open("kepu-scanner", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("scans", { keyPath: "client_id" });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  function store(mode, work) {
    return dbReady.then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction("scans", mode);
      const request = work(tx.objectStore("scans"));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = () => reject(tx.error);
    }));
  }
  const queueAdd = (scan) => store("readwrite", (s) => s.put(scan));
  const queueAll = () => store("readonly", (s) => s.getAll());
  const queueDelete = (ids) => store("readwrite", (s) => { ids.forEach((id) => s.delete(id)); });

  async function showPending() {
    const pending = (await queueAll()).length;
    $("pending").textContent = pending;
    $("pending-label").textContent = t.pending;
    $("pending-wrap").hidden = pending === 0;
  }

  async function sync() {
    if (syncing || !navigator.onLine) return;
    syncing = true;
    try {
      let scans = await queueAll();
      while (scans.length) {
        const chunk = scans.slice(0, 500);
        const response = await api(config.batchUrl, { method: "POST", body: { scans: chunk, device }, timeout: 30000 });
        if (!response.ok) break;  // a 4xx would not heal by retrying the same chunk: keep it for the log
        await queueDelete(chunk.map((s) => s.client_id));
        document.body.dataset.lastSync = String(chunk.length);
        scans = scans.slice(chunk.length);
      }
    } catch (error) {
      // still offline or the server is unreachable: try again later
    } finally {
      syncing = false;
      await showPending();
      refreshCount();
    }
  }

  // --- scanning -----------------------------------------------------------------------------
  async function scan(code) {
    code = code.trim();
    if (!code) return;
    const now = Date.now();
    if (code === lastCode && now - lastCodeAt < 3000) return;  // the same QR seen in consecutive frames
    lastCode = code; lastCodeAt = now;
    const item = { code, event: config.event, client_id: uuid(), scanned_at: new Date().toISOString(), device };
    if (navigator.onLine) {
      try {
        const response = await api(config.scanUrl, { method: "POST", body: item });
        if (response.ok) {
          show(await response.json());
          refreshCount();
          return;
        }
        if (response.status < 500) {
          const body = await response.json().catch(() => ({}));
          show({ status: "invalid", message: JSON.stringify(body) });
          return;
        }
      } catch (error) {
        // network gone between the check and the request: queue it
      }
    }
    await queueAdd(item);
    await showPending();
    show({ status: "queued", message: t.queued });
  }

  function show(result) {
    const box = $("answer");
    box.className = "answer " + (COLORS[result.status] || "red");
    box.dataset.status = result.status;
    const title = result.status === "queued" ? t.queuedTitle : (t[result.status] || result.status);
    $("answer-status").textContent = title;
    $("answer-name").textContent = result.attendee ? result.attendee.name : "";
    // The server's message begins with the status ("签到成功，欢迎！" under "签到成功"): say it once.
    let message = result.message || "";
    if (title && message.startsWith(title)) message = message.slice(title.length).replace(/^[\s,.;:!，。；：！]+/, "");
    $("answer-message").textContent = message;
    const annul = $("annul");
    annul.hidden = !(result.status === "ok" && result.checkin);
    annul.dataset.checkin = result.checkin || "";
    box.hidden = false;
    feedback(result.status);
    clearTimeout(answerTimer);
    answerTimer = setTimeout(hide, result.status === "ok" ? 2500 : 4000);
  }
  function hide() { $("answer").hidden = true; }

  function feedback(status) {
    if (navigator.vibrate) navigator.vibrate(status === "ok" ? 80 : [200, 100, 200]);
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = status === "ok" ? 880 : status === "already_checked_in" ? 520 : 220;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + (status === "ok" ? 0.12 : 0.35));
    } catch (error) { /* no sound: the colour is enough */ }
  }

  $("answer").addEventListener("click", (e) => { if (e.target.id !== "annul") hide(); });
  $("annul").addEventListener("click", async (e) => {
    e.stopPropagation();
    const url = config.annulUrl.replace("/0/", `/${e.target.dataset.checkin}/`);
    const response = await api(url, { method: "POST" }).catch(() => null);
    if (response && response.ok) { show({ status: "annulled", message: t.annulled }); refreshCount(); }
    else show({ status: "invalid", message: t.error });
  });

  $("manual").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("code").value;
    $("code").value = "";
    lastCode = "";
    scan(value);
  });

  // --- search -------------------------------------------------------------------------------
  let searchTimer = null;
  $("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 300);
  });
  async function search() {
    const q = $("search").value.trim();
    const list = $("results");
    list.innerHTML = "";
    const digits = /^\+?\d+$/.test(q);
    if ((digits && q.replace("+", "").length < 4) || (!digits && q.length < 2)) {
      if (q) list.innerHTML = `<li>${t.searchHint}</li>`;
      return;
    }
    const response = await api(`${config.searchUrl}?event=${config.event}&q=${encodeURIComponent(q)}`).catch(() => null);
    if (!response || !response.ok) return;
    for (const person of (await response.json()).results) {
      const li = document.createElement("li");
      li.className = person.checked_in ? "done" : "";
      li.textContent = `${person.name} ${person.phone}`;
      const mark = document.createElement("span");
      mark.textContent = person.checked_in ? `✓ ${t.checkedIn}` : "›";
      li.appendChild(mark);
      li.addEventListener("click", () => { lastCode = ""; scan(person.code); });
      list.appendChild(li);
    }
  }

  // --- counts and headcounts ----------------------------------------------------------------
  async function refreshCount() {
    if (!navigator.onLine) return;
    const response = await api(config.countsUrl).catch(() => null);
    if (!response || !response.ok) return;
    const counts = await response.json();
    $("count").textContent = counts.checked_in;
    $("headcount").textContent = counts.headcount;
    $("headcount-total").hidden = !counts.headcount;
  }
  $("headcount-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { count: Number($("headcount-count").value), note: $("headcount-note").value };
    const response = await api(config.headcountsUrl, { method: "POST", body }).catch(() => null);
    if (response && response.ok) {
      $("headcount-count").value = ""; $("headcount-note").value = "";
      show({ status: "ok", message: t.headcountSaved });
      refreshCount();
    } else show({ status: "invalid", message: t.error });
  });

  // --- network state ------------------------------------------------------------------------
  function network() {
    const net = $("net");
    net.textContent = navigator.onLine ? t.online : t.offline;
    net.classList.toggle("off", !navigator.onLine);
    if (navigator.onLine) sync();
  }
  window.addEventListener("online", network);
  window.addEventListener("offline", network);
  setInterval(() => { sync(); refreshCount(); }, 10000);

  // --- the camera ---------------------------------------------------------------------------
  async function startCamera() {
    const video = $("video");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
      });
      video.srcObject = stream;
      await video.play();
    } catch (error) {
      $("camera-note").textContent = t.noCamera;
      $("camera-note").hidden = false;
      return;
    }
    let detector = null;
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (error) { detector = null; }
    }
    document.body.dataset.decoder = detector ? "BarcodeDetector" : "jsQR";
    const canvas = $("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    async function tick() {
      if (video.readyState >= 2 && $("answer").hidden) {
        try {
          let code = null;
          if (detector) {
            const found = await detector.detect(video);
            if (found.length) code = found[0].rawValue;
          } else if (window.jsQR) {
            const scale = Math.min(1, 640 / video.videoWidth);
            canvas.width = Math.round(video.videoWidth * scale);
            canvas.height = Math.round(video.videoHeight * scale);
            context.drawImage(video, 0, 0, canvas.width, canvas.height);
            const image = context.getImageData(0, 0, canvas.width, canvas.height);
            const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
            if (found && found.data) code = found.data;
          }
          if (code) await scan(code);
        } catch (error) { /* a bad frame: try the next one */ }
      }
      setTimeout(tick, 150);
    }
    tick();
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.swUrl, { scope: "/scan/" }).catch(() => {});
  }
  network();
  showPending();
  refreshCount();
  startCamera();
  document.body.dataset.ready = "1";
})();
