/*
 * The menu page's editor (templates/admin/ivr/menu/change_form.html and
 * options_inline.html): each option shows only the fields its action uses,
 * and the menu only the "retries run out" fields its choice uses.
 *
 * Which fields each choice uses is the models' rule (ivr/models.py:
 * OPTION_FIELDS_BY_ACTION and its two siblings), sent in the page as JSON,
 * so it is written once. Saving clears what is hidden here, so what an
 * ops person cannot see is never kept.
 */
"use strict";

(function () {
  function rules() {
    const element = document.getElementById("ivr-field-rules");
    return element ? JSON.parse(element.textContent) : null;
  }

  function show(container, name, visible) {
    container.querySelectorAll(".field-" + name).forEach((node) => {
      node.hidden = !visible;
    });
  }

  function value(container, suffix) {
    const input = container.querySelector('select[name$="' + suffix + '"]');
    return input ? input.value : null;
  }

  function updateOption(row, rule) {
    const action = value(row, "-action");
    if (action === null) {
      return; // read-only: what was saved is what is shown
    }
    const noAnswer = value(row, "-on_no_answer") || "return";
    const used = new Set(rule.option[action] || []);
    Object.entries(rule.no_answer).forEach(([choice, fields]) => {
      if (choice !== noAnswer) {
        fields.forEach((name) => used.delete(name));
      }
    });
    rule.option_fields.forEach((name) => show(row, name, used.has(name)));
    const nothing = row.querySelector(".option-nothing-more");
    if (nothing) {
      nothing.hidden = used.size > 0;
    }
  }

  function updateMenu(form, rule) {
    const choice = value(form, "on_exhausted");
    if (choice === null) {
      return;
    }
    Object.entries(rule.exhausted).forEach(([key, fields]) => {
      fields.forEach((name) => {
        const row = form.querySelector(".form-row.field-" + name);
        if (row) {
          row.hidden = key !== choice;
        }
      });
    });
  }

  function setUp() {
    const rule = rules();
    const form = document.getElementById("menu_form");
    if (!rule || !form) {
      return;
    }
    const rows = () => form.querySelectorAll("tr.ivr-option:not(.empty-form)");
    const refresh = () => {
      rows().forEach((row) => updateOption(row, rule));
      updateMenu(form, rule);
    };
    form.addEventListener("change", (event) => {
      if (event.target.matches('select[name$="action"], select[name$="on_no_answer"]')) {
        refresh();
      }
    });
    document.addEventListener("formset:added", refresh);
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
