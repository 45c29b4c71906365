// The calendar page: FullCalendar (global bundle) fed by the API's calendar/ with
// the session's cookie. Everything it needs comes from the data- attributes of
// #calendar, so the page has no inline script.
//
// Time zone: Vietnam has one fixed offset (UTC+7, no daylight saving), and
// FullCalendar needs a plugin for named zones. So the calendar runs in "UTC" and
// is given Vietnam's wall-clock times: a session at 08:00+07:00 is shown at 08:00
// wherever the browser is, and the window asked of the API is in whole local days.
(function () {
  "use strict";

  const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
  const VIEWS = ["dayGridMonth", "timeGridWeek", "listWeek"];
  // Background, border, text: each pair keeps at least 4.5:1 contrast.
  const COLOURS = {
    session: ["#1d4ed8", "#1e3a8a", "#ffffff"],
    upcoming: ["#e5e7eb", "#4b5563", "#111827"],
    due_soon: ["#fde68a", "#b45309", "#78350f"],
    overdue: ["#b91c1c", "#7f1d1d", "#ffffff"],
    done: ["#dcfce7", "#15803d", "#14532d"],
    cancelled: ["#f3f4f6", "#9ca3af", "#4b5563"],
    recommendation: ["#ede9fe", "#6d28d9", "#3b0764"],
  };
  // States that are announced in the event's own text, not by colour alone.
  const PREFIXED = ["overdue", "due_soon", "done", "cancelled"];

  function wallTime(iso) {
    return new Date(new Date(iso).getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 19);
  }

  function vietnamNow() {
    return new Date(Date.now() + VIETNAM_OFFSET_MS);
  }

  function day(date) {
    return date.toISOString().slice(0, 10);
  }

  // A recommendation's deadline: overdue, done and cancelled look like a
  // milestone's; open and reported ones have a colour of their own.
  function recommendationLook(raw) {
    if (raw.overdue) return "overdue";
    return raw.state === "done" || raw.state === "cancelled" ? raw.state : "recommendation";
  }

  function toEvent(element, raw) {
    const recommendation = raw.kind === "recommendation";
    const look = raw.kind === "session" ? "session" : recommendation ? recommendationLook(raw) : raw.state;
    const colours = COLOURS[look] || COLOURS.upcoming;
    const stateLabel = raw.kind === "session" ? "" : element.getAttribute("data-label-" + look) || "";
    const prefix = raw.kind !== "session" && PREFIXED.includes(look) ? stateLabel + ": " : "";
    const placeholder = element.dataset.visitPlaceholder;
    const url = recommendation
      ? element.dataset.recommendationUrl.replace(placeholder, String(raw.id).replace("recommendation-", ""))
      : element.dataset.visitUrl.replace(placeholder, String(raw.visit));
    return {
      id: raw.id,
      title: prefix + raw.title,
      start: raw.all_day ? raw.start : wallTime(raw.start),
      end: raw.all_day ? raw.end : wallTime(raw.end),
      allDay: raw.all_day,
      url: url,
      backgroundColor: colours[0],
      borderColor: colours[1],
      textColor: colours[2],
      classNames: ["ev-" + look],
      extendedProps: { kind: raw.kind, state: raw.state, visit: raw.visit, stateLabel: stateLabel },
    };
  }

  function filters() {
    const params = {};
    const kind = document.getElementById("calendar-kind");
    const unit = document.getElementById("unit-choice");
    const mine = document.getElementById("calendar-mine");
    if (kind && kind.value) params.kind = kind.value;
    if (unit && unit.value) params.host_unit = unit.value;
    if (mine && mine.checked) params.mine = "true";
    return params;
  }

  function fetchEvents(element, status) {
    return function (info, success, failure) {
      // The window in whole local days: the API reads a date as local midnight.
      const params = new URLSearchParams({ start: day(info.start), end: day(info.end), ...filters() });
      fetch(element.dataset.eventsUrl + "?" + params.toString(), {
        credentials: "same-origin",
        // The page's language, not the browser's: the API answers in the language it
        // is asked for, and the titles must match the page around them.
        headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "vi" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (events) {
          success(events.map(function (raw) { return toEvent(element, raw); }));
          status.textContent = element.dataset.labelLoaded;
        })
        .catch(function (error) {
          failure(error);
          if (typeof showPageError === "function") showPageError(element.dataset.labelFailed);
        });
    };
  }

  function initialPosition() {
    const query = new URLSearchParams(window.location.search);
    const narrow = window.matchMedia("(max-width: 40rem)").matches;
    const view = VIEWS.includes(query.get("view")) ? query.get("view") : (narrow ? "listWeek" : "dayGridMonth");
    const date = /^\d{4}-\d{2}-\d{2}$/.test(query.get("date") || "") ? query.get("date") : undefined;
    return { view: view, date: date };
  }

  function remember(info) {
    // So that reloading, or coming back from a visit, shows the same period.
    const query = new URLSearchParams(window.location.search);
    query.set("view", info.view.type);
    query.set("date", day(info.view.currentStart));
    window.history.replaceState(null, "", window.location.pathname + "?" + query.toString());
  }

  function hideDecorativeIcons(element) {
    // The toolbar's chevrons are drawn by icon spans marked role="img" with no
    // text; their buttons already carry a name ("Previous month", ...).
    element.querySelectorAll(".fc-icon").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
    });
  }

  function start() {
    const element = document.getElementById("calendar");
    if (!element || typeof FullCalendar === "undefined") return;
    const status = document.getElementById("calendar-status") || document.createElement("p");
    const position = initialPosition();
    const calendar = new FullCalendar.Calendar(element, {
      timeZone: "UTC",
      now: vietnamNow,
      locale: element.dataset.locale === "vi" ? "vi" : "en",
      firstDay: 1,
      initialView: position.view,
      initialDate: position.date,
      headerToolbar: { left: "prev,next today", center: "title", right: VIEWS.join(",") },
      height: "auto",
      dayMaxEventRows: 4,
      nowIndicator: true,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      events: fetchEvents(element, status),
      loading: function (isLoading) {
        if (isLoading) status.textContent = element.dataset.labelLoading;
      },
      eventDidMount: function (info) {
        const props = info.event.extendedProps;
        const kindLabel = props.kind === "session" ? element.dataset.labelSession : props.stateLabel;
        info.el.setAttribute("title", info.event.title);
        info.el.dataset.state = props.state;
        info.el.dataset.kind = props.kind;
        // The kind is said in hidden text inside the link, not in an aria-label,
        // so what a screen reader announces still contains what is shown (WCAG 2.5.3).
        if (kindLabel && !info.event.title.startsWith(kindLabel)) {
          const hint = document.createElement("span");
          hint.className = "visually-hidden";
          hint.textContent = kindLabel + ": ";
          info.el.prepend(hint);
        }
      },
      dayCellDidMount: function (info) {
        // FullCalendar names a day cell by its date link alone, while the cell
        // also shows its events; let the cell be named by what it shows.
        info.el.removeAttribute("aria-labelledby");
      },
      datesSet: function (info) {
        hideDecorativeIcons(element);
        remember(info);
      },
    });
    calendar.render();
    const form = document.getElementById("calendar-filters");
    if (form) {
      form.addEventListener("change", function () { calendar.refetchEvents(); });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        calendar.refetchEvents();
      });
    }
  }

  // The one-time subscription address is selected on focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.id === "new-feed-https") event.target.select();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
