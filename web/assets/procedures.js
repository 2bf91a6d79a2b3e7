// The desk's procedures with time: each silence (running with its countdown, broken,
// void or held), each adoption agreed ad referendum with whose confirmation is pending
// and until when, and the form that puts a proposal under silence. The server records
// what they come to when their time passes; the page follows its live patches.

import { h, bound, formatTime, countdown } from "./dom.js";
import { drafts } from "./state.js";

/** The silences and pending confirmations of every section, or nothing when there are none. */
export function procedures(view) {
  const silences = view.sections.filter((s) => s.silence).map(silenceLine);
  const pending = view.sections.flatMap((s) =>
    s.confirmations.filter((c) => c.confirmed_at === null).map((c) => confirmationLine(s, c)),
  );
  if (!silences.length && !pending.length) return null;
  return h(
    "section",
    { class: "card procedures", "aria-labelledby": "procedures" },
    h("h2", { id: "procedures" }, "Silence and ad referendum"),
    silences.length ? h("ul", { class: "silences" }, silences) : null,
    pending.length
      ? h(
          "div",
          {},
          h("h3", {}, "Confirmations pending (agreed ad referendum)"),
          h("ul", { class: "pending" }, pending),
        )
      : null,
  );
}

function silenceLine(section) {
  const s = section.silence;
  const what = `§${section.number} ${s.label} under silence until ${formatTime(s.until)}`;
  let state;
  if (s.broken_by) {
    const b = s.broken_by;
    state = `broken by ${b.participant} on ${formatTime(b.at)}: ${b.reason}`;
  } else if (s.voided) state = "void: its text changed or it was withdrawn";
  else if (s.held) state = "held: adopted by silence procedure";
  else state = `silence ${countdown(s.until)}; adopted then unless a member objects`;
  return h("li", { class: s.broken_by || s.voided ? "blocked" : "ok" }, `${what}: ${state}.`);
}

function confirmationLine(section, c) {
  const reason = c.reason ? ` (${c.reason})` : "";
  return h(
    "li",
    {},
    `§${section.number}: ${c.participant} must confirm by ${formatTime(c.until)}, ${countdown(c.until)}${reason}; `,
    "taken as confirmed then unless it objects.",
  );
}

/** A form to put `proposal` under silence until a time, when nobody objects to it. */
export function silenceForm(app, section, proposal) {
  const objected = Object.values(proposal.stances).some((s) => s.stance === "object");
  if (section.silence?.running || objected) return null;
  const key = `silence-${proposal.id}`;
  const until = bound("input", key, { id: key, type: "datetime-local", required: true });
  return h(
    "form",
    {
      class: "silence-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const time = new Date(until.value);
        if (Number.isNaN(time.getTime())) return app.toast("Choose when silence ends.", true);
        try {
          await app.api.silence(app.state.view.id, section.number, proposal.id, time.toISOString());
          drafts.delete(key);
          app.toast(`${proposal.label} is under silence until ${formatTime(time.getTime())}`);
          app.refresh(0);
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    h("label", { for: key }, `Silence on ${proposal.label} until `),
    until,
    h("button", { type: "submit" }, `Put ${proposal.label} under silence`),
  );
}
