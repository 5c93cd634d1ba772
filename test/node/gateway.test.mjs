// testcontainers-node through the podsock gateway: start a container that
// serves TCP on an exposed port, connect to the mapped port, stop it.
// Run by test/sidecar/gateway/testcontainers.sh inside a podsim job (DOCKER_HOST
// points at the gateway; the image is the locally imported busybox).
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { GenericContainer, Wait } from "testcontainers";

const IMAGE = process.env.GW_TEST_IMAGE ?? "podsock.test/busybox:latest";
const PORT = 9000;

function httpGet(host, port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => s.end("GET / HTTP/1.0\r\n\r\n"));
    let data = "";
    s.setTimeout(10000, () => s.destroy(new Error(`no answer from ${host}:${port}`)));
    s.on("data", (d) => (data += d));
    s.on("end", () => resolve(data));
    s.on("error", reject);
  });
}

test("a container serving TCP on an exposed port, reached at its mapped port", async () => {
  const container = await new GenericContainer(IMAGE)
    .withCommand([
      "sh",
      "-c",
      `mkdir -p /www && echo served-by-testcontainers >/www/index.html && exec httpd -f -p ${PORT} -h /www`,
    ])
    .withExposedPorts(PORT)
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(60000)
    .start();
  try {
    const mapped = container.getMappedPort(PORT);
    console.log(`MARK mapped-port: ${mapped}`);
    assert.ok(Number.isInteger(mapped) && mapped > 0, `mapped port ${mapped}`);
    const answer = await httpGet(container.getHost(), mapped);
    console.log(`MARK answer: ${answer.split("\r\n")[0]}`);
    assert.match(answer, /served-by-testcontainers/);
    const exec = await container.exec(["cat", "/www/index.html"]);
    assert.equal(exec.exitCode, 0);
    assert.match(exec.output, /served-by-testcontainers/);
  } finally {
    const stopped = await container.stop();
    console.log(`MARK stopped: ${stopped.getId().slice(0, 12)}`);
  }
});
