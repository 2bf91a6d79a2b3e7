// Hocuspocus 4.7, the Yjs collaboration server, for Accord's meeting bench:
// as its README starts one, with no extension and no authentication hook.
// It keeps documents in memory (a persistence extension stores them after a
// debounce, off an edit's path), so its CPU figures are a lower bound.
// PORT as the sync server (0: any free port); prints where it listens.

import { Server } from "@hocuspocus/server"

const server = new Server({ port: parseInt(process.env.PORT ?? "1234"), address: "127.0.0.1", quiet: true })
await server.listen()
console.log(`listening on ${server.address.port}`)
