/* Folio's deck runtime: keys, swipe, URL fragment per slide, overview, fullscreen and a speaker
   view kept in step. Small and ours on purpose: the same HTML must also print and render in
   WeasyPrint, where no script runs, so every slide stays plain content in the page. */
(function () {
  "use strict";
  var root = document.documentElement;
  var deck = document.getElementById("deck");
  var slides = Array.prototype.slice.call(deck.querySelectorAll(":scope > .slide"));
  var strings = JSON.parse(document.querySelector(".deck-strings").textContent);
  var key = "folio-deck:" + deck.getAttribute("data-deck");
  var speaker = new URLSearchParams(location.search).has("speaker");
  var count = document.querySelector(".deck-count");
  var bar = document.querySelector(".deck-progress");
  var status = document.querySelector(".deck-status");
  var notes = document.querySelector(".speaker-notes");
  var current = -1;
  var other = null; // the speaker window, or from the speaker window its opener
  var channel = null;

  root.classList.add("js");
  if (speaker) {
    root.classList.add("speaker");
    document.querySelector(".speaker-panel").hidden = false;
    other = window.opener;
  }
  try {
    // BroadcastChannel reaches every window of the deck; file:// pages may not get one.
    channel = new BroadcastChannel(key);
    channel.onmessage = function (event) { receive(event.data); };
  } catch (error) {
    channel = null;
  }

  function fromHash() {
    var match = /^#slide-(\d+)$/.exec(location.hash);
    return match ? Number(match[1]) - 1 : 0;
  }

  // A wide display equation shrinks to the slide's width instead of overflowing it; measured
  // once the slide is shown, since a hidden slide has no width.
  function fitEquations(slide) {
    slide.querySelectorAll(".equation math").forEach(function (math) {
      math.style.fontSize = "";
      var room = math.parentNode.clientWidth, wide = math.scrollWidth;
      if (wide > room && room > 0) { math.style.fontSize = (room / wide * 100) + "%"; }
    });
  }

  function go(index, tell) {
    index = Math.max(0, Math.min(slides.length - 1, index));
    if (index === current) { return; }
    current = index;
    slides.forEach(function (slide, i) {
      var shown = i === index;
      slide.classList.toggle("current", shown);
      slide.classList.toggle("upcoming", speaker && i === index + 1);
      // Hidden slides leave the accessibility tree and the tab order.
      slide.setAttribute("aria-hidden", shown || root.classList.contains("overview") ? "false" : "true");
      slide.inert = !shown && !root.classList.contains("overview");
    });
    var slide = slides[index];
    fitEquations(slide);
    var title = slide.querySelector(".slide-title");
    history.replaceState(null, "", "#" + slide.id);
    count.textContent = (index + 1) + " / " + slides.length;
    bar.setAttribute("aria-valuenow", String(index + 1));
    bar.firstElementChild.style.width = ((index + 1) / slides.length * 100) + "%";
    status.textContent = strings.slide_of.replace("{number}", index + 1)
      .replace("{total}", slides.length) + (title ? ": " + title.textContent : "");
    if (speaker) {
      var aside = slide.querySelector(".notes");
      notes.innerHTML = aside ? aside.innerHTML : "";
      notes.scrollTop = 0;
    }
    if (tell !== false) { send({ folioDeck: key, slide: index }); }
  }

  function send(message) {
    if (channel) { channel.postMessage(message); }
    if (other && !other.closed) {
      // file:// documents have an opaque origin, so "*" is the only target that reaches them;
      // the message carries nothing but a slide number.
      other.postMessage(message, "*");
    }
  }

  function receive(data) {
    if (data && data.folioDeck === key && typeof data.slide === "number") { go(data.slide, false); }
  }

  function openSpeakerView() {
    var url = location.href.split("#")[0].split("?")[0] + "?speaker#" + slides[current].id;
    other = window.open(url, key + ":speaker", "width=1200,height=760");
  }

  function toggleOverview(open) {
    root.classList.toggle("overview", open);
    // In the overview each slide is a stop for Tab, and focus starts on the current one, so
    // that the keyboard alone can pick a slide (Enter) rather than a control left focused.
    slides.forEach(function (slide) {
      if (open) { slide.tabIndex = 0; } else { slide.removeAttribute("tabindex"); }
    });
    var index = current;
    current = -1;
    go(index, false);
    if (open) {
      slides[index].scrollIntoView({ block: "center" });
      slides[index].focus({ preventScroll: true });
    }
  }

  function fullscreen() {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (root.requestFullscreen) { root.requestFullscreen(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var onButton = event.target.closest && event.target.closest("button, a");
    if (onButton && (event.key === " " || event.key === "Enter")) { return; }
    var overview = root.classList.contains("overview");
    switch (event.key) {
      case "ArrowRight": case "ArrowDown": case "PageDown": case "n":
        go(current + 1); break;
      case " ":
        go(current + (event.shiftKey ? -1 : 1)); break;
      case "ArrowLeft": case "ArrowUp": case "PageUp": case "p": case "Backspace":
        go(current - 1); break;
      case "Home": go(0); break;
      case "End": go(slides.length - 1); break;
      case "Escape": toggleOverview(!overview); break;
      case "Enter":
        if (!overview) { return; }
        var picked = event.target.closest && event.target.closest(".slide");
        if (picked) { go(slides.indexOf(picked)); }
        toggleOverview(false);
        break;
      case "s": case "S": if (!speaker) { openSpeakerView(); } break;
      case "f": case "F": fullscreen(); break;
      default: return;
    }
    event.preventDefault();
  });

  deck.addEventListener("click", function (event) {
    var slide = event.target.closest(".slide");
    if (root.classList.contains("overview") && slide) {
      go(slides.indexOf(slide));
      toggleOverview(false);
    }
  });

  var touchX = null;
  deck.addEventListener("touchstart", function (event) {
    touchX = event.changedTouches[0].clientX;
  }, { passive: true });
  deck.addEventListener("touchend", function (event) {
    if (touchX === null) { return; }
    var dx = event.changedTouches[0].clientX - touchX;
    touchX = null;
    if (Math.abs(dx) > 40) { go(current + (dx < 0 ? 1 : -1)); }
  }, { passive: true });

  document.querySelector(".deck-prev").addEventListener("click", function () { go(current - 1); });
  document.querySelector(".deck-next").addEventListener("click", function () { go(current + 1); });
  document.querySelector(".deck-overview").addEventListener("click", function () {
    toggleOverview(!root.classList.contains("overview"));
  });
  document.querySelector(".deck-speaker").addEventListener("click", openSpeakerView);
  window.addEventListener("message", function (event) { receive(event.data); });
  window.addEventListener("hashchange", function () { go(fromHash()); });

  if (speaker) {
    var started = Date.now();
    var clock = document.querySelector(".speaker-timer");
    var tick = function () {
      var seconds = Math.floor((Date.now() - started) / 1000);
      var rest = seconds % 60;
      clock.textContent = Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
    };
    document.querySelector(".speaker-reset").addEventListener("click", function () {
      started = Date.now();
      tick();
    });
    setInterval(tick, 1000);
  }
  go(fromHash(), false);
}());
