// The JSON API, as functions. Every error answer is {"error": "..."}: it
// becomes an ApiError whose message is the server's, shown as is.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The answer's JSON; `withTag`: `{ data, etag }`, the version the server named. */
async function call(method, path, body, withTag = false) {
  const options = { method, credentials: "same-origin", headers: {} };
  // Every write is JSON (the server refuses others): {} when it has no fields.
  if (body !== undefined || method === "POST" || method === "PUT") {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body ?? {});
  }
  const response = await reach(path, options);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) throw refusal(response, data);
  return withTag ? { data, etag: response.headers.get("etag") } : data;
}

/** The server's answer, or an ApiError when it cannot be reached. */
async function reach(path, options) {
  try {
    return await fetch(path, options);
  } catch {
    throw new ApiError(0, "the server cannot be reached");
  }
}

/** The error a refused request stands for: the server's message, else its status. */
function refusal(response, data) {
  const message =
    data && typeof data === "object" && data.error ? data.error : `${response.status} ${response.statusText}`;
  return new ApiError(response.status, message);
}

const enc = encodeURIComponent;

export const api = {
  signIn: (token) => call("POST", "/api/session", { token }),
  signOut: () => call("DELETE", "/api/session"),
  me: () => call("GET", "/api/me"),
  openNegotiation: (body) => call("POST", "/api/negotiations", body),
  view: (id) => call("GET", `/api/negotiations/${enc(id)}`, undefined, true),
  propose: (id, section, body) => call("POST", `/api/negotiations/${enc(id)}/sections/${section}/proposals`, body),
  editText: (proposal, text, baseHeads) =>
    call("PUT", `/api/proposals/${enc(proposal)}/text`, { text, base_heads: baseHeads }),
  stance: (proposal, code, stance, reason, adRefUntil = null) =>
    call("PUT", `/api/proposals/${enc(proposal)}/stances/${enc(code)}`, {
      stance,
      reason,
      ...(adRefUntil ? { ad_ref_until: adRefUntil } : {}),
    }),
  silence: (id, section, proposal, until) =>
    call("POST", `/api/negotiations/${enc(id)}/sections/${section}/silence`, { proposal, until }),
  cosponsor: (proposal) => call("POST", `/api/proposals/${enc(proposal)}/cosponsor`),
  withdraw: (proposal) => call("POST", `/api/proposals/${enc(proposal)}/withdraw`),
  comment: (proposal, start, end, text) =>
    call("POST", `/api/proposals/${enc(proposal)}/comments`, { start, end, text }),
  reopen: (id, section, reason) => call("POST", `/api/negotiations/${enc(id)}/sections/${section}/reopen`, { reason }),
  package: (id, sections) => call("POST", `/api/negotiations/${enc(id)}/packages`, { sections }),
  setDeadline: (id, deadline) => call("PUT", `/api/negotiations/${enc(id)}/deadline`, { deadline }),
  addParticipant: (id, body) => call("POST", `/api/negotiations/${enc(id)}/participants`, body),
  invite: (id, code) => call("POST", `/api/negotiations/${enc(id)}/participants/${enc(code)}/invite`),
  revoke: (id, code) => call("DELETE", `/api/negotiations/${enc(id)}/participants/${enc(code)}/invite`),
  adopt: (id, section, proposal) =>
    call("POST", `/api/negotiations/${enc(id)}/sections/${section}/adopt`, { proposal }),
  redline: (id, section, from, to) =>
    call("GET", `/api/negotiations/${enc(id)}/sections/${section}/redline?from=${enc(from)}&to=${enc(to)}`),
  compromise: (id, section) => call("GET", `/api/negotiations/${enc(id)}/sections/${section}/compromise`),
  historySince: (id, time) => call("GET", `/api/negotiations/${enc(id)}/history?since=${enc(time)}`),
  convergence: (id, section) => call("GET", `/api/negotiations/${enc(id)}/sections/${section}/convergence`),
  exportUrl: (id, format, extra = "") => `/api/negotiations/${enc(id)}/export?format=${enc(format)}${extra}`,
  verify: (id, name, base64) => call("POST", `/api/negotiations/${enc(id)}/verify`, { name, base64 }),
  /** An export's bytes, or the server's refusal as an ApiError (for approval, while sections are open). */
  async exportFile(url) {
    const response = await reach(url, { credentials: "same-origin" });
    if (response.ok) return response.blob();
    throw refusal(response, await response.json().catch(() => null));
  },
};
