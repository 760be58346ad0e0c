// voiceguide's player: play and pause, 15 seconds back or forward, the chapters, and
// what is happening now, looked up in the steps the server made from the timeline.
// No request goes anywhere but to the server that sent this page.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("player-data").textContent);
  var audio = document.getElementById("audio");
  var playButton = document.getElementById("play");
  var seek = document.getElementById("seek");
  var elapsed = document.getElementById("elapsed");
  var status = document.getElementById("status");
  var lines = {
    main: document.getElementById("now-main"),
    detail: document.getElementById("now-detail"),
    next: document.getElementById("now-next"),
    caption: document.getElementById("caption"),
  };
  var chapterButtons = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
  var SKIP = 15;
  // An MP3 is never seeked in: browsers guess where a time is in a variable-bit-rate
  // file, seconds away in a session that is mostly silence. A jump starts the stream
  // that begins at the right frame instead (the server sends the frames from there on),
  // and the session's time is that frame's time plus the element's.
  var frames = data.frames || null;
  var source = audio.getAttribute("src");
  var base = 0;
  var held = null;  // where a jump went, until the audio plays from there

  var finished = false;  // the session played to its end

  // Never before the start nor past the end, whatever the element says (a stream's
  // last frames are the encoder's silent padding).
  function position() {
    if (finished) { return data.duration; }
    var t = held !== null ? held : base + (audio.currentTime || 0);
    return Math.min(Math.max(t, 0), data.duration);
  }

  function clock(seconds) {
    var whole = Math.max(0, Math.round(seconds));
    var h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }

  // The seconds gone, whole ones: never more than the total the page was given (the
  // server rounds a length half to even, 902.5 s to 15:02; rounding here gave 15:03).
  var totalText = document.getElementById("total").textContent;
  function elapsedAt(t) {
    return t >= data.duration ? totalText : clock(Math.floor(t));
  }

  // The last item of a list sorted by start whose start is at or before t.
  function at(list, t, startOf) {
    var low = 0, high = list.length - 1, found = -1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (startOf(list[mid]) <= t) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return found;
  }

  // What is shown at t seconds: the same rule as voiceguide.serve.now.shown_at.
  function now(t) {
    var i = at(data.steps, t, function (s) { return s.start; });
    var step = data.steps[Math.max(i, 0)];
    if (!step) { return { main: "", count: "", detail: "", next: "" }; }
    var count = "";
    if (step.until !== null) {
      var left = Math.max(1, Math.ceil(step.until - t - 1e-6));
      count = data.seconds.replace("{n}", String(left));
    }
    return { main: step.main, count: count, detail: step.detail, next: step.next };
  }

  // The words being said at t, or last said: in the quiet after them they stay until
  // the next, what to do while it is done ("Now come down to the floor ...", and the
  // words for changing sides through the seconds counted for it).
  function captionAt(t) {
    var c = data.captions[at(data.captions, t, function (c) { return c[0]; })];
    return c ? c[2] : "";
  }

  function chapterAt(t) {
    return at(data.chapters, t + 0.001, function (c) { return c.start; });
  }

  function show(line, text) {
    if (lines[line].textContent !== text) { lines[line].textContent = text; }
  }

  // The "now" line: what to do, never broken before a "·" (a line does not start with
  // one), and the seconds left on a line of their own ("Hold · right leg" / "18 s").
  var mainText = document.createElement("span");
  var mainCount = document.createElement("span");
  mainText.className = "now-what";
  mainCount.className = "now-count";
  function showMain(text, count) {
    text = text.replace(/ \u00b7 /g, "\u00a0\u00b7 ");
    if (lines.main.firstChild !== mainText) {
      lines.main.textContent = "";
      lines.main.appendChild(mainText);
      lines.main.appendChild(mainCount);
    }
    if (mainText.textContent !== text) { mainText.textContent = text; }
    if (mainCount.textContent !== count) { mainCount.textContent = count; }
    mainCount.hidden = !count;
  }

  var sliding = false;
  function render() {
    var t = position();
    var shown = now(t);
    showMain(shown.main, shown.count);
    show("detail", shown.detail);
    show("next", shown.next);
    show("caption", captionAt(t));
    elapsed.textContent = elapsedAt(t);
    if (!sliding) { seek.value = String(t); }
    var current = chapterAt(t);
    chapterButtons.forEach(function (button, index) {
      button.setAttribute("aria-current", index === current ? "true" : "false");
    });
  }

  var playing = false;  // what the listener asked for, whatever loading is under way
  var reloading = false;  // a jump is loading the stream from its frame
  function jump(t) {
    if (finished) { setFinished(false); }
    t = Math.min(Math.max(t, 0), Math.max(data.duration - 0.05, 0));
    if (!frames) {
      audio.currentTime = t;
      render();
      return;
    }
    var frame = Math.floor((t * frames.rate + frames.delay) / frames.samples) - 1;
    frame = Math.min(Math.max(frame, 0), frames.count - 1);
    base = (frame * frames.samples - frames.delay) / frames.rate;
    var resume = playing;
    held = t;
    reloading = true;
    audio.src = source + "?frame=" + frame;
    if (resume) { play(); }
    render();
  }

  function play() {
    if (finished) {  // from the start again, not from where the last jump's stream began
      jump(0);
    }
    playing = true;
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function (error) {
        if (error && error.name === "AbortError") { return; }  // a newer jump took over
        playing = false;
        status.textContent = data.words.start;
      });
    }
  }
  function pause() {
    playing = false;
    audio.pause();
  }

  playButton.addEventListener("click", function () {
    if (playing) { pause(); } else { play(); }
  });
  document.getElementById("back").addEventListener("click", function () {
    jump(position() - SKIP);
  });
  document.getElementById("forward").addEventListener("click", function () {
    jump(position() + SKIP);
  });
  chapterButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      jump(parseFloat(button.getAttribute("data-start")));
      if (!playing) { play(); }
    });
  });
  seek.addEventListener("input", function () {
    sliding = true;
    elapsed.textContent = elapsedAt(parseFloat(seek.value));
  });
  seek.addEventListener("change", function () {
    sliding = false;
    jump(parseFloat(seek.value));
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "BUTTON" || event.target.tagName === "INPUT") { return; }
    if (event.key === " ") { event.preventDefault(); playButton.click(); }
    if (event.key === "ArrowLeft") { jump(position() - SKIP); }
    if (event.key === "ArrowRight") { jump(position() + SKIP); }
  });

  // The screen stays awake while the session plays, where the browser allows it (the
  // Wake Lock API needs a secure context: https, or this computer's own address).
  var lock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator)) {
      document.body.setAttribute("data-wake-lock", "unavailable");
      return;
    }
    if (lock || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").then(function (sentinel) {
      lock = sentinel;
      document.body.setAttribute("data-wake-lock", "held");
      sentinel.addEventListener("release", function () {
        lock = null;
        document.body.setAttribute("data-wake-lock", "released");
      });
      if (audio.paused) { letSleep(); }
    }, function () {
      document.body.setAttribute("data-wake-lock", "refused");
    });
  }
  function letSleep() {
    if (lock) { lock.release(); lock = null; }
  }
  document.addEventListener("visibilitychange", function () {
    if (!audio.paused) { keepAwake(); }
  });

  var ticking = null;
  audio.addEventListener("play", function () {
    playButton.setAttribute("data-state", "playing");
    playButton.setAttribute("aria-label", data.words.pause);
    status.textContent = "";
    keepAwake();
    if (!ticking) { ticking = setInterval(render, 200); }
  });
  audio.addEventListener("pause", function () {
    if (reloading) { return; }  // a jump reloading the audio: it goes on
    playing = false;
    playButton.setAttribute("data-state", "paused");
    playButton.setAttribute("aria-label", data.words.play);
    letSleep();
    clearInterval(ticking);
    ticking = null;
    render();
  });
  audio.addEventListener("loadedmetadata", function () { reloading = false; });
  audio.addEventListener("playing", function () { held = null; });
  ["timeupdate", "seeked", "loadedmetadata", "ended"].forEach(function (name) {
    audio.addEventListener(name, render);
  });
  function setFinished(done) {
    finished = done;
    document.body.setAttribute("data-finished", done ? "true" : "false");
    status.textContent = done ? data.words.finished : "";
  }
  audio.addEventListener("ended", function () {
    playing = false;
    letSleep();
    playButton.setAttribute("data-state", "paused");
    playButton.setAttribute("aria-label", data.words.play);
    setFinished(true);
    render();
  });
  audio.addEventListener("error", function () {
    status.textContent = data.words.unavailable;
  });

  if ("mediaSession" in navigator && typeof MediaMetadata !== "undefined") {
    navigator.mediaSession.metadata = new MediaMetadata({
      title: document.querySelector(".title").textContent,
      artist: "voiceguide",
    });
    var actions = {
      play: play,
      pause: pause,
      seekbackward: function () { jump(position() - SKIP); },
      seekforward: function () { jump(position() + SKIP); },
      previoustrack: function () {
        var i = chapterAt(position() - 3);
        jump(i >= 0 ? data.chapters[i].start : 0);
      },
      nexttrack: function () {
        var i = chapterAt(position());
        if (i + 1 < data.chapters.length) { jump(data.chapters[i + 1].start); }
      },
    };
    Object.keys(actions).forEach(function (name) {
      try { navigator.mediaSession.setActionHandler(name, actions[name]); } catch (e) { /* not offered */ }
    });
  }

  // For tests and for anyone curious: where the session is, in its own seconds.
  window.voiceguide = { position: position };
  render();
})();
