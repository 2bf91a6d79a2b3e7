// The secretariat's files, on the overview: the draft for approval (refused,
// with what still blocks it, while a section is open), the Word draft with
// tracked changes since the circulated one (chosen as a file: the server
// reads which version it is), and checking that a file says what the version
// it names says (chosen or dropped). What each last said stays in
// `state.files` across re-renders.

import { h, fileBase64 } from "./dom.js";

const FORMATS = [
  ["docx", "Word"],
  ["html", "HTML"],
  ["md", "Markdown"],
  ["akn", "Akoma Ntoso"],
];

export function renderFiles(app) {
  const files = app.state.files;
  return h(
    "section",
    { class: "files", "aria-labelledby": "files-title" },
    h("h2", { id: "files-title" }, "The draft as files"),
    h(
      "p",
      {},
      "For approval: ",
      FORMATS.map(([format, label], i) => [
        i ? " · " : "",
        h("button", { type: "button", class: "quiet", onclick: () => forApproval(app, format) }, label),
      ]),
    ),
    files.approval ? h("p", { class: "error approval-refused", role: "alert" }, files.approval) : null,
    fileField("since-file", "Tracked changes since the circulated draft: choose the circulated file", (file) =>
      sinceCirculated(app, file),
    ),
    files.since ? sinceLink(app, files.since) : null,
    dropZone(app),
    files.verify ? verdict(files.verify) : null,
  );
}

function fileField(id, label, chosen) {
  const input = h("input", { id, type: "file", onchange: () => input.files[0] && chosen(input.files[0]) });
  return h("p", {}, h("label", { for: id }, `${label} `), input);
}

async function forApproval(app, format) {
  try {
    const blob = await app.api.exportFile(app.api.exportUrl(app.state.view.id, format, "&for_approval=true"));
    app.state.files.approval = null;
    save(blob, `for-approval.${format === "akn" ? "xml" : format}`);
  } catch (error) {
    app.state.files.approval = error.message;
  }
  app.render();
}

async function sinceCirculated(app, file) {
  try {
    const checked = await app.api.verify(app.state.view.id, file.name, await fileBase64(file));
    app.state.files.since = { name: file.name, version: checked.version, fingerprint: checked.fingerprint };
  } catch (error) {
    app.state.files.since = { error: error.message };
  }
  app.render();
}

function sinceLink(app, since) {
  if (since.error) return h("p", { class: "error", role: "alert" }, since.error);
  const url = app.api.exportUrl(app.state.view.id, "docx", `&against=${encodeURIComponent(since.version)}`);
  return h(
    "p",
    {},
    h(
      "a",
      { class: "since-link", href: url, download: "changes-since-circulated.docx" },
      `Word draft with tracked changes since ${since.name} (${since.fingerprint})`,
    ),
  );
}

function dropZone(app) {
  const check = async (file) => {
    try {
      const checked = await app.api.verify(app.state.view.id, file.name, await fileBase64(file));
      app.state.files.verify = { name: file.name, ...checked };
    } catch (error) {
      app.state.files.verify = { name: file.name, error: error.message };
    }
    app.render();
  };
  const zone = h(
    "div",
    {
      class: "drop-zone",
      ondragover: (event) => event.preventDefault(),
      ondrop: (event) => {
        event.preventDefault();
        const file = event.dataTransfer.files[0];
        if (file) check(file);
      },
    },
    fileField("verify-file", "Verify a file (or drop it here): does it say what the version it names says?", check),
  );
  return zone;
}

function verdict(result) {
  if (result.error) return h("p", { class: "error verdict", role: "alert" }, `${result.name}: ${result.error}`);
  const said = {
    same: `${result.name} is the export of version ${result.fingerprint}, byte for byte.`,
    resaved: `${result.name} says what version ${result.fingerprint} says; the file was saved again.`,
    changed: `${result.name} does NOT say what version ${result.fingerprint} says:`,
  }[result.verdict];
  return h(
    "div",
    { class: `verdict ${result.verdict}`, role: "status" },
    h("p", {}, said),
    result.differences.length
      ? h(
          "ul",
          {},
          result.differences.map((d) =>
            h("li", {}, d.section ? `§${d.section} ${d.title || ""}: ` : "Title, summary or footer: ", d.redline),
          ),
        )
      : null,
  );
}

/** Offers bytes as a download. */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
