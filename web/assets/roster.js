// On the chair's desk: who takes part, their sign-in links, and the end of
// the consultation window. A sign-in link is shown once, when made (the
// server keeps only its hash); revoking ends every link of a participant.

import { h, bound, formatTime, countdown } from "./dom.js";
import { drafts } from "./state.js";

const ROLES = ["member", "observer", "convenor", "chair"];

export function renderRoster(app) {
  const view = app.state.view;
  return h(
    "section",
    { class: "card roster", "aria-labelledby": "roster" },
    h("h2", { id: "roster" }, "Participants and deadline"),
    deadlineForm(app, view),
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "participants stacked" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Code", "Name", "Role", "Sign-in"].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h(
          "tbody",
          {},
          view.participants.map((p) => participantRow(app, p)),
        ),
      ),
    ),
    addForm(app),
  );
}

function deadlineForm(app, view) {
  const input = bound("input", "deadline", {
    id: "deadline-input",
    type: "text",
    placeholder: "2026-12-12T17:00:00Z",
    "aria-describedby": "deadline-now",
  });
  return h(
    "form",
    {
      class: "deadline-form",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await app.api.setDeadline(view.id, input.value.trim());
          drafts.delete("deadline");
          app.toast("Deadline set");
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    h("label", { for: "deadline-input" }, "Consultation closes (UTC, like 2026-12-12T17:00:00Z) "),
    input,
    h("button", { type: "submit" }, "Set deadline"),
    h(
      "p",
      { id: "deadline-now", class: "muted" },
      view.deadline ? `Now: ${formatTime(view.deadline)}, ${countdown(view.deadline)}.` : "No deadline set.",
    ),
  );
}

function participantRow(app, participant) {
  const code = participant.code;
  const link = drafts.get(`link-${code}`);
  const id = app.state.view.id;
  const invite = async () => {
    try {
      const made = await app.api.invite(id, code);
      drafts.set(`link-${code}`, made.link);
      app.render();
    } catch (error) {
      app.toast(error.message, true);
    }
  };
  const revoke = async () => {
    if (!confirm(`End every sign-in link of ${code}? Its open sessions end too.`)) return;
    try {
      const answer = await app.api.revoke(id, code);
      drafts.delete(`link-${code}`);
      app.toast(`${code}: ${answer.revoked} sign-in link(s) ended`);
      app.render();
    } catch (error) {
      app.toast(error.message, true);
    }
  };
  return h(
    "tr",
    { "data-code": code },
    h("th", { scope: "row" }, code),
    h("td", { "data-label": "Name" }, participant.name),
    h("td", { "data-label": "Role" }, participant.role),
    h(
      "td",
      { "data-label": "Sign-in" },
      h("button", { type: "button", class: "quiet invite", onclick: invite }, `New link for ${code}`),
      " ",
      h("button", { type: "button", class: "quiet revoke", onclick: revoke }, `Revoke ${code}'s links`),
      link
        ? h(
            "p",
            { class: "link" },
            h("label", { for: `link-${code}` }, "Send this link (shown once): "),
            h("input", { id: `link-${code}`, type: "text", readonly: true, value: link, class: "invite-link" }),
          )
        : null,
    ),
  );
}

function addForm(app) {
  const code = bound("input", "new-code", { id: "new-code", type: "text", required: true, placeholder: "WHO" });
  const name = bound("input", "new-name", { id: "new-name", type: "text", required: true });
  const role = h(
    "select",
    { id: "new-role", "data-focus-key": "new-role" },
    ROLES.map((r) => h("option", { value: r }, r)),
  );
  role.value = drafts.get("new-role") || "member";
  role.addEventListener("change", () => drafts.set("new-role", role.value));
  return h(
    "form",
    {
      class: "add-participant",
      "aria-label": "Add a participant",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const body = { code: code.value.trim(), name: name.value.trim(), role: role.value };
          await app.api.addParticipant(app.state.view.id, body);
          ["new-code", "new-name", "new-role"].forEach((key) => drafts.delete(key));
          app.toast(`${body.code} added`);
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    h("label", { for: "new-code" }, "Code "),
    code,
    h("label", { for: "new-name" }, " Name "),
    name,
    h("label", { for: "new-role" }, " Role "),
    role,
    " ",
    h("button", { type: "submit" }, "Add participant"),
  );
}
