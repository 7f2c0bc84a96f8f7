/*
 * The simulator on a menu's admin page (templates/admin/ivr/menu/change_form.html).
 *
 * Each step is one POST to the menu's simulate URL (ivr/admin/simulator.py), which
 * answers with what the webhook's decision code would send 8x8. The page
 * holds the call as 8x8 does: it sends back the clientActionId of the answer
 * before, so retries, "back" and exhausted paths behave as on a live call.
 * Everything the server sends is shown with textContent, never as HTML:
 * prompts and messages are whatever staff typed.
 */
"use strict";

(function () {
  const HASH = "#";
  // The most keys a step may carry (ivr/admin/simulator.py PRESS_MAX_CHARS).
  const MAX_KEYS = 26;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function jsonBlock(summaryText, value, className) {
    const details = element("details", className);
    details.appendChild(element("summary", "", summaryText));
    details.appendChild(element("pre", "", JSON.stringify(value, null, 2)));
    return details;
  }

  function setUp(panel) {
    const url = panel.dataset.simulateUrl;
    const csrfToken = panel.dataset.csrfToken;
    const find = (selector) => panel.querySelector(selector);
    const transcript = find("#simulator-transcript");
    const entry = find("#simulator-entry");
    const status = find("#simulator-status");
    const errorNote = find("#simulator-error");
    const callLine = find("#simulator-call");
    const startButton = find("#simulator-start");
    const restartButton = find("#simulator-restart");
    const sendButton = find("#simulator-send");
    const noInputButton = find("#simulator-no-input");
    const clearButton = find("#simulator-clear");
    const notAnsweredButton = find("#simulator-transfer-not-answered");
    const answeredButton = find("#simulator-transfer-answered");
    const howLine = find("#simulator-how");
    const keyButtons = Array.from(panel.querySelectorAll("[data-key]"));

    const call = {
      inProgress: false, // between the first answer and one that ends the call
      busy: false, // a step is on its way
      clientActionId: null,
      steps: 0,
      keys: "",
      // The caller was transferred: 8x8 says next whether it was answered.
      transferring: false,
      // As the last capture was sent to 8x8: without # it ends on the last
      // of maxDigits keys.
      finishOnHash: true,
      maxDigits: null,
      // Answers to a call that was started over are dropped.
      generation: 0,
    };

    function render() {
      const canPress = call.inProgress && !call.busy && !call.transferring;
      const canReport = call.inProgress && !call.busy && call.transferring;
      notAnsweredButton.disabled = !canReport;
      answeredButton.disabled = !canReport;
      keyButtons.forEach((button) => {
        button.disabled = !canPress;
      });
      sendButton.disabled = !canPress || call.keys === "";
      clearButton.disabled = !canPress || call.keys === "";
      noInputButton.disabled = !canPress;
      startButton.disabled = call.busy || call.inProgress;
      restartButton.disabled = !call.inProgress && !call.busy;
      entry.textContent = call.keys;
      panel.dataset.state = call.busy
        ? "busy"
        : call.inProgress
          ? "waiting"
          : call.steps
            ? "ended"
            : "idle";
    }

    function showError(message) {
      errorNote.textContent = message;
      errorNote.hidden = !message;
    }

    function addStep(number, step) {
      const item = element("li", "simulator-step");
      item.dataset.step = String(number);
      item.dataset.outcome = step.outcome;
      item.dataset.menu = step.menu;
      item.dataset.nowIn = step.now_in;

      const heading = element("p", "simulator-pressed");
      heading.appendChild(element("strong", "", step.pressed_text));
      if (step.pressed !== null && step.menu) {
        heading.appendChild(document.createTextNode(" In menu " + step.menu + "."));
      }
      item.appendChild(heading);
      item.appendChild(element("p", "simulator-outcome", step.outcome_text));
      if (step.error) {
        item.appendChild(element("p", "simulator-problem", "Problem: " + step.error));
      }
      // Lines, not a nested list: the transcript's only <li> are its steps.
      const heard = element("div", "simulator-heard");
      step.heard.forEach((line) => heard.appendChild(element("p", "", line)));
      item.appendChild(heard);
      item.appendChild(
        element(
          "p",
          step.call_ended ? "simulator-where simulator-ended" : "simulator-where",
          step.ending,
        ),
      );
      item.appendChild(jsonBlock("JSON sent to 8x8", step.response, "simulator-response"));
      item.appendChild(jsonBlock("Webhook 8x8 posted", step.request, "simulator-request"));
      transcript.appendChild(item);
      item.scrollIntoView({ block: "nearest" });
    }

    async function post(body) {
      const generation = call.generation;
      call.busy = true;
      showError("");
      status.textContent = "Waiting for the answer…";
      render();
      let data = null;
      let problem = "";
      try {
        const response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            Accept: "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": csrfToken,
          },
          body: JSON.stringify(body),
        });
        const type = response.headers.get("Content-Type") || "";
        if (type.startsWith("application/json")) {
          data = await response.json();
          if (!response.ok) {
            problem = data.error || "The simulator refused this step (" + response.status + ").";
            data = null;
          }
        } else {
          // A login page after the session ended, or Django's CSRF page.
          problem =
            "The server did not answer as expected (" +
            response.status +
            "). Reload the page, logging in again if asked, and start over.";
        }
      } catch (error) {
        problem = "The server could not be reached. Check the connection and try again.";
      }
      if (generation !== call.generation) {
        return; // started over meanwhile
      }
      call.busy = false;
      if (data) {
        call.steps += 1;
        call.clientActionId = data.step.client_action_id;
        call.inProgress = !data.step.call_ended;
        call.transferring = data.step.transferring;
        call.finishOnHash = data.step.finish_on_hash;
        call.maxDigits = data.step.max_digits;
        howLine.textContent = data.step.how_to_choose;
        if (call.steps === 1) {
          callLine.textContent =
            "Call from " +
            data.call.caller +
            " to " +
            data.call.number +
            (data.call.number_made_up ? " (made up: no number is set up)" : "") +
            ", starting in menu " +
            data.call.menu +
            ".";
        }
        addStep(call.steps, data.step);
        status.textContent = data.step.ending;
      } else {
        showError(problem);
        status.textContent = call.inProgress ? "The step was not taken: try again." : "";
      }
      render();
    }

    function startCall() {
      call.generation += 1;
      call.inProgress = false;
      call.busy = false;
      call.clientActionId = null;
      call.steps = 0;
      call.keys = "";
      call.transferring = false;
      howLine.textContent = "";
      transcript.replaceChildren();
      callLine.textContent = "";
      post({ event: "start" });
    }

    function sendKeys() {
      if (!call.inProgress || call.busy || call.keys === "") {
        return;
      }
      const digits = call.keys;
      call.keys = "";
      post({
        event: "keys",
        digits: digits,
        clientActionId: call.clientActionId,
        step: call.steps + 1,
      });
    }

    function pressKey(key) {
      if (!call.inProgress || call.busy || call.transferring) {
        return;
      }
      if (call.keys.length < MAX_KEYS) {
        call.keys += key;
      }
      const lastKey =
        !call.finishOnHash && call.maxDigits !== null && call.keys.length >= call.maxDigits;
      if (key === HASH || lastKey) {
        sendKeys(); // # ends the keys; without #, 8x8 stops at the last key
      } else {
        render();
      }
    }

    function transferResult(event) {
      if (!call.transferring || call.busy) {
        return;
      }
      post({ event: event, clientActionId: call.clientActionId, step: call.steps + 1 });
    }

    function noInput() {
      if (!call.inProgress || call.busy || call.transferring) {
        return;
      }
      call.keys = "";
      post({ event: "no_input", clientActionId: call.clientActionId, step: call.steps + 1 });
    }

    startButton.addEventListener("click", startCall);
    restartButton.addEventListener("click", startCall);
    sendButton.addEventListener("click", sendKeys);
    noInputButton.addEventListener("click", noInput);
    notAnsweredButton.addEventListener("click", () => transferResult("transfer_not_answered"));
    answeredButton.addEventListener("click", () => transferResult("transfer_answered"));
    clearButton.addEventListener("click", () => {
      call.keys = "";
      render();
    });
    keyButtons.forEach((button) => {
      button.addEventListener("click", () => pressKey(button.dataset.key));
    });
    // The keyboard works too while the focus is in the simulator.
    panel.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      if (/^[0-9*#]$/.test(event.key)) {
        event.preventDefault();
        pressKey(event.key);
      } else if (event.key === "Backspace" && call.keys) {
        event.preventDefault();
        call.keys = call.keys.slice(0, -1);
        render();
      }
    });
    render();
  }

  function init() {
    const panel = document.getElementById("simulator");
    if (panel) {
      setUp(panel);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
