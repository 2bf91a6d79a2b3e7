// The field's reference sync server, for Accord's sync_fanout bench: what
// @automerge/automerge-repo-sync-server (MIT, Ink & Switch) builds, on
// automerge-repo 2.5.6: a Repo with the Node WebSocket server adapter and
// file-system storage, sharing only documents peers ask for by id.
// Without express (it serves no pages here). PORT and DATA_DIR as there.

import fs from "fs"
import http from "http"
import os from "os"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const dir = process.env.DATA_DIR ?? ".amrg"
if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true })
const socket = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
const adapter = new NodeWSServerAdapter(socket)
new Repo({
  network: [adapter],
  storage: new NodeFSStorageAdapter(dir),
  peerId: `storage-server-${os.hostname()}`,
  sharePolicy: async () => false,
})
// The repo connects its adapter once its storage is ready; a connection
// accepted before that is dropped, so the bench is told to connect only after.
while (!adapter.peerId) await new Promise((resolve) => setTimeout(resolve, 10))
const server = http.createServer((_, response) => response.end("sync server running"))
server.on("upgrade", (request, stream, head) => {
  socket.handleUpgrade(request, stream, head, (ws) => socket.emit("connection", ws, request))
})
server.listen(parseInt(process.env.PORT ?? "3030"), "127.0.0.1", () => {
  console.log(`listening on ${server.address().port}`)
})
