import { describe, expect, it } from "vitest";
import { readSse, SseParser } from "./sse";

function stream(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(typeof ch === "string" ? enc.encode(ch) : ch);
      c.close();
    },
  });
}

async function all(body: ReadableStream<Uint8Array>) {
  const out = [];
  for await (const m of readSse(body)) out.push(m);
  return out;
}

describe("SseParser", () => {
  it("parses events split anywhere across chunks", () => {
    const text = 'event: step\ndata: {"tool":"search"}\n\nevent: token\ndata: {"text":"Hi"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(got).toEqual([
        { event: "step", data: '{"tool":"search"}' },
        { event: "token", data: '{"text":"Hi"}' },
      ]);
    }
  });

  it("joins data lines, drops comments and one leading space, defaults the event name", () => {
    const p = new SseParser();
    expect(p.push(": keep-alive\ndata:a\ndata:  b\nid: 7\n\n")).toEqual([{ event: "message", data: "a\n b" }]);
  });

  it("accepts CR, LF and CRLF line ends, including a CRLF split between chunks", () => {
    const p = new SseParser();
    expect([...p.push("event: done\r"), ...p.push("\ndata: 1\r\n\r"), ...p.push("\n")]).toEqual([{ event: "done", data: "1" }]);
    expect(new SseParser().push("event: x\rdata: 2\r\r")).toEqual([{ event: "x", data: "2" }]);
  });

  it("does not emit an event without data, nor keep its name for the next one", () => {
    const p = new SseParser();
    expect(p.push("event: ping\n\ndata: z\n\n")).toEqual([{ event: "message", data: "z" }]);
  });
});

describe("readSse", () => {
  it("decodes a multi-byte character split between chunks", async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"€"}\n\n');
    const at = bytes.indexOf(0xe2) + 1;
    const got = await all(stream([bytes.slice(0, at), bytes.slice(at)]));
    expect(got).toEqual([{ event: "token", data: '{"text":"€"}' }]);
  });

  it("delivers a last event whose blank line never came", async () => {
    expect(await all(stream(["event: done\ndata: {}"]))).toEqual([{ event: "done", data: "{}" }]);
  });
});
