/*
 * Makes each voice select (ivr.menus.voices.VoiceSelect) searchable with the
 * select2 that Django's admin ships, in the admin's own select2 theme.
 *
 * Typing matches a voice's code ("en-US-Ben") or its language's name
 * ("Danish"): a language that matches shows all its voices. Selects in
 * inline rows added later are set up as they appear.
 */
"use strict";

(function ($) {
  function matches(text, term) {
    return text.toUpperCase().indexOf(term.toUpperCase()) > -1;
  }

  // select2's own matcher leaves an empty group when only its name matches.
  function matcher(params, data) {
    const term = (params.term || "").trim();
    if (term === "" || matches(data.text, term)) {
      return data;
    }
    if (!data.children) {
      return null;
    }
    const children = data.children.filter((child) => matches(child.text, term));
    return children.length ? $.extend({}, data, { children: children }) : null;
  }

  function setUp(root) {
    $(root)
      .find("select.ivr-voice-select")
      .not("[name*=__prefix__]")
      .not(".select2-hidden-accessible")
      .each(function () {
        $(this).select2({
          theme: "admin-autocomplete",
          matcher: matcher,
          // Wide enough for "en-US-ChristopherNeural · male", narrower in a
          // table row (data-width); the list of choices grows to its longest.
          width: this.dataset.width || "24em",
          dropdownAutoWidth: true,
        });
      });
  }

  $(function () {
    setUp(document);
  });
  document.addEventListener("formset:added", (event) => setUp(event.target));
})(django.jQuery);
