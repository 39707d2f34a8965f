/* Small enhancements for every page (loaded deferred by base.html); the site works without them.
 *
 * Chart details for keyboards and touch screens, as progressive enhancement. A dot's <title> shows only on mouse
 * hover, so each chart figure gets a details line: focusing a dot (Tab) shows what it stands for; clicking or
 * touching a dot first shows its details (and focuses it), and a second click or touch on the same dot, or Enter
 * while it has focus, follows its link. Without JavaScript the dots are plain links.
 */
(function () {
  "use strict";

  function detailsOf(figure) {
    var details = figure.querySelector(".chart-details");
    if (!details) {
      details = document.createElement("p");
      details.className = "chart-details";
      details.setAttribute("aria-live", "polite");
      details.hidden = true;
      figure.appendChild(details);
    }
    return details;
  }

  function show(link) {
    var figure = link.closest("figure");
    if (!figure) return;
    var details = detailsOf(figure);
    var title = link.querySelector("title");
    var text = link.getAttribute("aria-label") || (title ? title.textContent : "");
    details.textContent = text + " ";
    var open = document.createElement("a");
    open.href = link.getAttribute("href");
    open.textContent = "Open";
    details.appendChild(open);
    details.hidden = false;
    Array.prototype.forEach.call(figure.querySelectorAll(".chart a.is-selected"), function (other) {
      other.classList.remove("is-selected");
    });
    link.classList.add("is-selected");
  }

  function chartLink(event) {
    var link = event.target.closest ? event.target.closest("a") : null;
    return link && link.closest("svg.chart") ? link : null;
  }

  var clicked = null;  // the dot whose details the last click or touch showed

  document.addEventListener("focusin", function (event) {
    var link = chartLink(event);
    if (!link) return;
    if (link !== clicked) clicked = null;
    show(link);
  });

  document.addEventListener("click", function (event) {
    var link = chartLink(event);
    if (!link) return;
    // Enter on a focused dot (a click of detail 0) follows the link: focus already showed the details.
    if (event.detail === 0 || link === clicked) return;
    event.preventDefault();
    show(link);
    clicked = link;
    link.focus();
  });
})();

/*
 * Filters fold away on phones: each list page's filter form sits in a <details> that the server renders open (so
 * it works without JavaScript); on a narrow screen it is folded unless filters are set or have errors.
 */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(max-width: 40rem)").matches) return;
    Array.prototype.forEach.call(document.querySelectorAll("details[data-fold-on-phones]"), function (details) {
      if (!details.hasAttribute("data-keep-open")) details.open = false;
    });
  });
})();
