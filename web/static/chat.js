// The residents' chat page: talks to Rasa's REST channel, keeps the conversation in localStorage.
//
// Nothing personal is kept in the browser: what the user typed is masked before it is shown or
// stored (ID and phone numbers as the assistant masks them, a name or phone tail typed after the
// assistant asked for one); the assistant's replies arrive masked already. The record expires after
// KEEP_MS and "新对话" clears it.
(function () {
  "use strict";

  var STORE = "yibao-chat-v1";
  var KEEP_MS = 24 * 3600 * 1000;
  var TIMEOUT_MS = 30000;
  var RATINGS = [[5, "非常满意"], [4, "满意"], [3, "基本满意"], [2, "不满意"], [1, "非常不满意"]];
  var SOURCE_MARK = "来源：";

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el && el.content && el.content.indexOf("{{") < 0 ? el.content : "";
  }
  var base = meta("rasa-url") || location.protocol + "//" + location.hostname + ":" + (meta("rasa-port") || "5005");
  var endpoint = base.replace(/\/$/, "") + "/webhooks/rest/webhook";

  var log = document.getElementById("log");
  var intro = document.getElementById("intro");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var busy = false;
  var lastFailed = null; // the unmasked text of a message that did not go out (memory only)

  // -- storage --------------------------------------------------------------------------------

  function newSender() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function fresh() {
    return { sender: newSender(), items: [], expect: "", savedAt: Date.now() };
  }

  function load() {
    try {
      var state = JSON.parse(localStorage.getItem(STORE) || "null");
      if (state && state.sender && Array.isArray(state.items) && Date.now() - state.savedAt < KEEP_MS) return state;
    } catch (e) { /* unreadable: start again */ }
    return fresh();
  }

  var state = load();

  function save() {
    state.savedAt = Date.now();
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* storage full or off: the page still works */ }
  }

  // -- masking (the same shapes as the assistant's own masks) ----------------------------------

  function keep(text, head, tail) {
    return text.slice(0, head) + new Array(text.length - head - tail + 1).join("*") + text.slice(text.length - tail);
  }

  function maskPersonal(text, expect) {
    var t = text.trim();
    if (expect === "name" && /^[\u4e00-\u9fa5·]{2,6}$/.test(t)) return t.charAt(0) + new Array(t.length).join("*");
    if (expect === "last4" && /^\d{4}$/.test(t)) return "****";
    return text
      .replace(/\d{17}[\dXx]|\d{15}/g, function (id) { return keep(id, 3, 4); })
      .replace(/1[3-9]\d{9}/g, function (phone) { return keep(phone, 3, 4); })
      .replace(/\d{8,}/g, function (digits) { return keep(digits, 0, 4); });
  }

  // What the assistant's last message asked for (its own prompts for a name or a phone tail).
  function expectation(text) {
    if (/请输入[^。]*姓名/.test(text)) return "name";
    if (/请输入[^。]*后四位/.test(text)) return "last4";
    return "";
  }

  // -- rendering ------------------------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A reply's text with line breaks kept; its "来源：" line set apart, line citations softened.
  function fillBubble(bubble, text) {
    text.split("\n").forEach(function (line, i, lines) {
      if (line.indexOf(SOURCE_MARK) === 0) {
        bubble.appendChild(el("span", "source", line));
        return;
      }
      var parts = line.split(/(（第[\d–\-、第行]+行）)/);
      parts.forEach(function (part) {
        if (!part) return;
        bubble.appendChild(/^（第.*行）$/.test(part) ? el("span", "cite", part) : document.createTextNode(part));
      });
      if (i < lines.length - 1 && lines[i + 1].indexOf(SOURCE_MARK) !== 0) bubble.appendChild(document.createTextNode("\n"));
    });
  }

  function row(who) {
    var r = el("div", "row " + who);
    r.appendChild(el("div", "avatar", who === "user" ? "我" : "保"));
    var stack = el("div", "stack");
    r.appendChild(stack);
    return r;
  }

  function renderItem(item, index) {
    if (item.who === "note") {
      var note = el("div", "row note");
      note.appendChild(el("span", "note-text", item.text));
      return note;
    }
    var r = row(item.who);
    var stack = r.lastChild;
    if (item.text) {
      var bubble = el("div", "bubble");
      if (item.who === "user") bubble.textContent = item.text;
      else fillBubble(bubble, item.text);
      stack.appendChild(bubble);
    }
    if (item.buttons && item.buttons.length) {
      var chips = el("div", "chips");
      item.buttons.forEach(function (b, k) {
        var chip = el("button", "chip", b.title);
        chip.type = "button";
        chip.disabled = item.picked !== undefined && item.picked !== null;
        if (item.picked === k) chip.className += " picked";
        chip.addEventListener("click", function () {
          if (busy) return;
          item.picked = k;
          send(b.payload, b.title);
        });
        chips.appendChild(chip);
      });
      stack.appendChild(chips);
    }
    if (item.who === "error" && item.retry) {
      var retry = el("button", "chip retry", "重试");
      retry.type = "button";
      retry.disabled = !lastFailed || index !== state.items.length - 1;
      retry.addEventListener("click", function () {
        if (!lastFailed || busy) return;
        var again = lastFailed;
        state.items.splice(index, 1);
        state.items.pop(); // the user's message that failed is shown again by send()
        send(again.text, again.shown);
      });
      stack.appendChild(retry);
    }
    if (item.rateable) stack.appendChild(ratingRow(item));
    return r;
  }

  function ratingRow(item) {
    if (item.rated) return el("div", "rated", "已评价：" + labelOf(item.rated) + "，谢谢！");
    var box = el("div", "rating");
    box.appendChild(el("span", "", "这个回答："));
    RATINGS.forEach(function (pair) {
      var chip = el("button", "chip", pair[1]);
      chip.type = "button";
      chip.setAttribute("data-rating", String(pair[0]));
      chip.addEventListener("click", function () { rate(item, pair[0]); });
      box.appendChild(chip);
    });
    return box;
  }

  function labelOf(score) {
    for (var i = 0; i < RATINGS.length; i++) if (RATINGS[i][0] === score) return RATINGS[i][1];
    return String(score);
  }

  function render() {
    Array.prototype.slice.call(log.querySelectorAll(".row")).forEach(function (n) { n.remove(); });
    intro.hidden = state.items.length > 0;
    state.items.forEach(function (item, i) { log.appendChild(renderItem(item, i)); });
    if (busy) log.appendChild(typing());
    log.scrollTop = log.scrollHeight;
  }

  function typing() {
    var r = row("bot");
    r.className += " typing";
    r.setAttribute("aria-label", "正在输入");
    var bubble = el("div", "bubble");
    for (var i = 0; i < 3; i++) bubble.appendChild(el("span", "dot"));
    r.lastChild.appendChild(bubble);
    return r;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    render();
  }

  // -- talking to the assistant ---------------------------------------------------------------

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message, metadata: { client: "web" } }),
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      clearTimeout(timer);
      return resp.text().then(function (body) {
        var data = null;
        try { data = JSON.parse(body); } catch (e) { /* not JSON: said below */ }
        if (resp.ok && Array.isArray(data)) return data;
        var said = data && typeof data.error === "string" ? data.error : "";
        throw new Error(said || (resp.status >= 500 ? "服务暂时不可用（" + resp.status + "），请稍后再试。" : "请求没有成功（" + resp.status + "），请稍后再试。"));
      });
    }, function (err) {
      clearTimeout(timer);
      throw new Error(err && err.name === "AbortError"
        ? "等了 30 秒还没有回复，可能是网络或服务繁忙。请点“重试”。"
        : "网络连接失败，消息没有发出。请检查网络后点“重试”。");
    });
  }

  function addReplies(replies) {
    var texts = [];
    replies.forEach(function (m) {
      if (!m || (typeof m.text !== "string" && !Array.isArray(m.buttons))) return;
      var buttons = Array.isArray(m.buttons) ? m.buttons.filter(function (b) { return b && b.title && b.payload; }) : [];
      state.items.push({ who: "bot", text: typeof m.text === "string" ? m.text : "", buttons: buttons });
      texts.push(m.text || "");
    });
    var answer = texts.join("\n");
    // an answer from the guides (it names its source) can be rated
    if (answer.indexOf(SOURCE_MARK) >= 0) {
      for (var i = state.items.length - 1; i >= 0; i--) {
        if (state.items[i].who === "bot" && (state.items[i].text || "").indexOf(SOURCE_MARK) >= 0) {
          state.items[i].rateable = true;
          break;
        }
      }
    }
    state.expect = expectation(texts.length ? texts[texts.length - 1] : "");
  }

  function send(message, shown) {
    var text = (message || "").trim();
    if (!text || busy) return;
    var display = shown !== undefined ? shown : maskPersonal(text, state.expect);
    state.items.push({ who: "user", text: display });
    save();
    setBusy(true);
    post(text).then(function (replies) {
      lastFailed = null;
      addReplies(replies);
    }, function (err) {
      lastFailed = { text: text, shown: display };
      state.items.push({ who: "error", text: err.message, retry: true });
    }).then(function () {
      save();
      setBusy(false);
      input.focus();
    });
  }

  function rate(item, score) {
    if (busy || item.rated) return;
    setBusy(true);
    post("评价 " + score).then(function (replies) {
      item.rated = score;
      var said = replies.map(function (m) { return (m && m.text) || ""; }).join("\n");
      // a poor rating gets where people can help: keep that reply in the conversation
      if (score <= 2 && said) addReplies(replies);
    }, function (err) {
      state.items.push({ who: "error", text: "评价没有提交：" + err.message });
    }).then(function () {
      save();
      setBusy(false);
    });
  }

  // -- wiring ---------------------------------------------------------------------------------

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) {
      input.focus();
      return;
    }
    input.value = "";
    grow();
    send(text);
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", grow);

  document.getElementById("suggestions").addEventListener("click", function (e) {
    var say = e.target && e.target.getAttribute && e.target.getAttribute("data-say");
    if (say) send(say);
  });

  document.getElementById("restart").addEventListener("click", function () {
    if (busy) return;
    try { localStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
    state = fresh();
    lastFailed = null;
    render();
    input.focus();
  });

  render();
})();
