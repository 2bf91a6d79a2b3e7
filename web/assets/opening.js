// The secretariat's screen: open a negotiation from the draft, as Word or
// Markdown, naming its chair. The draft is read by the server (each Heading 1
// a topic); the chair's sign-in link is shown once, to send on.

import { h, fileBase64 } from "./dom.js";

/** The screen, for `api` (the JSON API) and `me` (`{secretariat}`). */
export function renderOpening(api, me) {
  const title = h("input", { id: "open-title", type: "text", required: true, autocomplete: "off" });
  const code = h("input", { id: "open-chair", type: "text", required: true, placeholder: "HLCP", autocomplete: "off" });
  const name = h("input", { id: "open-chair-name", type: "text", required: true, autocomplete: "off" });
  const file = h("input", {
    id: "open-draft",
    type: "file",
    required: true,
    accept: ".docx,.md,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/markdown",
    "aria-describedby": "open-draft-help",
  });
  const outcome = h("div", { class: "outcome", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Open the negotiation");
  const form = h(
    "form",
    {
      class: "card opening",
      onsubmit: async (event) => {
        event.preventDefault();
        const draft = file.files[0];
        submit.disabled = true;
        outcome.replaceChildren(h("p", { class: "muted" }, `Reading ${draft.name}…`));
        try {
          const body = {
            title: title.value.trim(),
            chair: { code: code.value.trim(), name: name.value.trim() },
            draft: { name: draft.name, base64: await fileBase64(draft) },
          };
          const answer = await api.openNegotiation(body);
          form.reset(); // before the link is shown: it is a field of the form too
          outcome.replaceChildren(opened(answer));
          outcome.scrollIntoView({ block: "nearest" });
        } catch (error) {
          outcome.replaceChildren(h("p", { class: "error", role: "alert" }, error.message));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", {}, "Open a negotiation"),
    h("p", { class: "muted" }, `Signed in as the secretariat (${me.secretariat}).`),
    h("label", { for: "open-title" }, "Title"),
    title,
    h("label", { for: "open-chair" }, "Chair's code"),
    code,
    h("label", { for: "open-chair-name" }, "Chair's name"),
    name,
    h("label", { for: "open-draft" }, "The draft"),
    file,
    h(
      "p",
      { id: "open-draft-help", class: "muted" },
      "A Word document (.docx) or Markdown (.md): each Heading 1 starts a topic, the paragraphs below it are its base text.",
    ),
    submit,
    outcome,
  );
  return form;
}

/** What the server answered: the new negotiation, and the chair's link, shown once. */
function opened(answer) {
  const left = answer.left_out ? ` ${answer.left_out} paragraph(s) before the first heading were left out.` : "";
  return h(
    "div",
    { class: "opened", role: "status" },
    h("p", {}, h("strong", {}, answer.title), ` is open with ${answer.sections} sections.${left}`),
    h("label", { for: "chair-link" }, `Send this sign-in link to the chair, ${answer.chair.code} (shown once):`),
    h("input", { id: "chair-link", type: "text", readonly: true, value: answer.chair.link, class: "invite-link" }),
  );
}
