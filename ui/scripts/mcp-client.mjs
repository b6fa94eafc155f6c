// A real MCP client (the official TypeScript SDK) for the end-to-end tests of `inlet mcp` and
// `inlet serve` (crates/cli/tests/mcp.rs, serve.rs; the package's test): reads a plan as JSON on
// standard input — the command to launch and its environment, or the URL and a bearer key; the
// tool calls to make — runs it, and prints what the server answered as one JSON object.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const input = await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
});
const plan = JSON.parse(input);
// `inlet serve` (plan.url, with a client's key as a bearer token) or `inlet mcp` over stdio.
const transport = plan.url
  ? new StreamableHTTPClientTransport(new URL(plan.url), { requestInit: { headers: { Authorization: `Bearer ${plan.bearer}` } } })
  : new StdioClientTransport({ command: plan.command, args: plan.args, env: plan.env, stderr: "ignore" });
const client = new Client({ name: "inlet-e2e", version: "1.0.0" });
await client.connect(transport);
const tools = await client.listTools();
const resources = await client.listResources();
const accounts = await client.readResource({ uri: "inlet://accounts" });
const results = [];
for (const call of plan.calls) {
  const answer = await client.callTool({ name: call.name, arguments: call.arguments });
  results.push({
    isError: answer.isError ?? false,
    structured: answer.structuredContent ?? null,
    text: answer.content.map((c) => c.text ?? "").join("\n"),
  });
}
await client.close();
process.stdout.write(
  JSON.stringify({
    server: client.getServerVersion(),
    instructions: client.getInstructions(),
    tools: tools.tools.map((t) => t.name).sort(),
    resources: resources.resources.map((r) => r.uri),
    accounts: JSON.parse(accounts.contents[0].text),
    results,
  }) + "\n",
);
