// What the one-shot interop scripts (attack.mjs, cosponsor.mjs) share: their
// options, their JSON report and exit, the API and the /sync address.

/** The `--key value` options of `keys`; anything else prints `usage` and exits 2. */
export function options(argv, keys, usage) {
  const opts = {}
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "")
    if (!keys.includes(key) || argv[i + 1] === undefined) {
      process.stderr.write(`usage: ${usage}\n`)
      process.exit(2)
    }
    opts[key] = argv[i + 1]
  }
  return opts
}

/**
 * Prints `result` as one JSON line and exits (0 if `ok`), after shutting down
 * the repos; also on any uncaught error, so the caller always gets a report.
 */
export function reporter(result, repos) {
  const finish = async (ok, error) => {
    if (error) result.error = error
    process.stdout.write(JSON.stringify(result) + "\n")
    for (const repo of repos) {
      await Promise.race([repo.shutdown().catch(() => {}), new Promise((r) => setTimeout(r, 1000))])
    }
    process.exit(ok ? 0 : 1)
  }
  process.on("uncaughtException", (err) => void finish(false, `uncaught: ${err?.message ?? err}`))
  process.on("unhandledRejection", (err) => void finish(false, `unhandled: ${err?.message ?? err}`))
  return finish
}

/** The JSON API as the participant of `token`: GET, or a write with an empty JSON body. */
export async function api(url, token, method = "GET") {
  const headers = { Authorization: `Bearer ${token}` }
  const write = { method, headers: { ...headers, "Content-Type": "application/json" }, body: "{}" }
  const response = await fetch(url, method === "GET" ? { headers } : write)
  const body = await response.text()
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${body}`)
  return body ? JSON.parse(body) : null
}

/** The /sync address of `server`, with the token (WebSocket clients cannot always set headers). */
export function syncUrl(server, token) {
  const url = new URL(server)
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:"
  url.pathname = "/sync"
  url.search = "?token=" + encodeURIComponent(token)
  return url.toString()
}
